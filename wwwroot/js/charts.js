// Charts over uPlot: live points a second apart, history loaded from the REST API, gaps kept as gaps (null
// points, never a line drawn across an outage), an optional stack (a bundle's members, each a band), and events
// drawn as markers.
import { fmtAxis } from "./format.js";

/** Seconds the live view shows. */
export const LIVE_SECONDS = 120;

const palette = ["#0969da", "#8250df", "#1a7f37", "#bf8700", "#cf222e", "#1b7c83", "#9a6700", "#6e7781"];

// What every chart shows: the last LIVE_SECONDS (live), or a window of history, which follows the present when it
// ends now (1 h, 24 h, 7 d) so that live points keep arriving at its right edge.
let view = { live: true, from: null, to: null };
export const currentView = () => view;
export function setView(v) { view = v; }

/** The x range (Unix seconds) the view shows now. */
export function viewRange() {
  const now = Date.now() / 1000;
  if (view.live) return [now - LIVE_SECONDS, now];
  return [view.from, view.to ?? now];
}

const cssVar = name => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export class Chart {
  /**
   * @param target the element the chart draws in
   * @param options series: [{ label, scale ("y" or "r"), stacked }], units of the left (y) and right (r) axes
   */
  constructor(target, { series, units = "bit/s", rightUnits = null, height = 120 }) {
    this.target = target;
    this.units = units;
    this.rightUnits = rightUnits;
    this.height = height;
    this.series = series.map(s => ({ scale: "y", stacked: false, ...s }));
    this.times = [];
    this.values = this.series.map(() => []);
    this.markers = [];
    this.build();
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: this.height })).observe(target);
  }

  width() { return Math.max(200, this.target.clientWidth || 280); }

  build() {
    this.plot?.destroy();
    const ink = cssVar("--ink") || "#1f2328", grid = cssVar("--grid") || "rgba(0,0,0,.07)";
    const axis = (scale, label, side) => ({
      scale, label, side, size: 56, labelSize: 14, stroke: ink, grid: { stroke: grid, show: side !== 1 }, ticks: { stroke: grid },
      values: (u, vals) => vals.map(fmtAxis),
    });
    const stacked = this.series.map((s, i) => s.stacked ? i + 1 : 0).filter(i => i);
    const bands = stacked.slice(1).map((s, k) => ({ series: [s, stacked[k]], fill: this.colour(s - 1, .35) }));
    const axes = [{ space: 60, stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } }, axis("y", this.units, 3)];
    if (this.rightUnits) axes.push(axis("r", this.rightUnits, 1));
    this.plot = new uPlot({
      width: this.width(), height: this.height, legend: { show: true, live: false },
      scales: {
        x: { time: true, range: () => viewRange() },
        y: { range: (u, min, max) => [0, Math.max(this.units === "bit/s" ? 1000 : 10, (max || 0) * 1.1)] },
        r: { range: (u, min, max) => [0, Math.max(10, (max || 0) * 1.1)] },
      },
      axes,
      bands,
      series: [{}, ...this.series.map((s, i) => ({
        label: s.label, scale: s.scale, stroke: this.colour(i, 1), width: s.stacked ? 1 : 1.5, points: { show: false }, spanGaps: false,
        fill: s.stacked && i + 1 === stacked[0] ? this.colour(i, .35) : s.fill ? this.colour(i, .08) : undefined,
      }))],
      plugins: [markersPlugin(this)],
    }, this.plotData(), this.target);
  }

  colour(i, alpha) {
    const hex = this.series[i].colour || palette[i % palette.length];
    if (alpha === 1) return hex;
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
  }

  /** Adds a series (a member that joined the bundle), its past as gaps; the plot is rebuilt around it. */
  addSeries(s) {
    this.series.push({ scale: "y", stacked: false, ...s });
    this.values.push(this.times.map(() => null));
    this.build();
  }

  label(i) { return this.series[i].label; }
  indexOf(label) { return this.series.findIndex(s => s.label === label); }

  /** One point at <time> (Unix seconds); <values> null draws a gap (nothing known then). */
  push(time, values) {
    this.times.push(time);
    this.series.forEach((_, i) => this.values[i].push(values == null ? null : values[i] ?? null));
    this.trim();
    this.draw();
  }

  /** Replaces the points (a history window): <values>[series][point], null where nothing was recorded. */
  load(times, values) {
    this.times = [...times];
    this.values = this.series.map((_, i) => [...(values[i] || times.map(() => null))]);
    this.draw();
  }

  /** Drops what the view cannot show any more (keeps one point before it, so a line enters from the left). */
  trim() {
    const [from] = viewRange();
    let drop = 0;
    while (drop < this.times.length - 1 && this.times[drop + 1] < from) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.forEach(v => v.splice(0, drop));
    }
    const [mFrom] = viewRange();
    if (this.markers.length > 500 || (this.markers[0] && this.markers[0].time < mFrom - 86400 * 8))
      this.markers = this.markers.filter(m => m.time >= mFrom).slice(-500);
  }

  mark(marker) {
    this.markers.push(marker);
    this.draw();
  }

  setMarkers(markers) {
    this.markers = markers;
    this.draw();
  }

  // Stacked series are drawn as running sums, each band between its sum and the one below; a point where any
  // member is unknown is a gap for the whole stack.
  plotData() {
    const sums = this.times.map(() => 0);
    const gap = this.times.map((_, k) => this.series.some((s, i) => s.stacked && this.values[i][k] == null));
    return [this.times, ...this.series.map((s, i) => !s.stacked ? this.values[i]
      : this.values[i].map((v, k) => gap[k] ? null : (sums[k] += v)))];
  }

  draw() { this.plot.setData(this.plotData()); }

  /** What the chart holds, for tests and curious operators (window.gatewayDashboard). */
  describe() {
    return {
      labels: this.series.map(s => s.label),
      times: [...this.times],
      values: this.values.map(v => [...v]),
      markers: this.markers.map(m => ({ ...m })),
    };
  }

  destroy() { this.plot.destroy(); }
}

// A dashed vertical line at each event, red for warnings and errors, with its text in the legend's tooltip.
function markersPlugin(chart) {
  return {
    hooks: {
      draw: u => {
        const ctx = u.ctx, { left, top, width, height } = u.bbox, [min, max] = [u.scales.x.min, u.scales.x.max];
        ctx.save();
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = 1;
        for (const m of chart.markers) {
          if (m.time < min || m.time > max) continue;
          const x = Math.round(u.valToPos(m.time, "x", true));
          if (x < left || x > left + width) continue;
          ctx.strokeStyle = m.level === "Warning" || m.level === "Error" ? "rgba(207,34,46,.8)" : "rgba(110,119,129,.7)";
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}
