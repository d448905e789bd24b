// The link and bundle cards: their facts, their member table, their charts, and how they look when the data is
// not live (grey, "stale": the last figures known, not the present).
import { $, state, rememberMembers, sublinkOf, memberLabel } from "./state.js";
import { fmtRate, fmtMs, fmtPct, fmtQuality, fmtUptime } from "./format.js";
import { Chart, currentView } from "./charts.js";

const cards = new Map();   // "link:isp1" / "bundle:vpn" -> element
export const charts = new Map();  // "link:isp1" (traffic), "quality:isp1" (RTT and loss), "bundle:vpn" (members stacked)

let onCommand = () => {};
let onPolicy = () => {};
/** Who carries out Dial, Down and Drop, and a member's Backup / Primary (the session module). */
export function handleCommands(handler, policyHandler) { onCommand = handler; onPolicy = policyHandler; }

// What an operator reads at a glance: up (green), down (red), anything in between (amber).
function linkLook(linkState) {
  switch (linkState) {
    case "Up": return ["up", "up"];
    case "Closed": return ["down", "down"];
    case "Failed": return ["down", "failed"];
    case "RedialWait": return ["down", "redial wait"];
    case "HangingUp": return ["busy", "hanging up"];
    default: return ["busy", linkState.toLowerCase()];
  }
}

function card(kind, name) {
  const key = kind + ":" + name;
  let el = cards.get(key);
  if (el) return el;
  el = $(kind + "-card").content.firstElementChild.cloneNode(true);
  el.dataset.name = name;
  el.setAttribute("aria-label", name);
  el.querySelector(".name").textContent = name;
  const container = $(kind === "link" ? "links" : "bundles");
  const after = [...container.children].find(c => c.dataset.name > name);
  container.insertBefore(el, after || null);
  cards.set(key, el);
  if (kind === "link") {
    for (const button of el.querySelectorAll("[data-action]"))
      button.addEventListener("click", () => onCommand(name, button.dataset.action));
    charts.set(key, new Chart(el.querySelector(".chart.traffic"), { series: [{ label: "out", fill: true }, { label: "in" }] }));
    charts.set("quality:" + name, new Chart(el.querySelector(".chart.quality"), {
      series: [{ label: "RTT ms", colour: "#bf8700" }, { label: "loss %", colour: "#cf222e", scale: "r" }],
      units: "ms", rightUnits: "%", height: 100,
    }));
  } else {
    charts.set(key, new Chart(el.querySelector(".chart"), { series: [{ label: "goodput", colour: "#24292f" }], height: 160 }));
  }
  updateButtons();
  return el;
}

function set(el, field, text) {
  const f = el.querySelector(`[data-field="${field}"]`);
  if (f.textContent !== text) f.textContent = text;
}

function look(el, cls, word) {
  el.classList.remove("up", "down", "busy", "stale");
  if (state.live) {
    el.classList.add(cls);
    set(el, "badge", word);
    el.querySelector('[data-field="badge"]').removeAttribute("title");
  } else {
    // Disconnected: what we hold is the past. Grey, and said so, never a green "up".
    el.classList.add("stale");
    set(el, "badge", "stale");
    el.querySelector('[data-field="badge"]').title = `last known: ${word}`;
  }
}

/** The sublink carried by an ISP link (its member of the bundle), if one is open. */
const sublinkOver = link => [...state.sublinks.values()].find(s => s.carrier === link);

export function renderLink(l) {
  const el = card("link", l.name);
  const [cls, word] = linkLook(l.state);
  look(el, cls, word);
  el.dataset.state = l.state;
  set(el, "state", l.state.toLowerCase() + (l.device ? ` on ${l.device}` : ""));
  set(el, "phone", l.phone || "–");
  set(el, "dials", String(l.dialAttempts));
  set(el, "myaddr", l.localAddress || "–");
  set(el, "hisaddr", l.peerAddress || "–");
  set(el, "uptime", fmtUptime(l.upSince));
  set(el, "rate", `↑ ${fmtRate(l.counters.bitsPerSecondOut)}  ↓ ${fmtRate(l.counters.bitsPerSecondIn)}`);
  set(el, "reason", l.lastReason || "–");
  set(el, "quality", fmtQuality(l.quality));
  const sub = sublinkOver(l.name), q = sub && sub.quality;
  set(el, "lqr", !sub ? "–" : `${sub.name} ${sub.state.toLowerCase()}` +
    (q ? `, ${q.method} RTT ${fmtMs(q.roundTripMs)}, loss in ${fmtPct(q.inboundLossPercent)} out ${fmtPct(q.outboundLossPercent)}` : ""));
  updateButtons(el);
}

export function renderBundle(b) {
  const el = card("bundle", b.name);
  // up, but fragments arrive and none becomes a packet: "stalled" (issue 17), not a healthy "up"
  const stall = b.up ? b.stall : null;
  look(el, !b.up ? "down" : stall ? "busy" : "up", !b.up ? "down" : stall ? "stalled" : "up");
  const t = b.traffic;
  set(el, "goodput", fmtRate(t ? t.goodputBitsPerSecond : b.counters.bitsPerSecondOut));
  set(el, "rtt", fmtMs(t && t.probeRoundTripMs));
  set(el, "loss", fmtPct(t && t.probeLossPercent));
  // a paused member is still in the bundle but given no data: its socket said the peer is unreachable, its echo reply
  // is late (demoted), or it joined again and its round trip is not back yet (probation)
  const paused = new Set(b.paused || []);
  const why = new Map((b.memberDetails || []).map(m => [m.name, pausedWords(m)]));
  set(el, "members", `${b.members.length}: ${b.members.map(m => paused.has(m) ? `${m} (${why.get(m) || "paused"})` : m).join(", ") || "none"}`);
  set(el, "mrru", b.mrru == null ? "–" : String(b.mrru));
  set(el, "addresses", `${b.localAddress || "–"} → ${b.peerAddress || "–"}`);
  // IPv6 once IPV6CP is up: the link-local addresses its interface identifiers form (RFC 5072)
  set(el, "addresses6", b.ipv6LocalAddress ? `${b.ipv6LocalAddress} → ${b.ipv6PeerAddress}` : "–");
  const r = b.reassembly;
  set(el, "reassembly", `${r.packetsReassembled} ok, ${r.packetsLost} lost, ${r.duplicates} dup, ${r.lateFragments} late, depth ${r.reorderDepth} (peak ${r.peakReorderDepth}), waits ${Math.round(r.reorderTimeoutMs || 0)} ms`);
  set(el, "delivery", !b.up ? "–" : stall
    ? `stalled ${Math.floor(stall.seconds)} s: ${stall.fragmentsSinceDelivery} fragments in, no packet out`
    : "ok");
  set(el, "schedule", schedule(b));
  renderMembers(el, b);
  ensureMemberSeries(b.name);
}

// Why the bundle gives a member no data, in words.
const pausedWords = d => !d?.paused ? null
  : d.pausedFor === "late" ? "demoted: echo late"
  : d.pausedFor === "rejoined" ? "probation"
  : "paused";

// What carries a member, and where it goes when that is not in the words already: "nic to 198.51.100.11:6671" (the
// receiver of a set device list it dialled).
const carrierOf = s => s.remote && !s.carrier.includes(s.remote) ? `${s.carrier} to ${s.remote}` : s.carrier;

// Every member the bundle has had: open ones with their figures and the weight the fragmenter gives them (a slow
// link carries little because it weighs little), those that left as closed until they return. Rows are kept and
// updated in place, so that the operator's Backup / Primary button is not replaced under the pointer.
function renderMembers(el, b) {
  const body = el.querySelector('[data-field="sublinks"]');
  const known = rememberMembers(b.name);
  const details = new Map((b.memberDetails || []).map(m => [m.name, m]));
  const names = [...known.keys()].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
  const rows = names.map(name => {
    const s = sublinkOf(b.name, name), d = details.get(name), q = s && s.quality;
    const tr = [...body.children].find(r => r.dataset.member === name) || memberRow(b.name, name);
    const memberState = !s ? "closed" : d?.paused ? pausedWords(d) : s.state.toLowerCase();
    tr.className = s && s.state === "Open" && !d?.paused ? "up" : "down";
    [name, s ? carrierOf(s) : known.get(name).carrier || "–", memberState,
     d ? fmtRate(d.weightBytesPerSecond * 8) : "–", d ? fmtPct(d.sharePercent) : "–",
     rttAndHold(q, d), q ? `${fmtPct(q.inboundLossPercent)} / ${fmtPct(q.outboundLossPercent)}` : "–",
     s ? fmtRate(s.counters.bitsPerSecondOut) : "–", encrypted(s), rejected(s)]
      .forEach((text, i) => { if (tr.children[i].textContent !== text) tr.children[i].textContent = text; });
    tr.children[9].title = rejectedReasons(s);
    showPolicy(tr, name, d);
    return tr;
  });
  rows.forEach((tr, i) => { if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null); });
  while (body.children.length > rows.length) body.lastChild.remove();
}

/**
 * "throughput, equalised to 60 ms (12 held)": the bundle's schedule, and the one-way delay its delay equaliser holds
 * the faster members' fragments up to (the slowest member carrying data), when it holds any.
 */
function schedule(b) {
  const e = b.equaliser;
  const name = b.schedule || "latency";
  return e && e.targetMs >= 1 ? `${name}, equalised to ${Math.round(e.targetMs)} ms (${e.heldNow} held)` : name;
}

/** The member's echo RTT, and how long the equaliser holds what arrives on it ("12 ms, held 38 ms"). */
function rttAndHold(q, d) {
  const rtt = fmtMs(q && q.roundTripMs);
  return d && d.holdMs >= 1 ? `${rtt}, held ${Math.round(d.holdMs)} ms` : rtt;
}

/** A member's row: ten cells of figures, then its policy and the operator's button to change it. */
function memberRow(bundle, name) {
  const tr = document.createElement("tr");
  tr.dataset.member = name;
  for (let i = 0; i < 10; i++) tr.appendChild(document.createElement("td"));
  const td = document.createElement("td"), text = document.createElement("span"), button = document.createElement("button");
  text.className = "policy";
  button.type = "button";
  button.dataset.policy = "";
  button.addEventListener("click", () => onPolicy(bundle, name, button.dataset.policy === "backup"));
  td.append(text, " ", button);
  tr.appendChild(td);
  return tr;
}

/** "backup" or "primary N" (a backup carries data only while no primary is up; "idle": a better member carries it). */
function showPolicy(tr, name, d) {
  const text = tr.querySelector("span.policy"), button = tr.querySelector("button[data-policy]");
  const words = !d ? "–" : (d.backup ? "backup" : `primary ${d.priority}`) + (d.carriesData || d.paused ? "" : ", idle");
  if (text.textContent !== words) text.textContent = words;
  const next = d && d.backup ? "primary" : "backup";
  if (button.dataset.policy !== next) {
    button.dataset.policy = next;
    button.textContent = next === "backup" ? "Backup" : "Primary";
    button.setAttribute("aria-label", `make ${name} ${next}`);
  }
  button.hidden = !d || state.role === "receiver";
  updatePolicyButton(button);
}

function updatePolicyButton(button) {
  button.disabled = !state.session.operator;
  button.title = !state.session.operator ? "log in as the operator first"
    : button.dataset.policy === "backup" ? "carry data only while no primary member is up" : "carry data with the other primaries";
}

/**
 * "yes, AES-256-GCM, 42 s" (sealed with that cipher, keys that old), "handshake" (encryption on, no keys yet) or "no"
 * (clear PPP, FreeBSD's wire).
 */
function encrypted(s) {
  const e = s && s.encryption;
  if (!e || !e.enabled) return s ? "no" : "–";
  if (!e.encrypted) return "handshake";
  const age = e.keyAgeSeconds == null ? "–" : Math.floor(e.keyAgeSeconds) + " s";
  return e.cipher ? `yes, ${e.cipher}, ${age}` : `yes, ${age}`;
}

const rejectionNames = { malformed: "malformed", unknownSession: "no session", badTag: "bad tag", replay: "replay",
  expired: "expired", badMac1: "bad MAC1", unknownPeer: "unknown key", rateLimited: "rate-limited" };

/** Datagrams the member dropped in all (its row's title lists them by reason). */
function rejected(s) {
  const r = s && s.encryption && s.encryption.enabled ? s.encryption.rejected : null;
  return r ? String(Object.keys(rejectionNames).reduce((sum, k) => sum + (r[k] || 0), 0)) : "–";
}

function rejectedReasons(s) {
  const r = s && s.encryption && s.encryption.enabled ? s.encryption.rejected : null;
  return r ? Object.entries(rejectionNames).map(([k, name]) => `${name} ${r[k] || 0}`).join(", ") : "";
}

/** The bundle chart has a band per member it has known, labelled by the ISP link under it. */
function ensureMemberSeries(bundle) {
  const chart = charts.get("bundle:" + bundle);
  for (const name of [...(state.members.get(bundle)?.keys() || [])].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }))) {
    const label = memberLabel(bundle, name);
    if (chart.indexOf(label) < 0 && chart.series.every(s => s.member !== name)) chart.addSeries({ label, member: name, stacked: true });
  }
}

export function removeBundle(name) {
  const key = "bundle:" + name;
  cards.get(key)?.remove();
  cards.delete(key);
  charts.get(key)?.destroy();
  charts.delete(key);
}

/** Every card again (the connection went or came: they change look). */
export function renderAll() {
  state.links.forEach(renderLink);
  state.bundles.forEach(renderBundle);
}

export function updateButtons(only) {
  for (const el of only ? [only] : document.querySelectorAll(".card.link")) {
    const closed = el.dataset.state === "Closed";
    for (const b of el.querySelectorAll("[data-action]")) {
      const pointless = closed && b.dataset.action !== "dial";
      b.disabled = !state.session.operator || pointless;
      b.title = !state.session.operator ? "log in as the operator first" : pointless ? `${el.dataset.name} is already closed` : "";
    }
    el.querySelector(".hint").hidden = state.session.operator;
  }
  if (!only) document.querySelectorAll(".card.bundle button[data-policy]").forEach(updatePolicyButton);
}

/** Bits per second a member moves in both directions now; 0 when it is not open (it carries nothing). */
function memberRate(bundle, name) {
  const s = sublinkOf(bundle, name);
  return s && s.state === "Open" ? s.counters.bitsPerSecondIn + s.counters.bitsPerSecondOut : 0;
}

function knownLoss(...qualities) {
  const figures = qualities.filter(q => q).flatMap(q => [q.inboundLossPercent, q.outboundLossPercent]).filter(v => v != null);
  return figures.length ? Math.max(...figures) : null;
}

/**
 * One chart point a second from the current picture, so the time axis is even whatever the update rate; while
 * disconnected, a gap (nothing is known, so nothing is drawn).
 */
export function sample() {
  const now = Date.now() / 1000;
  state.links.forEach(l => {
    const el = cards.get("link:" + l.name);
    if (el) set(el, "uptime", fmtUptime(l.upSince));
  });
  // A window of history that ends in the past gets no live points.
  if (!currentView().live && currentView().to != null) return;
  state.links.forEach(l => {
    const traffic = charts.get("link:" + l.name), quality = charts.get("quality:" + l.name);
    if (!state.live) { traffic?.push(now, null); quality?.push(now, null); return; }
    traffic?.push(now, [l.counters.bitsPerSecondOut, l.counters.bitsPerSecondIn]);
    const sub = sublinkOver(l.name);
    const rtt = sub?.quality?.roundTripMs ?? l.quality?.roundTripMs ?? null;
    quality?.push(now, l.state === "Up" ? [rtt, knownLoss(l.quality, sub?.quality)] : null);
  });
  state.bundles.forEach(b => {
    const chart = charts.get("bundle:" + b.name);
    if (!chart) return;
    if (!state.live) { chart.push(now, null); return; }
    const goodput = b.traffic ? b.traffic.goodputBitsPerSecond : b.counters.bitsPerSecondOut;
    chart.push(now, chart.series.map(s => s.member != null ? memberRate(b.name, s.member) : goodput));
  });
}
