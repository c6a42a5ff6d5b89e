// EQM's web app: sign in with an API key (kept in this tab's sessionStorage only), then chat,
// the dashboard, the what-if simulator, imports and your data; a parent picks a linked child
// and sees what that link shares.
import { Api, ApiError } from "./api.js";
import { Chat } from "./chat.js";
import { showDashboard } from "./dashboard.js";
import { $, el } from "./dom.js";
import { Imports } from "./imports.js";
import { MyData } from "./mydata.js";
import { WhatIf } from "./whatif.js";

const KEY = "eqm.key";
const CHILD = "eqm.child";

const chat = new Chat($("#chat"));
const whatIf = new WhatIf($("#whatif"));
const imports = new Imports($("#imports"), () => (stale = true));
const myData = new MyData($("#mydata"), signOut);
let me = null;
let api = null; // for the data shown: yours, or the chosen child's
let own = null; // always your own account: export and deletion
let stale = true; // the dashboard and what-if need loading for the current person
let view = "chat";

$("#sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("#sign-in-error");
  error.textContent = "";
  try {
    await start($("#key").value.trim());
  } catch (failure) {
    error.textContent =
      failure instanceof ApiError && failure.status === 401
        ? "That key is unknown or revoked: check it and try again."
        : `Could not sign in: ${failure.message}`;
  }
});
$("#sign-out").addEventListener("click", signOut);
$("#child").addEventListener("change", (event) => chooseChild(event.target.value));
for (const button of document.querySelectorAll("[data-view]")) {
  button.addEventListener("click", () => show(button.dataset.view));
}

async function start(key) {
  own = new Api(key);
  me = await own.me();
  sessionStorage.setItem(KEY, key);
  $("#key").value = "";
  $("#sign-in").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  const who = $("#who");
  who.hidden = false;
  who.textContent = `Signed in as ${me.name}${me.role === "parent" ? " (parent)" : ""}`;
  const parent = me.role === "parent";
  $("#parent").hidden = !parent;
  for (const item of document.querySelectorAll("[data-person-only]")) item.hidden = parent;
  if (parent) {
    const picker = $("#child");
    picker.replaceChildren(...me.children.map((c) => el("option", { value: c.name }, c.name)));
    if (!me.children.length) {
      $("#sharing").textContent = "No child is linked to your account yet: `eqm users link` makes a link.";
      $("#app nav").hidden = true;
      return;
    }
    const kept = sessionStorage.getItem(CHILD);
    await chooseChild(me.children.some((c) => c.name === kept) ? kept : me.children[0].name);
  } else {
    api = own;
    await opened();
  }
}

async function chooseChild(name) {
  const link = me.children.find((c) => c.name === name);
  sessionStorage.setItem(CHILD, name);
  $("#child").value = name;
  $("#sharing").textContent = sharingWords(link);
  for (const span of document.querySelectorAll("[data-whose]")) span.textContent = name;
  api = own.forChild(name);
  await Promise.all([showAlerts(link), opened()]);
}

/** What a parent's link to a child shares, said plainly. */
function sharingWords(link) {
  const journal = link.shares_memories
    ? `${link.name} shares their journal with you, so answers may quote what they wrote.`
    : `${link.name}'s journal stays private: you see statistics and charts, never what they wrote.`;
  const alerts = link.crisis_alerts
    ? `You can see when ${link.name} was given a crisis answer (the times only, never the words).`
    : "Crisis alerts are off for this link.";
  return `${journal} ${alerts} Everything you look at about ${link.name} is recorded in their audit log.`;
}

/** The times a child was given a crisis answer, where their link shares them. */
async function showAlerts(link) {
  const box = $("#alerts");
  box.replaceChildren();
  if (!link.crisis_alerts) return;
  const stillShown = () => $("#child").value === link.name; // the parent may have switched
  try {
    const alerts = (await own.crisisAlerts(link.name)).data;
    if (!stillShown()) return;
    box.append(
      alerts.length
        ? el(
            "div",
            { class: "alerts" },
            el("h3", {}, `${link.name} was given a crisis answer`),
            el("ul", {}, alerts.map((a) => el("li", {}, el("time", { datetime: a.at }, new Date(a.at).toLocaleString())))),
            el("p", {}, `EQM gave ${link.name} help lines to call. Talk with them, and call emergency services if they are in danger now.`),
          )
        : el("p", {}, `No crisis answers for ${link.name} since alerts were turned on.`),
    );
  } catch (error) {
    if (stillShown()) box.append(el("p", { class: "error" }, `Crisis alerts could not load: ${error.message}`));
  }
}

async function opened() {
  stale = true;
  imports.open(api);
  myData.open(own);
  await chat.open(api);
  await show(view);
}

async function show(name) {
  view = name;
  for (const button of document.querySelectorAll("[data-view]")) {
    if (button.dataset.view === name) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.id !== name;
  if (stale && (name === "dashboard" || name === "whatif")) {
    stale = false;
    await Promise.all([showDashboard($("#dashboard"), api), whatIf.open(api)]);
  }
}

function signOut() {
  sessionStorage.clear();
  location.reload();
}

const kept = sessionStorage.getItem(KEY);
if (kept) start(kept).catch(signOut);
performance.mark("eqm:ready");
