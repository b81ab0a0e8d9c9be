// Conductor analyst console. Plain JavaScript, no build step.
//
// Every piece of text that comes from the server is untrusted (alert titles,
// e-mail subjects, reasons, tool output): it is only ever inserted as text
// nodes through el() below, never as HTML, so markup in it is shown, not run
// (threat T2). The page's Content-Security-Policy forbids inline script and
// outside images besides.
"use strict";

const TOKEN_KEY = "conductor.token";
const API = "/api/v1";
let streamAbort = null;

// el builds an element. Attributes are set as properties from a fixed list;
// children are elements or strings, and strings become text nodes.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick" || k === "onsubmit") {
      node.addEventListener(k.slice(2), v);
    } else if (k === "href") {
      node.setAttribute("href", safeHref(v));
    } else if (["className", "type", "name", "value", "placeholder", "title",
      "autocomplete", "required", "disabled", "id"].includes(k)) {
      node[k] = v;
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.appendChild(typeof c === "string" || typeof c === "number"
      ? document.createTextNode(String(c)) : c);
  }
  return node;
}

// safeHref allows only links inside the console.
function safeHref(v) {
  return typeof v === "string" && v.startsWith("#/") ? v : "#/";
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path, opts) {
  const o = Object.assign({ headers: {} }, opts || {});
  o.headers = Object.assign({ "Authorization": "Bearer " + token() }, o.headers);
  if (o.json !== undefined) {
    o.body = JSON.stringify(o.json);
    o.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(API + path, o);
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    location.hash = "#/login";
    throw new Error("signed out: the API key was refused");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = body.error || {};
    throw new Error((e.code || res.status) + ": " + (e.message || res.statusText));
  }
  return body;
}

function show(...nodes) {
  const main = document.getElementById("app");
  main.replaceChildren(...nodes);
}

function failure(err) {
  show(el("p", { className: "error" }, String(err.message || err)));
}

// Pages.

function loginPage() {
  const input = el("input", { type: "password", name: "token", autocomplete: "off",
    placeholder: "API key", required: true });
  const msg = el("p", { className: "note" },
    "Paste your API key. It is kept in this tab's session storage only.");
  const submit = async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api("/cases?limit=1");
      location.hash = "#/cases";
    } catch (e) {
      msg.replaceChildren(el("span", { className: "error" }, String(e.message)));
    }
  };
  show(el("h1", {}, "Sign in"),
    el("form", { onsubmit: submit }, input, " ", el("button", { type: "submit" }, "Sign in")),
    msg);
}

async function casesPage() {
  const data = await api("/cases?limit=200");
  const rows = data.cases.map((c) => el("tr", {},
    el("td", {}, el("a", { href: "#/cases/" + encodeURIComponent(c.id) }, c.id)),
    el("td", {}, c.state), el("td", {}, c.verdict), el("td", {}, c.severity),
    el("td", {}, c.score), el("td", {}, c.finding_count), el("td", {}, c.title)));
  show(el("h1", {}, "Cases"),
    el("table", {}, el("tr", {}, ["ID", "State", "Verdict", "Severity", "Score",
      "Findings", "Title"].map((h) => el("th", {}, h))), rows));
}

async function casePage(id) {
  const doc = await api("/cases/" + encodeURIComponent(id));
  const c = doc.case;
  const timeline = el("tbody", { id: "timeline" });
  for (const e of doc.timeline || []) timeline.appendChild(timelineRow(e));
  show(
    el("h1", { id: "case-title" }, c.id + " · " + c.title),
    el("p", { className: "facts" },
      el("span", {}, "state " + c.state), el("span", {}, "verdict " + c.verdict),
      el("span", {}, "severity " + c.severity + " (score " + c.score + ")"),
      el("span", {}, "confidence " + c.confidence),
      c.analyst_verdict ? el("span", {}, "analyst verdict " + c.analyst_verdict) : null,
      (c.flags || []).length ? el("span", {}, "flags " + c.flags.join(", ")) : null),
    c.summary ? el("p", {}, c.summary) : null,
    factorsSection(c.score_factors),
    actionsSection(doc.steps || []),
    approvalsSection((doc.approvals || []).filter((a) => a.status === "pending")),
    tasksSection(doc.tasks || []),
    c.state === "closed" ? null : closeSection(c.id),
    el("section", {}, el("h2", {}, "Timeline"),
      el("table", {}, el("thead", {}, el("tr", {}, ["#", "Time", "Actor", "Kind", "Status",
        "Summary"].map((h) => el("th", {}, h)))), timeline)));
  const last = (doc.timeline || []).reduce((m, e) => Math.max(m, e.seq), 0);
  follow(id, last, timeline);
}

function timelineRow(e) {
  return el("tr", {}, el("td", {}, e.seq), el("td", { className: "mono" }, e.time),
    el("td", {}, e.actor), el("td", {}, e.kind), el("td", {}, e.status || ""),
    el("td", {}, e.summary));
}

function factorsSection(factors) {
  if (!factors || !factors.length) return null;
  return el("section", {}, el("h2", {}, "Score factors"),
    el("table", {}, factors.map((f) => el("tr", {},
      el("td", {}, (f.points > 0 ? "+" : "") + f.points), el("td", {}, f.name),
      el("td", {}, f.detail)))));
}

function actionsSection(steps) {
  const rows = steps.map((s) => el("tr", {},
    el("td", {}, s.tool), el("td", { className: "mono" }, JSON.stringify(s.args)),
    el("td", {}, s.actor),
    el("td", { className: "status-" + s.status }, s.status),
    el("td", {}, s.decision || ""),
    el("td", {}, (s.reasons || []).join("; "))));
  return el("section", {}, el("h2", {}, "Actions and decisions"),
    steps.length ? el("table", {}, el("tr", {}, ["Tool", "Arguments", "Actor", "Status",
      "Decision", "Reasons"].map((h) => el("th", {}, h))), rows)
      : el("p", { className: "note" }, "No actions."));
}

function approvalsSection(pending) {
  if (!pending.length) return null;
  return el("section", {}, el("h2", {}, "Waiting for approval"), approvalsTable(pending));
}

function approvalsTable(list) {
  return el("table", {},
    el("tr", {}, ["ID", "Case", "Tool", "Arguments", "Needs", "Why", "Expires", ""]
      .map((h) => el("th", {}, h))),
    list.map((a) => el("tr", {},
      el("td", {}, a.id),
      el("td", {}, el("a", { href: "#/cases/" + encodeURIComponent(a.case_id) }, a.case_id)),
      el("td", {}, a.tool), el("td", { className: "mono" }, JSON.stringify(a.args)),
      el("td", {}, a.approver_role), el("td", {}, (a.reasons || []).join("; ")),
      el("td", { className: "mono" }, a.expires_at),
      el("td", {}, a.status === "pending" ? decideForm(a) : a.status))));
}

function decideForm(a) {
  const note = el("input", { type: "text", name: "note", placeholder: "note" });
  const msg = el("span", {});
  const decide = (verb) => async (ev) => {
    ev.preventDefault();
    try {
      const out = await api("/approvals/" + encodeURIComponent(a.id) + "/" + verb,
        { method: "POST", json: { note: note.value } });
      msg.replaceChildren(out.approval.id + " " + out.approval.status + "; action " +
        out.action.status);
    } catch (e) {
      msg.replaceChildren(el("span", { className: "error" }, String(e.message)));
    }
  };
  return el("form", { className: "inline" }, note,
    el("button", { type: "button", onclick: decide("approve") }, "Approve"),
    el("button", { type: "button", onclick: decide("reject") }, "Reject"), msg);
}

function tasksSection(tasks) {
  const open = tasks.filter((t) => t.Status === "open" || t.status === "open");
  if (!open.length) return null;
  return el("section", {}, el("h2", {}, "Tasks"),
    el("ul", {}, open.map((t) => el("li", {}, t.Title || t.title || ""))));
}

function closeSection(id) {
  const verdict = el("select", { name: "verdict" },
    ["malicious", "suspicious", "benign", "inconclusive"].map((v) =>
      el("option", { value: v }, v)));
  const note = el("input", { type: "text", name: "note", placeholder: "reasoning" });
  const msg = el("span", {});
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      await api("/cases/" + encodeURIComponent(id) + "/close",
        { method: "POST", json: { verdict: verdict.value, note: note.value } });
      route();
    } catch (e) {
      msg.replaceChildren(el("span", { className: "error" }, String(e.message)));
    }
  };
  return el("section", {}, el("h2", {}, "Close the case"),
    el("form", { onsubmit: submit }, verdict, " ", note, " ",
      el("button", { type: "submit" }, "Close"), " ", msg));
}

// follow appends new timeline steps from the case's event stream. EventSource
// cannot send an Authorization header, so the stream is read with fetch.
async function follow(id, after, tbody) {
  if (streamAbort) streamAbort.abort();
  streamAbort = new AbortController();
  try {
    const res = await fetch(API + "/cases/" + encodeURIComponent(id) + "/events?after=" +
      after, { headers: { "Authorization": "Bearer " + token() },
      signal: streamAbort.signal });
    if (!res.ok || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6)).join("\n");
        if (data) tbody.appendChild(timelineRow(JSON.parse(data)));
      }
    }
  } catch (e) {
    // The stream ends when the page changes or the server goes away.
  }
}

async function approvalsPage() {
  const data = await api("/approvals?status=pending");
  show(el("h1", {}, "Approvals"),
    data.approvals.length ? approvalsTable(data.approvals)
      : el("p", { className: "note" }, "Nothing waits for approval."));
}

async function route() {
  if (streamAbort) { streamAbort.abort(); streamAbort = null; }
  const hash = location.hash || "#/cases";
  if (hash === "#/logout") {
    sessionStorage.removeItem(TOKEN_KEY);
    location.hash = "#/login";
    return;
  }
  if (!token() || hash === "#/login") return loginPage();
  try {
    const m = hash.match(/^#\/cases\/([^/]+)$/);
    if (m) return await casePage(decodeURIComponent(m[1]));
    if (hash === "#/approvals") return await approvalsPage();
    return await casesPage();
  } catch (e) {
    failure(e);
  }
}

window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", route);
