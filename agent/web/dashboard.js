// The dashboard: a person's (or a linked child's) data through the same deterministic tools
// the model calls, each card with the tool's own plain-English summary.
import { circumplex, legend, lineChart } from "./charts.js";
import { $, QUADRANT_WORDS, el, number, percent } from "./dom.js";

const GOES_WITH_MOOD = [
  "sleep_hours",
  "steps",
  "exercise_minutes",
  "caffeine_mg",
  "alcohol_drinks",
  "mindful_minutes",
  "music_minutes",
  "hours_at_work",
];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export async function showDashboard(root, api) {
  const cards = $("#cards", root);
  const status = $("#dashboard-status", root);
  cards.replaceChildren();
  status.textContent = "Loading…";
  let metrics;
  try {
    metrics = (await api.tool("list_metrics")).result.metrics.map((m) => m.metric);
  } catch (error) {
    status.textContent =
      error.code === "no_data" || error.status === 404
        ? "No data yet: import an export file to see your dashboard."
        : `The dashboard could not load: ${error.message}`;
    return;
  }
  const card = (title, wide = false) => {
    const body = el("div", { class: "card-body" }, el("p", { class: "muted" }, "Loading…"));
    cards.append(el("section", { class: `card${wide ? " wide" : ""}` }, el("h3", {}, title), body));
    return body;
  };
  const has = (metric) => metrics.includes(metric);
  const loaders = [
    load(card("Mood over the last 90 days", true), () => moodTimeline(api)),
    load(card("Your check-ins on the mood circle"), () => moodCircle(api)),
    load(card("What goes with your mood"), () => goesWithMood(api, GOES_WITH_MOOD.filter(has).slice(0, 5))),
    load(card("Mood by weekday", true), () => weekdayProfile(api)),
    load(card("Chronotype"), () => chronotype(api)),
    load(card("Unusual days lately"), () => anomalies(api, ["valence", "sleep_hours"].filter(has))),
    load(card("Mood in the coming week"), () => forecast(api)),
  ];
  await Promise.all(loaders);
  status.textContent = `Dashboard of ${metrics.length} metrics.`;
}

async function load(body, build) {
  try {
    body.replaceChildren(...(await build()));
  } catch (error) {
    body.replaceChildren(el("p", { class: "error" }, error.message));
  }
}

/** A table in a region that scrolls sideways on a phone and can be reached with Tab. */
const scroller = (label, table) => el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": label }, table);

const summary = (result) => el("p", {}, result.summary);
const caveats = (result) =>
  result.result.caveats?.length
    ? el("ul", { class: "caveats" }, result.result.caveats.map((c) => el("li", {}, c)))
    : null;

async function moodTimeline(api) {
  const [series, valence, arousal] = await Promise.all([
    api.timeline(90),
    api.tool("stats_lookup", { metric: "valence", last_days: 30 }),
    api.tool("stats_lookup", { metric: "arousal", last_days: 30 }),
  ]);
  const target = el("div", { class: "chart" });
  const lines = [
    { label: "Valence (pleasant +, unpleasant −)", swatch: "valence", colour: "--valence", values: series.metrics.valence },
    { label: "Arousal (energy)", swatch: "arousal", colour: "--arousal", values: series.metrics.arousal },
  ];
  requestAnimationFrame(() =>
    lineChart(target, series.days, lines, {
      label: `Daily valence and arousal from ${series.days[0]} to ${series.days.at(-1)}, on a scale from -1 to 1.`,
      range: [-1, 1],
    }),
  );
  return [legend(lines), target, summary(valence), summary(arousal)];
}

async function moodCircle(api) {
  const found = await api.checkins(90);
  const placed = found.data.filter((c) => c.quadrant);
  if (!placed.length) {
    return [el("p", {}, found.data.length
      ? `${found.data.length} check-ins in the last 90 days, none with an energy level to place them on the circle.`
      : "No mood check-ins in the last 90 days: import How We Feel or Daylio to see them here.")];
  }
  const counts = Object.keys(QUADRANT_WORDS).map((q) => [q, found.quadrants[q] || 0]);
  const label = `${placed.length} check-ins from ${found.first_day} to ${found.last_day} on the mood circle: ${counts
    .map(([q, n]) => `${n} ${QUADRANT_WORDS[q]}`)
    .join(", ")}.`;
  return [
    circumplex(placed, label),
    el(
      "ul",
      { class: "quadrants" },
      counts.map(([q, n]) => el("li", {}, el("span", { class: `swatch dot ${q}` }), `${QUADRANT_WORDS[q]}: ${n} (${percent(n / placed.length)})`)),
    ),
    el("p", { class: "muted" }, `${placed.length} check-ins from ${found.first_day} to ${found.last_day}.`),
  ];
}

function strength(r) {
  const size = Math.abs(r);
  if (size < 0.1) return "no real link";
  const word = size < 0.3 ? "weak" : size < 0.5 ? "moderate" : "strong";
  return `${word}: more goes with ${r > 0 ? "a more pleasant" : "a less pleasant"} mood`;
}

function lagWords(lag) {
  return lag === 0 ? "the same day" : lag === 1 ? "the day before" : `${lag} days before`;
}

async function goesWithMood(api, candidates) {
  if (!candidates.length) return [el("p", {}, "None of the habits EQM compares with mood is in your data yet.")];
  const results = await Promise.all(
    candidates.map((x) => api.tool("correlate", { x, y: "valence", max_lag: 2 }).catch((e) => e)),
  );
  const rows = results.map((outcome, i) => {
    if (outcome instanceof Error) return el("tr", {}, el("th", { scope: "row" }, candidates[i]), el("td", { colspan: 3 }, outcome.message));
    const r = outcome.result;
    const lags = r.lags.map((l) => `${lagWords(l.lag)} ${number(l.pearson_r)}`).join(" · ");
    return el(
      "tr",
      {},
      el("th", { scope: "row" }, r.x),
      el("td", {}, r.r === null ? "not enough days" : strength(r.r)),
      el("td", {}, `strongest ${lagWords(r.best_lag)} (r = ${number(r.r)}, ${r.n} days)`),
      el("td", { class: "muted" }, lags),
    );
  });
  return [
    scroller(
      "What goes with your mood, as a table",
      el(
      "table",
      {},
      el("caption", { class: "muted" }, "Pearson r of each habit with mood (valence), same day and up to 2 days before. Going together is not proof of cause."),
      el("thead", {}, el("tr", {}, ["Habit", "Strength", "Best lag", "By lag"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows),
      ),
    ),
  ];
}

async function weekdayProfile(api) {
  const profile = await api.tool("weekday_profile");
  const quadrants = profile.result.overall.map((q) => q.quadrant);
  const row = (name, shares) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, name),
      quadrants.map((q) => {
        const share = shares.find((s) => s.quadrant === q);
        return el("td", { class: "num" }, share ? `${percent(share.probability)} (${percent(share.low)}–${percent(share.high)})` : "–");
      }),
    );
  const byDay = Object.fromEntries(profile.result.weekdays.map((w) => [w.weekday, w]));
  return [
    summary(profile),
    scroller(
      "Mood by weekday, as a table",
      el(
      "table",
      {},
      el("caption", { class: "muted" }, "Share of check-ins in each mood quadrant, with 95% credible intervals."),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Day"), quadrants.map((q) => el("th", { scope: "col" }, QUADRANT_WORDS[q] || q)))),
      el(
        "tbody",
        {},
        WEEKDAYS.filter((d) => byDay[d]).map((d) => row(`${d} (${byDay[d].n})`, byDay[d].shares)),
        row("All days", profile.result.overall),
      ),
      ),
    ),
  ];
}

async function chronotype(api) {
  const found = await api.tool("chronotype");
  const r = found.result;
  return [
    el("p", { class: "big" }, r.category ?? "–"),
    el(
      "dl",
      {},
      el("dt", {}, "Mid-sleep on free days, corrected for sleep debt (MSFsc)"),
      el("dd", {}, r.msf_sc_clock ?? "–"),
      el("dt", {}, "Social jetlag"),
      el("dd", {}, r.social_jetlag === null || r.social_jetlag === undefined ? "–" : `${number(r.social_jetlag, 1)} h`),
    ),
    summary(found),
    caveats(found),
  ];
}

async function anomalies(api, metrics) {
  const found = await Promise.all(metrics.map((metric) => api.tool("anomalies", { metric, last_days: 60 })));
  return found.flatMap((f) => [
    summary(f),
    f.result.anomalies.length
      ? el(
          "ul",
          {},
          f.result.anomalies.map((a) => el("li", {}, `${a.date}: ${number(a.value)}, ${a.direction} against a usual ${number(a.baseline_median)} (${a.severity})`)),
        )
      : null,
  ]);
}

async function forecast(api) {
  const found = await api.tool("forecast", { metric: "valence", horizon: 7 });
  const points = found.result.points;
  const target = el("div", { class: "chart" });
  const lines = [
    { label: "Forecast valence", swatch: "valence", colour: "--valence", values: points.map((p) => p.value) },
    { label: "80% range", swatch: "arousal", colour: "--muted", values: points.map((p) => p.low), width: 1, dash: [4, 4] },
    { label: "80% range (high)", colour: "--muted", values: points.map((p) => p.high), width: 1, dash: [4, 4] },
  ];
  requestAnimationFrame(() =>
    lineChart(target, points.map((p) => p.date), lines, {
      label: `Forecast of daily valence for ${points.length} days with 80% ranges.`,
      range: [-1, 1],
      height: 180,
    }),
  );
  return [legend(lines.slice(0, 2)), target, summary(found), caveats(found)];
}
