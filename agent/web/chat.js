// Chat: the answer streams in, its sources (each tool call: name, arguments, days, summary) and a
// thumbs up/down with an optional comment follow it; the conversation continues by its id
// and is resumed after a reload of the tab.
import { $, el } from "./dom.js";

const SAFETY_NOTE =
  "This is EQM's fixed safety message, not a model's words. If you are in danger now, " +
  "call your local emergency number.";

export class Chat {
  constructor(root) {
    this.root = root;
    this.list = $("#messages", root);
    this.status = $("#chat-status", root);
    this.form = $("#ask-form", root);
    this.input = $("#question", root);
    this.api = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.ask(this.input.value.trim());
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    $("#new-conversation", root).addEventListener("click", () => this.startOver());
  }

  /** Show `api`'s conversation (yours, or a parent's about one child), resumed if kept. */
  async open(api) {
    this.api = api;
    this.list.replaceChildren();
    this.status.textContent = "";
    const id = sessionStorage.getItem(this.storageKey());
    if (!id) return;
    try {
      const kept = await api.conversation(id);
      for (const message of kept.messages) {
        if (message.role === "user") this.list.append(userMessage(message.content));
        else this.list.append(el("li", { class: "assistant" }, el("div", {}, answerText(message.content))));
      }
      this.status.textContent = `Resumed your conversation (${kept.messages.length} messages).`;
    } catch {
      sessionStorage.removeItem(this.storageKey());
    }
  }

  storageKey() {
    return `eqm.conversation.${this.api.child || "self"}`;
  }

  startOver() {
    sessionStorage.removeItem(this.storageKey());
    this.list.replaceChildren();
    this.status.textContent = "A new conversation: ask away.";
    this.input.focus();
  }

  async ask(text) {
    if (!text || !this.api) return;
    const button = $("button[type=submit]", this.form);
    button.disabled = true;
    this.input.value = "";
    this.list.append(userMessage(text));
    const paragraph = el("p", { class: "answer-text" });
    const box = el("div", {}, paragraph);
    this.list.append(el("li", { class: "assistant" }, box));
    this.status.textContent = "EQM is answering…";
    const asked = performance.now();
    let completionId = null;
    let eqm = null;
    try {
      for await (const chunk of this.api.chat(text, sessionStorage.getItem(this.storageKey()))) {
        completionId = chunk.id;
        const delta = chunk.choices?.[0]?.delta ?? {};
        if (delta.content) {
          if (!paragraph.textContent) {
            performance.measure("eqm:first-token", { start: asked, end: performance.now() });
          }
          paragraph.textContent += delta.content;
          box.scrollIntoView({ block: "nearest" });
        }
        if (delta.eqm) eqm = delta.eqm;
      }
      performance.measure("eqm:answer", { start: asked, end: performance.now() });
      if (eqm?.conversation_id) sessionStorage.setItem(this.storageKey(), eqm.conversation_id);
      finishAnswer(box, eqm, completionId, this.api);
      this.status.textContent = "Answer ready.";
    } catch (error) {
      paragraph.textContent = `No answer: ${error.message}`;
      paragraph.classList.add("error");
      this.status.textContent = "";
    } finally {
      button.disabled = false;
    }
  }
}

function userMessage(text) {
  return el("li", { class: "user" }, el("p", {}, text));
}

function answerText(text) {
  return el("p", { class: "answer-text" }, text);
}

function finishAnswer(box, eqm, completionId, api) {
  if (!eqm) return;
  if (eqm.safety) {
    box.classList.add("safety");
    box.prepend(el("p", { class: "safety-note" }, el("strong", {}, SAFETY_NOTE)));
  }
  const calls = eqm.tool_calls || [];
  if (calls.length) {
    box.append(
      el(
        "details",
        { class: "sources", open: true },
        el("summary", {}, `Sources: ${calls.length} ${calls.length === 1 ? "tool call" : "tool calls"}`),
        el(
          "ol",
          {},
          calls.map((call) =>
            el(
              "li",
              {},
              el("code", {}, `${call.name}(${JSON.stringify(call.arguments ?? {})})`),
              el("br"),
              el("span", { class: "muted" }, sourceDays(call)),
              " ",
              call.summary || "",
            ),
          ),
        ),
      ),
    );
  }
  if (eqm.fallback) {
    box.append(el("p", { class: "muted" }, "Assembled from the tool results above."));
  }
  if (completionId) box.append(rating(completionId, api));
}

/** The days of data a call read, as `message.eqm` gives them. */
function sourceDays(call) {
  if (call.ok === false) return "This call did not work:";
  const [first, last] = [call.first_day, call.last_day];
  if (first && last) return first === last ? `Data of ${first}:` : `Data from ${first} to ${last}:`;
  if (first) return `Data from ${first} on:`;
  if (last) return `Data up to ${last}:`;
  return ""; // a call that reads no days
}

/** Thumbs up or down, sent at once; a comment can follow and is sent with the same rating. */
function rating(completionId, api) {
  const said = el("span", { class: "muted", role: "status" });
  const comment = el("input", { type: "text", id: `comment-${completionId}`, maxlength: "2000", placeholder: "Add a comment (optional)" });
  const form = el(
    "form",
    { hidden: true },
    el("label", { for: comment.id }, "Comment on this answer"),
    comment,
    el("button", { type: "submit", class: "quiet" }, "Send"),
  );
  let chosen = null;
  const choose = async (value, button) => {
    chosen = value;
    for (const other of [up, down]) other.setAttribute("aria-pressed", String(other === button));
    try {
      await api.feedback(completionId, value);
      said.textContent = "Thanks for rating this answer.";
      form.hidden = false;
    } catch (error) {
      said.textContent = `Not saved: ${error.message}`;
    }
  };
  const up = el("button", { type: "button", "aria-pressed": "false", "aria-label": "Helpful", title: "Helpful" }, "👍");
  const down = el("button", { type: "button", "aria-pressed": "false", "aria-label": "Not helpful", title: "Not helpful" }, "👎");
  up.addEventListener("click", () => choose("up", up));
  down.addEventListener("click", () => choose("down", down));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.feedback(completionId, chosen, comment.value.trim());
      said.textContent = "Thanks: your comment is saved.";
      form.hidden = true;
    } catch (error) {
      said.textContent = `Not saved: ${error.message}`;
    }
  });
  return el("div", { class: "rating" }, up, down, said, form);
}
