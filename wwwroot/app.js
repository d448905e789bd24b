// The dashboard: a snapshot on connect, then batched updates from /hub/status; control through the REST API.
(() => {
  "use strict";
  const HISTORY = 120; // seconds of throughput kept per chart
  const links = new Map(), bundles = new Map(), sublinks = new Map(), cards = new Map(), charts = new Map();
  let session = { operator: false, antiforgery: null };

  const $ = id => document.getElementById(id);
  const fmtRate = bps => bps == null ? "–" : bps >= 1e6 ? (bps / 1e6).toFixed(2) + " Mbit/s" : (bps / 1e3).toFixed(1) + " kbit/s";
  const fmtMs = ms => ms == null ? "–" : ms.toFixed(0) + " ms";
  const fmtPct = p => p == null ? "–" : p.toFixed(1) + " %";
  // The line's own LQR (RFC 1989) or LCP echo figures.
  const fmtQuality = q => !q ? "–" : q.method === "lqr"
    ? `LQR ${q.sent} sent, ${q.received} received, loss in ${fmtPct(q.inboundLossPercent)} out ${fmtPct(q.outboundLossPercent)}`
    : `echo RTT ${fmtMs(q.roundTripMs)}, ${q.received}/${q.sent} answered`;
  const fmtUptime = since => {
    if (!since) return "–";
    let s = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
    const h = Math.floor(s / 3600); s -= h * 3600; const m = Math.floor(s / 60); s -= m * 60;
    return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  };

  // What an operator reads at a glance: up (green), down (red), anything in between (amber).
  function linkLook(state) {
    switch (state) {
      case "Up": return ["up", "up"];
      case "Closed": return ["down", "down"];
      case "Failed": return ["down", "failed"];
      case "RedialWait": return ["down", "redial wait"];
      case "HangingUp": return ["busy", "hanging up"];
      default: return ["busy", state.toLowerCase()];
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
      el.querySelector('[data-action="dial"]').addEventListener("click", () => command(name, "dial"));
      el.querySelector('[data-action="drop"]').addEventListener("click", () => confirmDrop(name));
    }
    charts.set(key, makeChart(el.querySelector(".chart"), kind === "link" ? ["out", "in"] : ["goodput"]));
    updateButtons();
    return el;
  }

  function makeChart(target, series) {
    const colours = ["#0969da", "#8250df"];
    const data = [[], ...series.map(() => [])];
    const width = () => Math.max(200, target.clientWidth || 280);
    const plot = new uPlot({
      width: width(), height: 120, legend: { show: true, live: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1000, max * 1.1)] } },
      axes: [{ space: 60 }, { size: 56, label: "bit/s", labelSize: 14, values: (u, vals) => vals.map(v => v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : (v / 1000).toFixed(0) + "k") }],
      series: [{}, ...series.map((label, i) => ({ label, stroke: colours[i], width: 1.5, points: { show: false }, fill: i === 0 ? "rgba(9,105,218,.08)" : undefined }))],
    }, data, target);
    new ResizeObserver(() => plot.setSize({ width: width(), height: 120 })).observe(target);
    return { plot, data };
  }

  function push(key, values) {
    const c = charts.get(key);
    if (!c) return;
    c.data[0].push(Date.now() / 1000);
    values.forEach((v, i) => c.data[i + 1].push(v));
    if (c.data[0].length > HISTORY) c.data.forEach(a => a.shift());
    c.plot.setData(c.data);
  }

  function set(el, field, text) {
    const f = el.querySelector(`[data-field="${field}"]`);
    if (f.textContent !== text) f.textContent = text;
  }

  function renderLink(l) {
    const el = card("link", l.name);
    const [look, word] = linkLook(l.state);
    el.classList.remove("up", "down", "busy");
    el.classList.add(look);
    set(el, "badge", word);
    set(el, "state", l.state.toLowerCase() + (l.device ? ` on ${l.device}` : ""));
    set(el, "phone", l.phone || "–");
    set(el, "dials", String(l.dialAttempts));
    set(el, "myaddr", l.localAddress || "–");
    set(el, "hisaddr", l.peerAddress || "–");
    set(el, "uptime", fmtUptime(l.upSince));
    set(el, "rate", `↑ ${fmtRate(l.counters.bitsPerSecondOut)}  ↓ ${fmtRate(l.counters.bitsPerSecondIn)}`);
    set(el, "reason", l.lastReason || "–");
    set(el, "quality", fmtQuality(l.quality));
    const sub = [...sublinks.values()].find(s => s.carrier === l.name);
    const q = sub && sub.quality;
    set(el, "lqr", !sub ? "–" : `${sub.name} ${sub.state.toLowerCase()}` +
      (q ? `, ${q.method} RTT ${fmtMs(q.roundTripMs)}, loss in ${fmtPct(q.inboundLossPercent)} out ${fmtPct(q.outboundLossPercent)}` : ""));
  }

  function renderBundle(b) {
    const el = card("bundle", b.name);
    el.classList.remove("up", "down", "busy");
    el.classList.add(b.up ? "up" : "down");
    set(el, "badge", b.up ? "up" : "down");
    const t = b.traffic;
    set(el, "goodput", fmtRate(t ? t.goodputBitsPerSecond : b.counters.bitsPerSecondOut));
    set(el, "rtt", fmtMs(t && t.probeRoundTripMs));
    set(el, "loss", fmtPct(t && t.probeLossPercent));
    // a paused member is still in the bundle but given no data: its socket said the peer is unreachable
    const paused = new Set(b.paused || []);
    set(el, "members", `${b.members.length}: ${b.members.map(m => paused.has(m) ? m + " (paused)" : m).join(", ") || "none"}`);
    set(el, "mrru", b.mrru == null ? "–" : String(b.mrru));
    set(el, "addresses", `${b.localAddress || "–"} → ${b.peerAddress || "–"}`);
    const r = b.reassembly;
    set(el, "reassembly", `${r.packetsReassembled} ok, ${r.packetsLost} lost, ${r.duplicates} dup, ${r.lateFragments} late, depth ${r.reorderDepth} (peak ${r.peakReorderDepth})`);
    renderMembers(el, b.name);
  }

  // Every sublink of the bundle, in a small table (on the receiver these are the only per-link figures).
  function renderMembers(el, bundle) {
    const body = el.querySelector('[data-field="sublinks"]');
    const rows = [...sublinks.values()].filter(s => s.bundle === bundle).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    body.replaceChildren(...rows.map(s => {
      const q = s.quality, tr = document.createElement("tr");
      tr.className = s.state === "Open" ? "up" : "down";
      [s.name, s.carrier, s.state.toLowerCase(), fmtMs(q && q.roundTripMs),
       q ? `${fmtPct(q.inboundLossPercent)} / ${fmtPct(q.outboundLossPercent)}` : "–", fmtRate(s.counters.bitsPerSecondOut)]
        .forEach(text => { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); });
      return tr;
    }));
  }

  function removeCard(kind, name) {
    const key = kind + ":" + name;
    cards.get(key)?.remove();
    cards.delete(key);
    charts.delete(key);
  }

  function addLog(entries) {
    const list = $("log");
    for (const e of entries) {
      const li = document.createElement("li");
      li.className = e.level.toLowerCase();
      li.textContent = `${new Date(e.time).toLocaleTimeString()} ${e.source}: ${e.message}`;
      list.insertBefore(li, list.firstChild);
    }
    while (list.children.length > 200) list.lastChild.remove();
  }

  function apply(u) {
    u.sublinks.forEach(s => sublinks.set(s.bundle + "/" + s.name, s));
    u.removedSublinks.forEach(k => sublinks.delete(k.bundle + "/" + k.name));
    u.links.forEach(l => links.set(l.name, l));
    u.bundles.forEach(b => bundles.set(b.name, b));
    u.removedBundles.forEach(n => { bundles.delete(n); removeCard("bundle", n); });
    links.forEach(renderLink); // LQR figures come with sublink changes
    if (u.sublinks.length || u.removedSublinks.length) bundles.forEach(renderBundle);
    else u.bundles.forEach(renderBundle);
    addLog(u.log);
  }

  function snapshot(s) {
    $("role").textContent = `(${s.role})`;
    links.clear(); bundles.clear(); sublinks.clear();
    $("log").replaceChildren();
    apply({ links: s.links, bundles: s.bundles, sublinks: s.sublinks, removedBundles: [], removedSublinks: [], log: s.recentLog });
  }

  // One chart point a second from the current picture, so the time axis is even whatever the update rate.
  setInterval(() => {
    links.forEach(l => {
      push("link:" + l.name, [l.counters.bitsPerSecondOut, l.counters.bitsPerSecondIn]);
      const el = cards.get("link:" + l.name);
      if (el) set(el, "uptime", fmtUptime(l.upSince));
    });
    bundles.forEach(b => push("bundle:" + b.name, [b.traffic ? b.traffic.goodputBitsPerSecond : b.counters.bitsPerSecondOut]));
  }, 1000);

  // --- connection: reconnects by itself, forever, and says so meanwhile ---
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("hub/status")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(5000, 500 * (ctx.previousRetryCount + 1)) })
    .build();
  connection.on("Snapshot", snapshot);
  connection.on("Update", apply);

  function showConnection(state, text) {
    const c = $("connection");
    c.className = "connection " + state;
    c.textContent = text;
  }
  connection.onreconnecting(() => showConnection("disconnected", "disconnected – reconnecting…"));
  connection.onreconnected(() => { showConnection("live", "live"); refreshSession(); });
  connection.onclose(() => { showConnection("disconnected", "disconnected – reconnecting…"); start(); });

  async function start() {
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.start();
        showConnection("live", "live");
        return;
      } catch {
        showConnection("disconnected", "disconnected – reconnecting…");
        await new Promise(r => setTimeout(r, Math.min(5000, 500 * (attempt + 1))));
      }
    }
  }

  // --- session and control ---
  async function refreshSession() {
    try {
      const r = await fetch("api/session", { headers: { "X-Requested-With": "fetch" } });
      if (r.ok) session = await r.json();
    } catch { /* the hub's banner already says we are disconnected */ }
    showSession();
  }

  function showSession() {
    $("login").hidden = session.operator;
    $("session").hidden = !session.operator;
    updateButtons();
  }

  function updateButtons() {
    document.querySelectorAll("[data-action]").forEach(b => {
      b.disabled = !session.operator;
      b.title = session.operator ? "" : "log in as the operator first";
    });
  }

  async function post(url, body) {
    const headers = { "X-Requested-With": "fetch", "Content-Type": "application/json" };
    if (session.antiforgery) headers["X-CSRF-TOKEN"] = session.antiforgery;
    return fetch(url, { method: "POST", headers, body: body ? JSON.stringify(body) : undefined });
  }

  async function command(name, verb) {
    const r = await post(`api/links/${encodeURIComponent(name)}/${verb}`);
    if (r.status === 401 || r.status === 403) { session.operator = false; showSession(); }
    if (!r.ok) addLog([{ time: new Date().toISOString(), source: name, level: "Error", message: `${verb} refused: HTTP ${r.status}` }]);
  }

  function confirmDrop(name) {
    const dialog = $("confirm");
    $("confirm-text").textContent = `Drop ${name}? The bundle carries on over the other links; ${name} stays down until you dial it.`;
    dialog.returnValue = "";
    dialog.onclose = () => { if (dialog.returnValue === "ok") command(name, "close"); };
    dialog.showModal();
  }

  $("login").addEventListener("submit", async ev => {
    ev.preventDefault();
    $("login-error").textContent = "";
    const r = await post("api/login", { password: $("password").value });
    if (r.ok) {
      session = await r.json();
      $("password").value = "";
      showSession();
    } else {
      $("login-error").textContent = r.status === 429
        ? `too many failed logins: try again in ${r.headers.get("Retry-After") || 60} s` : "wrong password";
    }
  });
  $("logout").addEventListener("click", async () => {
    await post("api/logout");
    await refreshSession();
  });

  refreshSession();
  start();
})();
