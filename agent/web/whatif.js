// The what-if simulator: a slider per habit the `simulate` tool accepts; each move asks it for
// the predicted mood of a day like that, with its 80% range, or shows its refusal.
import { $, QUADRANT_WORDS, el, number, percent } from "./dom.js";

const SLIDERS = [
  { metric: "sleep_hours", predictor: "sleep_hours", label: "Sleep", unit: "h", max: 14, step: 0.25 },
  { metric: "steps", predictor: "steps", label: "Steps", unit: "steps", max: 30000, step: 500 },
  { metric: "exercise_minutes", predictor: "exercise_minutes", label: "Exercise", unit: "min", max: 180, step: 5 },
  { metric: "caffeine_mg", predictor: "caffeine_mg", label: "Caffeine", unit: "mg", max: 800, step: 10 },
  { metric: "alcohol_drinks", predictor: "alcohol_drinks_yesterday", label: "Drinks the day before", unit: "drinks", max: 12, step: 1 },
];
const DEBOUNCE_MS = 120;

export class WhatIf {
  constructor(root) {
    this.form = $("#sliders", root);
    this.out = $("#prediction", root);
    this.typical = null;
    this.asked = 0;
    this.form.addEventListener("submit", (event) => event.preventDefault());
    this.form.addEventListener("input", (event) => this.moved(event.target));
    $("#whatif-reset", root).addEventListener("click", () => this.reset());
  }

  async open(api) {
    this.api = api;
    this.typical = null;
    this.form.replaceChildren();
    this.out.className = "card prediction";
    this.out.replaceChildren(el("p", { class: "muted" }, "Loading your typical day…"));
    try {
      const first = await this.typicalDay();
      if (!first) {
        this.out.replaceChildren(el("p", {}, "There is no habit data to simulate with yet."));
        return;
      }
      if (first.result.refused) {
        this.show(first);
        return;
      }
      this.typical = first.result;
      this.form.replaceChildren(...SLIDERS.map((s) => this.slider(s)));
      this.reset();
    } catch (error) {
      this.out.replaceChildren(el("p", { class: "error" }, error.message));
    }
  }

  /** A first simulation at the median of the first habit the model uses: it returns the
   * typical day (every predictor at the person's median), which places the sliders. */
  async typicalDay() {
    const metrics = (await this.api.tool("list_metrics")).result.metrics.map((m) => m.metric);
    for (const spec of SLIDERS.filter((s) => metrics.includes(s.metric))) {
      const stats = await this.api.tool("stats_lookup", { metric: spec.metric, last_days: 3660 });
      try {
        return await this.api.tool("simulate", { changes: { [spec.predictor]: stats.result.median } });
      } catch (error) {
        if (error.code !== "invalid_arguments") throw error; // a habit the model leaves out
      }
    }
    return null;
  }

  slider(spec) {
    const id = `whatif-${spec.predictor}`;
    const used = spec.predictor in this.typical.baseline_inputs;
    const typical = used ? this.typical.baseline_inputs[spec.predictor] : 0;
    const value = Math.round(typical / spec.step) * spec.step;
    const max = Math.max(spec.max, Math.ceil((typical * 2) / spec.step) * spec.step);
    const output = el("output", { for: id, id: `${id}-value` }, words(value, spec));
    const input = el("input", {
      type: "range",
      id,
      name: spec.predictor,
      min: "0",
      max: String(max),
      step: String(spec.step),
      value: String(value),
      disabled: !used,
      "aria-valuetext": words(value, spec),
      "data-typical": String(value),
    });
    const note = used
      ? el("small", {}, `Typical: ${words(typical, spec)}`)
      : el("small", {}, "Not in the model: too few days with this in your data.");
    return el("div", { class: used ? "" : "off" }, el("label", { for: id }, spec.label, " ", output), input, note);
  }

  moved(input) {
    const spec = SLIDERS.find((s) => s.predictor === input.name);
    if (!spec) return;
    const said = words(Number(input.value), spec);
    input.setAttribute("aria-valuetext", said);
    $(`#${input.id}-value`, this.form).textContent = said;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.simulate(), DEBOUNCE_MS);
  }

  changes() {
    const changes = {};
    for (const input of this.form.querySelectorAll("input[type=range]:not([disabled])")) {
      if (input.value !== input.dataset.typical) changes[input.name] = Number(input.value);
    }
    return changes;
  }

  async simulate() {
    const changes = this.changes();
    if (!Object.keys(changes).length) {
      this.showTypical();
      return;
    }
    const asked = ++this.asked;
    try {
      const outcome = await this.api.tool("simulate", { changes });
      if (asked === this.asked) this.show(outcome);
    } catch (error) {
      if (asked !== this.asked) return;
      this.out.className = "card prediction refused";
      this.out.replaceChildren(el("p", { class: "error" }, error.message));
    }
  }

  reset() {
    for (const input of this.form.querySelectorAll("input[type=range]")) {
      input.value = input.dataset.typical;
      this.moved(input);
    }
    clearTimeout(this.timer);
    this.showTypical();
  }

  showTypical() {
    if (!this.typical) return;
    const t = this.typical;
    this.out.className = "card prediction";
    this.out.replaceChildren(
      el("h3", {}, "A typical day"),
      el("p", {}, `Valence about ${number(t.baseline_valence)}, arousal about ${number(t.baseline_arousal)}. Move a slider to see a different day.`),
    );
  }

  show(outcome) {
    const r = outcome.result;
    if (r.refused) {
      this.out.className = "card prediction refused";
      this.out.replaceChildren(
        el("h3", {}, "Not simulated"),
        el("p", {}, outcome.summary),
        el("ul", { class: "caveats" }, r.caveats.slice(0, 2).map((c) => el("li", {}, c))),
      );
      return;
    }
    const axis = (name, value, range, delta) =>
      el(
        "li",
        {},
        el("strong", {}, `${name} ${number(value)}`),
        ` (${r.interval}% range ${number(range[0])} to ${number(range[1])}), `,
        `${delta >= 0 ? "+" : ""}${number(delta)} against a typical day`,
      );
    const likely = r.likely_quadrant;
    this.out.className = "card prediction";
    this.out.replaceChildren(
      el("h3", {}, "Predicted mood"),
      el(
        "ul",
        {},
        axis("Valence", r.valence, r.valence_range, r.delta_valence),
        axis("Arousal", r.arousal, r.arousal_range, r.delta_arousal),
      ),
      likely
        ? el("p", {}, `Most likely ${QUADRANT_WORDS[likely]} (${percent(r.quadrant_probabilities[likely])}).`)
        : null,
      el("p", { class: "muted" }, outcome.summary),
    );
  }
}

function words(value, spec) {
  return `${number(value, 2)} ${spec.unit}`;
}
