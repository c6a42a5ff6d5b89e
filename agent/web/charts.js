// Charts with uPlot (vendored: agent/web/vendor/, scripts/vendor-web.sh): each chart is an
// image to a screen reader, labelled with the sentence that says what it shows.
import { el } from "./dom.js";

const colour = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const seconds = (day) => Date.parse(`${day}T12:00:00Z`) / 1000;
const charts = new Set();

window.addEventListener("resize", () => {
  for (const chart of charts) {
    if (!chart.root.isConnected) charts.delete(chart);
    else chart.setSize({ width: chart.root.parentElement.clientWidth, height: chart.height });
  }
});

/** A line chart of daily series over `days` (ISO dates); `lines`: [{label, values, colour, dash}]. */
export function lineChart(target, days, lines, { label, range = null, height = 220 } = {}) {
  target.replaceChildren();
  target.setAttribute("role", "img");
  target.setAttribute("aria-label", label);
  const width = Math.max(target.clientWidth, 260);
  const options = {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: range ? { range } : {} },
    axes: [{ stroke: colour("--muted") }, { stroke: colour("--muted"), size: 44 }],
    series: [
      {},
      ...lines.map((line) => ({
        label: line.label,
        stroke: colour(line.colour),
        width: line.width ?? 2,
        dash: line.dash,
        points: { show: false },
      })),
    ],
  };
  const chart = new window.uPlot(options, [days.map(seconds), ...lines.map((l) => l.values)], target);
  charts.add(chart);
  return chart;
}

export function legend(lines) {
  return el(
    "p",
    { class: "legend", "aria-hidden": "true" },
    lines.map((line) => el("span", {}, el("span", { class: `swatch ${line.swatch}` }), line.label)),
  );
}

/** Check-ins on the circumplex: pleasantness across, energy up, one dot per check-in in its
 * quadrant's colour. `points`: [{valence, arousal, quadrant}], those without arousal left out. */
export function circumplex(points, label) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "-110 -110 220 220");
  svg.setAttribute("class", "circumplex");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const add = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    svg.append(node);
    return node;
  };
  add("circle", { cx: 0, cy: 0, r: 100, fill: "none", stroke: colour("--line") });
  add("line", { x1: -100, y1: 0, x2: 100, y2: 0, stroke: colour("--line") });
  add("line", { x1: 0, y1: -100, x2: 0, y2: 100, stroke: colour("--line") });
  add("text", { x: 8, y: -92 }, "high energy");
  add("text", { x: 8, y: 100 }, "low energy");
  add("text", { x: 62, y: -6 }, "pleasant");
  add("text", { x: -106, y: -6 }, "unpleasant");
  for (const point of points) {
    if (!point.quadrant) continue;
    const fill = colour(`--${point.quadrant.replaceAll("_", "-")}`);
    add("circle", { cx: point.valence * 100, cy: -point.arousal * 100, r: 2.5, fill, "fill-opacity": 0.6 });
  }
  return svg;
}
