// The dashboard: a snapshot on connect, then batched updates from /hub/status; history from /api/history; control
// through the REST API. Each concern is a module beside this one.
import { $, state } from "./state.js";
import { renderLink, renderBundle, renderAll, removeBundle, sample, charts } from "./cards.js";
import { addLog, clearLog } from "./eventlog.js";
import { connect } from "./connection.js";
import { refreshSession, wireLogin } from "./session.js";
import { currentView } from "./charts.js";
import { refreshCluster } from "./cluster.js";
import { markLive, refreshFailovers, refreshDaily, refreshStatus, wireRangePicker } from "./history.js";

function apply(u) {
  u.sublinks.forEach(s => state.sublinks.set(s.bundle + "/" + s.name, s));
  u.removedSublinks.forEach(k => state.sublinks.delete(k.bundle + "/" + k.name));
  u.links.forEach(l => state.links.set(l.name, l));
  u.bundles.forEach(b => state.bundles.set(b.name, b));
  u.removedBundles.forEach(n => { state.bundles.delete(n); removeBundle(n); });
  state.links.forEach(renderLink); // LQR figures come with sublink changes
  if (u.sublinks.length || u.removedSublinks.length) state.bundles.forEach(renderBundle);
  else u.bundles.forEach(renderBundle);
  addLog(u.log);
  markLive(u.log);
}

function snapshot(s) {
  state.role = s.role;
  $("role").textContent = `(${s.role})`;
  state.links.clear(); state.bundles.clear(); state.sublinks.clear();
  clearLog();
  // The log of a server that restarted begins again: its lines are new, those already shown stay in the charts.
  apply({ links: s.links, bundles: s.bundles, sublinks: s.sublinks, removedBundles: [], removedSublinks: [], log: s.recentLog });
}

function liveChanged(live) {
  renderAll();
  if (!live) sample();   // the gap starts now, not at the next tick
  else { refreshSession(); refreshStatus(); }
}

// For tests and the curious: what each chart holds (labels, times, values by series, markers).
window.gatewayDashboard = {
  chart: key => charts.get(key)?.describe() ?? null,
  charts: () => [...charts.keys()],
  view: () => ({ ...currentView() }),
};

setInterval(sample, 1000);
// Failover episodes and the history's health are written a second or so after they happen: look again now and then.
setInterval(() => { if (!document.hidden) { refreshFailovers(); refreshStatus(); } }, 5000);
setInterval(() => { if (!document.hidden) refreshDaily(); }, 60000);
setInterval(() => { if (!document.hidden) refreshCluster(); }, 2000);

wireLogin();
wireRangePicker();
refreshSession();
refreshFailovers();
refreshDaily();
refreshStatus();
refreshCluster();
connect({ onSnapshot: snapshot, onUpdate: apply, onLiveChanged: liveChanged });
