// How figures are written on the page: rates, times, percentages, octets, and the charts' axis labels.

export const fmtRate = bps => bps == null ? "–" : bps >= 1e6 ? (bps / 1e6).toFixed(2) + " Mbit/s" : (bps / 1e3).toFixed(1) + " kbit/s";
export const fmtMs = ms => ms == null ? "–" : ms.toFixed(0) + " ms";
export const fmtPct = p => p == null ? "–" : p.toFixed(1) + " %";

export function fmtOctets(n) {
  if (n == null) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(n >= 100 ? 0 : 1)) + " " + units[i];
}

// The line's own LQR (RFC 1989) or LCP echo figures.
export const fmtQuality = q => !q ? "–" : q.method === "lqr"
  ? `LQR ${q.sent} sent, ${q.received} received, loss in ${fmtPct(q.inboundLossPercent)} out ${fmtPct(q.outboundLossPercent)}`
  : `echo RTT ${fmtMs(q.roundTripMs)}, ${q.received}/${q.sent} answered`;

export function fmtUptime(since) {
  if (!since) return "–";
  let s = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  const h = Math.floor(s / 3600); s -= h * 3600; const m = Math.floor(s / 60); s -= m * 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

export function fmtDuration(ms) {
  if (ms == null) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  let s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600); s -= h * 3600; const m = Math.floor(s / 60); s -= m * 60;
  return h ? `${h} h ${m} min` : `${m} min ${s} s`;
}

const pad = n => String(n).padStart(2, "0");

/** Local date and time, to the second: "2026-12-05 07:15:12" (an event log spans days). */
export function fmtDateTime(time) {
  const d = time instanceof Date ? time : new Date(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A UTC day as the history's daily buckets are aligned: "2026-12-05". */
export const fmtDay = time => new Date(time).toISOString().slice(0, 10);

/**
 * An axis label in SI steps that keeps small values whole: 500 is "500", 1500 "1.5k", 2000000 "2M".
 * Three significant figures at most, trailing zeros dropped.
 */
export function fmtAxis(v) {
  if (v == null) return "";
  const a = Math.abs(v);
  const [scaled, suffix] = a >= 1e9 ? [v / 1e9, "G"] : a >= 1e6 ? [v / 1e6, "M"] : a >= 1e3 ? [v / 1e3, "k"] : [v, ""];
  return String(Number(scaled.toPrecision(3))) + suffix;
}
