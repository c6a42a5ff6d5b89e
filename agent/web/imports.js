// Imports: drop an export file (or choose one) and see what was kept, what was already there
// and what was rejected, with the reasons.
import { $, el, number } from "./dom.js";

export class Imports {
  constructor(root, onImported) {
    this.drop = $("#drop", root);
    this.input = $("#file", root);
    this.status = $("#import-status", root);
    this.summary = $("#import-summary", root);
    this.onImported = onImported;
    this.input.addEventListener("change", () => this.input.files[0] && this.upload(this.input.files[0]));
    this.drop.addEventListener("dragover", (event) => {
      event.preventDefault();
      this.drop.classList.add("over");
    });
    this.drop.addEventListener("dragleave", () => this.drop.classList.remove("over"));
    this.drop.addEventListener("drop", (event) => {
      event.preventDefault();
      this.drop.classList.remove("over");
      const file = event.dataTransfer?.files?.[0];
      if (file) this.upload(file);
    });
  }

  open(api) {
    this.api = api;
  }

  async upload(file) {
    this.status.textContent = `Importing ${file.name} (${number(file.size / 1e6, 1)} MB)…`;
    this.summary.replaceChildren();
    try {
      const done = await this.api.importFile(file);
      this.status.textContent = `Imported ${done.file}.`;
      this.summary.replaceChildren(summaryCard(done));
      this.onImported();
    } catch (error) {
      this.status.textContent = "";
      this.summary.replaceChildren(el("p", { class: "error" }, `Nothing was imported: ${error.message}`));
    } finally {
      this.input.value = "";
    }
  }
}

function summaryCard(done) {
  const figure = (label, value) => el("div", {}, el("p", { class: "big" }, number(value, 0)), el("p", {}, label));
  const range = done.date_range ? `${done.date_range.first} to ${done.date_range.last}` : "no dates";
  return el(
    "section",
    { class: "card", "aria-labelledby": "import-summary-title" },
    el("h3", { id: "import-summary-title" }, `${done.file} (${done.format})`),
    el(
      "div",
      { class: "summary-numbers" },
      figure("kept", done.kept),
      figure("already there", done.duplicates),
      figure("rejected", done.rejected),
    ),
    el("p", {}, `${number(done.records_read, 0)} records read, covering ${range}, in ${number(done.seconds, 1)} s.`),
    done.rejections.length
      ? el(
          "details",
          { open: true },
          el("summary", {}, "Rejected, with the reasons"),
          el("ul", {}, done.rejections.map((r) => el("li", {}, `${r.where}: ${r.reason}`))),
        )
      : null,
    Object.keys(done.unknown_labels).length
      ? el("p", { class: "muted" }, `Mood words EQM did not know (kept, not placed): ${Object.keys(done.unknown_labels).join(", ")}`)
      : null,
  );
}
