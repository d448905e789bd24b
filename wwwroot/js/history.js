// History from the REST API (/api/history/stats, /events, /failovers, /status): the range picker (live, 1 h, 24 h,
// 7 d, custom) loads a window into every chart, with events as markers; the failover timeline; availability and
// data per link and day. Live points keep arriving over the hub at the right edge of a window that ends now.
import { $, state, memberLabel } from "./state.js";
import { charts } from "./cards.js";
import { currentView, setView, viewRange } from "./charts.js";
import { fmtDateTime, fmtDay, fmtDuration, fmtOctets, fmtPct } from "./format.js";

const api = (path, params) => fetch(`api/history/${path}?${new URLSearchParams(params)}`, { headers: { Accept: "application/json" } })
  .then(r => r.ok ? r.json() : Promise.reject(new Error(`${path}: HTTP ${r.status}`)));

const iso = seconds => new Date(seconds * 1000).toISOString();

/**
 * The step of the buckets for a window: a few hundred points a chart at most, whole minutes as the rollups are,
 * and whole hours beyond two days (the server then reads its hourly rollups, a sixtieth of the rows).
 */
export function stepFor(seconds) {
  if (seconds <= 3 * 3600) return 60;
  if (seconds <= 2 * 86400) return 300;
  return 3600;
}

// Events worth a marker on a chart, and those that mean something went away (drawn red).
const markerKinds = new Set(["Up", "Down", "DialFailed", "Left", "Joined", "Paused", "Resumed", "Command", "Removed"]);
const badKinds = new Set(["Down", "DialFailed", "Left", "Paused", "Removed"]);

/** The charts an event belongs on. */
function chartsFor(scope, name, bundle) {
  switch (scope) {
    case "Link": return ["link:" + name, "quality:" + name];
    case "Operator": return ["link:" + name, "bundle:" + name];
    case "Member": case "Sublink": return ["bundle:" + bundle];
    case "Bundle": return ["bundle:" + name];
    default: return ["link:" + name, "bundle:" + name];   // a log line, by its source
  }
}

/** A live log line as a marker on its source's chart. */
export function markLive(entries) {
  for (const e of entries) {
    const marker = { time: Date.parse(e.time) / 1000, level: e.level, text: `${e.source}: ${e.message}` };
    for (const key of chartsFor("Log", e.source)) charts.get(key)?.mark(marker);
  }
}

let loading = 0;

/** Shows <from>..<to> (Unix seconds; to null: up to now, following it) in every chart. */
export async function showWindow(from, to) {
  setView({ live: false, from, to });
  const run = ++loading;
  const [start, end] = viewRange();
  const step = stepFor(end - start);
  const window = { from: iso(start), to: iso(end) };
  $("charts-state").textContent = "loading history…";
  const began = performance.now();
  try {
    const [points, events] = await Promise.all([
      api("stats", { ...window, step: step % 3600 === 0 ? step / 3600 + "h" : step / 60 + "m" }),
      api("events", { ...window, limit: 20000 }),
    ]);
    if (run !== loading) return;
    loadCharts(points, events, start, end, step);
    $("charts-state").textContent = `history ${fmtDateTime(start * 1000)} – ${to == null ? "now" : fmtDateTime(end * 1000)}, ${step / 60} min steps`;
    // What the history benchmark reads (bench/history-load.sh): the load's duration, and when it ended after navigation.
    document.body.dataset.historyLoadedMs = String(Math.round(performance.now() - began));
    document.body.dataset.historyLoadedAt = String(Math.round(performance.now()));
  } catch (e) {
    if (run === loading) $("charts-state").textContent = `history unavailable: ${e.message}`;
  }
  refreshFailovers();
}

export function showLive() {
  loading++;
  setView({ live: true, from: null, to: null });
  for (const chart of charts.values()) { chart.load([], []); chart.setMarkers([]); }
  $("charts-state").textContent = "";
  refreshFailovers();
}

function loadCharts(points, events, start, end, step) {
  const times = [];
  for (let t = Math.ceil(start / step) * step; t < end; t += step) times.push(t);
  const series = new Map();   // "Link/isp1", "Member/vpn/2", "Bundle/vpn" -> Map(time -> point)
  for (const p of points) {
    const key = p.scope === "Member" ? `Member/${p.bundle}/${p.name}` : `${p.scope}/${p.name}`;
    if (!series.has(key)) series.set(key, new Map());
    series.get(key).set(Date.parse(p.time) / 1000, p);
  }
  const at = (key, t) => series.get(key)?.get(t);
  const rate = p => (p.octetsIn + p.octetsOut) * 8 / step;
  const membersOf = bundle => [...series.keys()].filter(k => k.startsWith(`Member/${bundle}/`)).map(k => k.slice(`Member/${bundle}/`.length));
  const carrierMember = link => {
    for (const [bundle, members] of state.members) for (const m of members.values()) if (m.carrier === link) return `Member/${bundle}/${m.name}`;
    return null;
  };

  for (const [key, chart] of charts) {
    const [kind, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    if (kind === "link") {
      const bits = (p, field) => p ? p[field] * 8 / step : null;
      chart.load(times, [times.map(t => bits(at("Link/" + name, t), "octetsOut")), times.map(t => bits(at("Link/" + name, t), "octetsIn"))]);
    } else if (kind === "quality") {
      const member = carrierMember(name);
      chart.load(times, [
        times.map(t => (member && at(member, t)?.rttMs) ?? at("Link/" + name, t)?.rttMs ?? null),
        times.map(t => {
          const figures = [at("Link/" + name, t), member && at(member, t)].filter(p => p).flatMap(p => [p.lossInPercent, p.lossOutPercent]).filter(v => v != null);
          return figures.length ? Math.max(...figures) : null;
        }),
      ]);
    } else if (kind === "bundle") {
      for (const m of membersOf(name))
        if (chart.series.every(s => s.member !== m)) chart.addSeries({ label: memberLabel(name, m), member: m, stacked: true });
      // A member with no rollup in a minute the bundle has one carried nothing then: its band is at zero.
      chart.load(times, chart.series.map(s => times.map(t => {
        const bundlePoint = at("Bundle/" + name, t);
        if (s.member == null) return bundlePoint?.goodputBitsPerSecond ?? null;
        const p = at(`Member/${name}/${s.member}`, t);
        return p ? rate(p) : bundlePoint ? 0 : null;
      })));
    }
  }

  const marks = new Map([...charts.keys()].map(k => [k, []]));
  for (const e of events) {
    if (!markerKinds.has(e.kind)) continue;
    const marker = { time: Date.parse(e.time) / 1000, level: badKinds.has(e.kind) ? "Warning" : "Information",
      text: `${e.name}${e.bundle ? " (" + e.bundle + ")" : ""}: ${e.kind.toLowerCase()}${e.state && e.kind === "Command" ? " " + e.state : ""}${e.detail ? " – " + e.detail : ""}` };
    for (const key of chartsFor(e.scope, e.name, e.bundle)) marks.get(key)?.push(marker);
  }
  marks.forEach((list, key) => charts.get(key).setMarkers(list));
}

// ---- failovers ----

/** The episodes in the view (the last 24 hours when live), as a timeline and a table. */
export async function refreshFailovers() {
  const [start, end] = currentView().live ? [Date.now() / 1000 - 86400, Date.now() / 1000] : viewRange();
  let episodes;
  try {
    episodes = await api("failovers", { from: iso(start), to: iso(end) });
  } catch (e) {
    $("failovers-state").textContent = `failover history unavailable: ${e.message}`;
    return;
  }
  $("failovers-state").textContent = episodes.length ? "" : "no failover in this window";
  const rows = episodes.slice().sort((a, b) => Date.parse(b.started) - Date.parse(a.started));
  $("failovers").querySelector("tbody").replaceChildren(...rows.map(ep => {
    const tr = document.createElement("tr");
    const started = Date.parse(ep.started), ended = ep.ended ? Date.parse(ep.ended) : null;
    tr.className = ended ? "" : "open";
    tr.dataset.bundle = ep.bundle;
    [ep.bundle, fmtDateTime(started), ended ? fmtDateTime(ended) : "ongoing", fmtDuration((ended ?? Date.now()) - started),
     ep.membersLost.map(m => memberLabel(ep.bundle, m)).join(", "), ep.cause, fmtDuration(ep.gapMs), ep.probesLost == null ? "–" : String(ep.probesLost)]
      .forEach(text => { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); });
    return tr;
  }));
  drawTimeline(rows, start, end);
}

// One bar per episode across the window, its gap (no path at all) darker at its start.
function drawTimeline(episodes, start, end) {
  const line = $("failover-timeline");
  const span = end - start;
  line.replaceChildren(...episodes.map(ep => {
    const from = Date.parse(ep.started) / 1000, to = ep.ended ? Date.parse(ep.ended) / 1000 : end;
    const bar = document.createElement("div");
    bar.className = "episode" + (ep.ended ? "" : " open");
    bar.style.left = `${Math.max(0, (from - start) / span * 100)}%`;
    bar.style.width = `${Math.max(0.4, (Math.min(to, end) - Math.max(from, start)) / span * 100)}%`;
    bar.title = `${ep.bundle}: ${ep.cause}, ${fmtDateTime(from * 1000)} – ${ep.ended ? fmtDateTime(to * 1000) : "ongoing"}, gap ${fmtDuration(ep.gapMs)}`;
    if (ep.gapMs > 0) {
      const gap = document.createElement("div");
      gap.className = "gap";
      gap.style.width = `${Math.min(100, ep.gapMs / 1000 / Math.max(1, to - from) * 100)}%`;
      bar.appendChild(gap);
    }
    return bar;
  }));
  $("timeline-from").textContent = fmtDateTime(start * 1000);
  $("timeline-to").textContent = currentView().to == null ? "now" : fmtDateTime(end * 1000);
}

// ---- availability and data per day ----

export async function refreshDaily() {
  const now = new Date();
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 6 * 86400000;
  let points;
  try {
    points = await api("stats", { from: new Date(first).toISOString(), to: now.toISOString(), scope: "Link", step: "1d" });
  } catch (e) {
    $("daily-state").textContent = `unavailable: ${e.message}`;
    return;
  }
  $("daily-state").textContent = points.length ? "" : "nothing recorded yet";
  points.sort((a, b) => b.time.localeCompare(a.time) || a.name.localeCompare(b.name, undefined, { numeric: true }));
  $("daily").querySelector("tbody").replaceChildren(...points.map(p => {
    const tr = document.createElement("tr");
    [fmtDay(p.time), p.name, fmtPct(p.upPercent), fmtOctets(p.octetsIn), fmtOctets(p.octetsOut)]
      .forEach(text => { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); });
    return tr;
  }));
}

/** "History unavailable" when the store cannot be written (the gateway forwards on regardless). */
export async function refreshStatus() {
  try {
    const s = await api("status", {});
    $("history-banner").hidden = s.available !== false;
    $("history-banner").textContent = s.available === false
      ? `History unavailable since ${s.unavailableSince ? fmtDateTime(s.unavailableSince) : "start"}: ${s.lastError || "unknown error"} (${s.recordsLost} records lost so far)` : "";
  } catch { /* disconnected: the connection banner says so */ }
}

// ---- the range picker ----

const toLocalInput = ms => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000); return d.toISOString().slice(0, 16); };

export function wireRangePicker() {
  const buttons = [...document.querySelectorAll("#range [data-range]")];
  const press = chosen => buttons.forEach(b => b.setAttribute("aria-pressed", String(b === chosen)));
  for (const b of buttons) {
    b.addEventListener("click", () => {
      press(b);
      const range = b.dataset.range;
      $("custom-range").hidden = range !== "custom";
      if (range === "live") showLive();
      else if (range === "custom") {
        if (!$("range-from").value) {
          $("range-from").value = toLocalInput(Date.now() - 3 * 3600000);
          $("range-to").value = toLocalInput(Date.now());
        }
        $("range-from").focus();
      } else showWindow(Date.now() / 1000 - Number(range), null);
    });
  }
  $("custom-range").addEventListener("submit", ev => {
    ev.preventDefault();
    const from = Date.parse($("range-from").value) / 1000, to = Date.parse($("range-to").value) / 1000;
    if (!(from < to)) { $("charts-state").textContent = "the start must be before the end"; return; }
    showWindow(from, to);
  });
}
