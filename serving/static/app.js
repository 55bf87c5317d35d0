// The litigators' page: builds the form from /ui/form.json, reads pasted facts through /v1/extract and whole
// judgments through /v1/criminal/judgment, asks /v1/<kind>/estimate.html for the answer drawn by the server
// (serving/render.py: the same parts as the exported report), /v1/<kind>/check.html when a sentence or award is
// given to check and /v1/criminal/codefendants.html for several defendants, and shows it as it comes; exports
// /v1/<kind>/report (or /v1/<kind>/check/report). It draws nothing itself. No framework, no build,
// no external loads. Texts the page writes are set with textContent; the answer's HTML was escaped by the
// server's templates, and the page's CSP runs no inline script or handler.
"use strict";

const state = { spec: null, kind: "criminal", judgment: null };

// ------------------------------------------------------------------------------------------ small helpers
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function authHeaders() {
  const h = {};
  const key = document.getElementById("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

function headers() {
  return { "Content-Type": "application/json", ...authHeaders() };
}

function showStatus(text, kind) {
  const box = document.getElementById("status");
  box.textContent = text || "";
  box.className = "status " + (kind || "");
  box.hidden = !text;
}

// ------------------------------------------------------------------------------------------ the form
function fieldInput(kind, f) {
  const id = `${kind}-${f.name}`;
  if (f.kind === "bool") {
    return el("select", { id, name: f.name },
      el("option", { value: "", text: "— unknown (不详)" }),
      el("option", { value: "true", text: "Yes (是)" }),
      el("option", { value: "false", text: "No (否)" }));
  }
  if (f.kind === "choice") {
    return el("select", { id, name: f.name },
      el("option", { value: "", text: "— not stated (未填)" }),
      f.choices.map((c) => el("option", { value: c.value, text: c.label })));
  }
  if (f.kind === "multi") {
    return el("div", { class: "checks", id, role: "group" },
      f.choices.map((c) => el("label", { class: "check", title: c.title || null },
        el("input", { type: "checkbox", name: f.name, value: c.value }),
        el("span", { text: c.label }),
        c.hint ? el("small", { text: c.hint }) : null)));
  }
  if (f.kind === "by_type") {
    const rows = el("div", { class: "by-type-rows", id, "data-choices": JSON.stringify(f.choices) });
    const add = el("button", { type: "button", class: "small", text: "+ Add a type (添加类型)" });
    add.addEventListener("click", () => addByTypeRow(rows));
    return el("div", { class: "by-type" }, rows, add);
  }
  const numeric = f.kind === "int" || f.kind === "money";
  return el("input", {
    id, name: f.name, type: "text", autocomplete: "off",
    inputmode: numeric ? (f.kind === "int" ? "numeric" : "decimal") : null,
    placeholder: f.placeholder || null,
  });
}

function addByTypeRow(rows, type, count) {
  const choices = JSON.parse(rows.dataset.choices);
  const select = el("select", { class: "bt-type", "aria-label": "Data type (信息类型)" },
    el("option", { value: "", text: "— type (类型)" }),
    choices.map((c) => el("option", { value: c.value, text: c.label })));
  const input = el("input", { class: "bt-count", type: "text", inputmode: "numeric", "aria-label": "Records (条数)",
    placeholder: "条数" });
  const remove = el("button", { type: "button", class: "small", "aria-label": "Remove (删除)", text: "×" });
  const row = el("div", { class: "bt-row" }, select, input, remove);
  remove.addEventListener("click", () => row.remove());
  if (type) select.value = type;
  if (count !== undefined && count !== null) input.value = String(count);
  rows.append(row);
  return row;
}

function buildForm(kind) {
  const root = document.getElementById(`form-${kind}`);
  root.replaceChildren();
  for (const group of state.spec.kinds[kind].groups) {
    const fieldset = el("fieldset", {}, el("legend", { text: group.title }));
    for (const f of group.fields) {
      const wide = f.kind === "multi" || f.kind === "by_type";
      const labelFor = f.kind === "multi" || f.kind === "by_type" ? null : `${kind}-${f.name}`;
      const box = el("div", { class: "field" + (wide ? " wide" : "") + ` k-${f.kind}`, "data-field": f.name,
        "data-kind": f.kind },
        el(labelFor ? "label" : "span", { class: "label", for: labelFor, text: f.label }),
        fieldInput(kind, f),
        f.help ? el("small", { class: "help", text: f.help }) : null,
        el("div", { class: "error", "data-error-for": f.name, role: "alert", hidden: true }));
      fieldset.append(box);
    }
    root.append(fieldset);
  }
}

function activeForm() {
  return document.getElementById(`form-${state.kind}`);
}

// "30,000", "3万", "1.8万" -> numbers; anything else is sent as typed, for the service to refuse by name
function parseNumber(text) {
  const t = text.replace(/[,\s_，]/g, "");
  const m = /^(-?\d+(?:\.\d+)?)(万|亿)?$/.exec(t);
  if (!m) return t;
  const n = Number(m[1]) * (m[2] === "万" ? 1e4 : m[2] === "亿" ? 1e8 : 1);
  return Math.round(n * 100) / 100;
}

function readCase() {
  const root = activeForm();
  const out = {};
  for (const box of root.querySelectorAll(".field")) {
    const name = box.dataset.field, kind = box.dataset.kind;
    if (kind === "multi") {
      const values = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      if (values.length) out[name] = values;
    } else if (kind === "by_type") {
      const split = {};
      for (const row of box.querySelectorAll(".bt-row")) {
        const type = row.querySelector(".bt-type").value, count = row.querySelector(".bt-count").value.trim();
        if (type && count) split[type] = parseNumber(count);
      }
      if (Object.keys(split).length) out[name] = split;
    } else {
      const value = box.querySelector("input, select").value.trim();
      if (!value) continue;
      if (kind === "bool") out[name] = value === "true";
      else if (kind === "int" || kind === "money") out[name] = parseNumber(value);
      else out[name] = value;
    }
  }
  return out;
}

function fill(found) {
  const filled = [];
  const root = activeForm();
  for (const [name, value] of Object.entries(found)) {
    if (value === null || value === undefined || (Array.isArray(value) && !value.length)) continue;
    const box = root.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
    if (!box) continue;
    const kind = box.dataset.kind;
    if (kind === "multi") {
      for (const input of box.querySelectorAll("input")) input.checked = value.includes(input.value);
    } else if (kind === "by_type") {
      const rows = box.querySelector(".by-type-rows");
      rows.replaceChildren();
      for (const [type, count] of Object.entries(value)) addByTypeRow(rows, type, count);
    } else {
      box.querySelector("input, select").value = kind === "bool" ? String(value) : String(value);
    }
    box.classList.add("prefilled");
    filled.push(name);
  }
  return filled;
}

// ------------------------------------------------------------------------------------------ errors
function clearErrors() {
  for (const e of document.querySelectorAll(".error")) { e.textContent = ""; e.hidden = true; }
  for (const b of document.querySelectorAll(".field.invalid, .defendant-row.invalid")) b.classList.remove("invalid");
  for (const i of document.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

// the box where a refused field is shown: a case field (sent bare, or as case.x / shared.x), a field of the sentence
// or award to check (sentence.x / award.x), or a co-defendant's row (defendants.i.x)
function errorBox(root, field) {
  const parts = field.split(".");
  if (parts[0] === "defendants" && parts.length >= 2) {
    return document.querySelectorAll("#defendant-rows .defendant-row")[Number(parts[1])] || null;
  }
  if ((parts[0] === "sentence" || parts[0] === "award") && parts[1]) {
    return document.querySelector(`#check-${state.kind} .field[data-sentence="${CSS.escape(parts[1])}"]`);
  }
  const base = parts[0] === "case" || parts[0] === "shared" ? parts[1] : parts[0];
  return base ? root.querySelector(`.field[data-field="${CSS.escape(base)}"]`) : null;
}

function showErrors(detail) {
  const root = activeForm();
  const general = [];
  for (const item of detail) {
    const field = String(item.field || "");
    const box = errorBox(root, field);
    if (!box) { general.push(field ? `${field}: ${item.reason}` : item.reason); continue; }
    const err = box.querySelector(".error");
    err.textContent = err.textContent ? `${err.textContent}; ${item.reason}` : item.reason;
    err.hidden = false;
    box.classList.add("invalid");
    const input = box.querySelector("input, select");
    if (input) input.setAttribute("aria-invalid", "true");
  }
  const formError = document.getElementById("form-error");
  if (general.length) { formError.textContent = general.join("\n"); formError.hidden = false; }
  const first = document.querySelector("form .field.invalid input, form .field.invalid select, .defendant-row.invalid input");
  if (first) { first.focus(); first.scrollIntoView({ block: "center" }); } else if (general.length) formError.focus();
}

// A failed call: field errors go next to their fields; the rest into the status line. Returns false.
async function handleFailure(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (response.status === 422 && body && Array.isArray(body.detail)) {
    showErrors(body.detail);
    showStatus("Some fields were refused: see the messages next to them (请检查标红的字段).", "bad");
  } else if (response.status === 401) {
    const err = document.getElementById("api-key-error");
    err.textContent = "This service needs an API key (需要密钥).";
    err.hidden = false;
    document.querySelector("details.apikey").open = true;
    document.getElementById("api-key").focus();
    showStatus("An API key is required (需要密钥).", "bad");
  } else if (response.status === 503) {
    showStatus(`No model is loaded yet: ${(body && body.detail) || "run `exposure train`"}`, "bad");
  } else if (response.status === 413) {
    showStatus("The text is too long for this service (内容过长).", "bad");
  } else {
    showStatus(`The service answered ${response.status} (服务错误).`, "bad");
  }
  return false;
}

async function post(path, payload) {
  return fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(payload) });
}

// ------------------------------------------------------------------------------------------ the answer
function showAnswer(kind, html) {
  const result = document.getElementById("result");
  const template = document.createElement("template");
  template.innerHTML = html; // parsed inert: a template's content runs nothing and loads nothing
  result.replaceChildren(template.content);
  result.dataset.state = "ready";
  result.dataset.kind = kind;
}

// ------------------------------------------------------------------------------------------ actions
// ------------------------------------------------------------------------------------------ counsel's inputs
// the sentence (criminal) or award (civil) to check: null when nothing was typed; a value that is not a number is
// sent as typed, for the service to refuse by name
function readCheck() {
  const box = document.getElementById(`check-${state.kind}`);
  const out = {};
  for (const field of box.querySelectorAll(".field[data-sentence]")) {
    const value = field.querySelector("input").value.trim();
    if (value) out[field.dataset.sentence] = parseNumber(value);
  }
  return Object.keys(out).length ? out : null;
}

const DEFENDANT_BOOLS = [
  ["guilty_plea", "认罪认罚 plea"], ["restitution", "退赃退赔 restitution"], ["surrender", "自首 surrender"],
  ["truthful_confession", "坦白 confession"],
];

function addDefendantRow(values) {
  const rows = document.getElementById("defendant-rows");
  const v = values || {};
  const n = rows.children.length + 1;
  const input = (name, label, value, mode) => el("label", {},
    el("span", { text: label }),
    el("input", { type: "text", "data-name": name, value: value ?? null, inputmode: mode || null, autocomplete: "off" }));
  const choice = (name, label, options, value) => {
    const select = el("select", { "data-name": name },
      options.map(([v2, text]) => el("option", { value: v2, text })));
    if (value !== undefined && value !== null) select.value = String(value);
    return el("label", {}, el("span", { text: label }), select);
  };
  const unknown = [["", "— unknown 不详"], ["true", "Yes 是"], ["false", "No 否"]];
  const remove = el("button", { type: "button", class: "small remove-defendant", text: "× Remove (删除)" });
  const row = el("div", { class: "defendant-row", "data-index": String(n - 1) },
    input("defendant", "Name (姓名)", v.defendant ?? `被告人${n}`),
    choice("role", "Role (地位)", [["", "— not stated 不详"], ["principal", "principal 主犯"],
      ["accessory", "accessory 从犯"]], v.role),
    input("records_total", "Own records (本人条数)", v.records_total, "numeric"),
    input("illegal_profit_yuan", "Own gains (本人违法所得), 元", v.illegal_profit_yuan, "decimal"),
    DEFENDANT_BOOLS.map(([name, label]) => choice(name, label, unknown, v[name])),
    el("div", {}, remove),
    el("div", { class: "error", role: "alert", hidden: true }));
  remove.addEventListener("click", () => { row.remove(); renumberDefendants(); });
  rows.append(row);
  return row;
}

function renumberDefendants() {
  [...document.querySelectorAll("#defendant-rows .defendant-row")].forEach((r, i) => { r.dataset.index = String(i); });
}

function readDefendants() {
  return [...document.querySelectorAll("#defendant-rows .defendant-row")].map((row) => {
    const out = {};
    for (const input of row.querySelectorAll("[data-name]")) {
      const name = input.dataset.name, value = input.value.trim();
      if (!value) continue;
      if (name === "records_total" || name === "illegal_profit_yuan") out[name] = parseNumber(value);
      else if (input.tagName === "SELECT" && (value === "true" || value === "false")) out[name] = value === "true";
      else out[name] = value;
    }
    return out;
  });
}

// what Estimate and Export send: co-defendants (criminal, any row added), a check (a sentence or award typed), or
// the case alone
function request() {
  const kind = state.kind, payload = readCase();
  const defendants = kind === "criminal" ? readDefendants() : [];
  if (defendants.length) return { mode: "codefendants", kind, body: { shared: payload, defendants } };
  const check = readCheck();
  if (check) return { mode: "check", kind, body: { case: payload, [kind === "criminal" ? "sentence" : "award"]: check } };
  return { mode: "estimate", kind, body: payload };
}

async function estimate(event) {
  if (event) event.preventDefault();
  clearErrors();
  showStatus("");
  const { mode, kind, body } = request();
  const path = mode === "codefendants" ? "/v1/criminal/codefendants.html"
    : mode === "check" ? `/v1/${kind}/check.html` : `/v1/${kind}/estimate.html`;
  const button = document.getElementById("estimate");
  button.disabled = true;
  document.getElementById("result").setAttribute("aria-busy", "true");
  try {
    const response = await post(path, body);
    if (!response.ok) return handleFailure(response);
    showAnswer(kind, await response.text());
    return true;
  } catch (err) {
    showStatus(`The service could not be reached (无法连接服务): ${err.message}`, "bad");
    return false;
  } finally {
    button.disabled = false;
    document.getElementById("result").removeAttribute("aria-busy");
  }
}

async function exportReport() {
  clearErrors();
  showStatus("");
  const { mode, kind, body } = request();
  if (mode === "codefendants") {
    showStatus("A report covers one defendant: remove the co-defendants to export it (报告按单个被告人导出).", "bad");
    return false;
  }
  const button = document.getElementById("export");
  button.disabled = true;
  try {
    const response = await post(mode === "check" ? `/v1/${kind}/check/report` : `/v1/${kind}/report`, body);
    if (!response.ok) return handleFailure(response);
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="?([^";]+)"?/.exec(disposition);
    const name = match ? match[1] : "exposure-report.html";
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    showStatus(`Report saved as ${name} (报告已导出).`, "ok");
    return true;
  } catch (err) {
    showStatus(`The service could not be reached (无法连接服务): ${err.message}`, "bad");
    return false;
  } finally {
    button.disabled = false;
  }
}

async function extract() {
  const facts = document.getElementById("facts").value.trim();
  const note = document.getElementById("extract-note");
  const list = document.getElementById("extract-warnings");
  list.replaceChildren();
  if (!facts) { note.textContent = "Paste a fact description first (请先粘贴案情)."; return; }
  clearErrors();
  note.textContent = "Reading… (读取中)";
  try {
    const response = await post("/v1/extract", { facts });
    if (!response.ok) { note.textContent = ""; return handleFailure(response); }
    const body = await response.json();
    for (const b of document.querySelectorAll(".field.prefilled")) b.classList.remove("prefilled");
    const filled = fill(body.case || {});
    note.textContent = filled.length
      ? `Filled ${filled.length} fields from the facts (已填入 ${filled.length} 项): check the highlighted ones.`
      : "Nothing could be read from these facts (未识别到事实).";
    note.dataset.filled = filled.join(",");
    list.replaceChildren(...(body.warnings || []).map((w) => el("li", { text: w })));
  } catch (err) {
    note.textContent = `The service could not be reached (无法连接服务): ${err.message}`;
  }
}

// ------------------------------------------------------------------------------------------ a whole judgment
// upload (multipart) or paste a judgment: each defendant read from it becomes a button; picking one fills the form
// with their facts and the sentence fields with the sentence the judgment states, and asks where it falls
async function readJudgment() {
  const note = document.getElementById("judgment-note");
  const choices = document.getElementById("judgment-defendants");
  const file = document.getElementById("judgment-file").files[0];
  const text = document.getElementById("judgment-text").value.trim();
  choices.replaceChildren();
  if (!file && !text) { note.textContent = "Choose a file or paste the judgment first (请先选择文件或粘贴判决书)."; return false; }
  note.textContent = "Reading… (读取中)";
  let response;
  try {
    if (file) {
      const form = new FormData();
      form.append("file", file, file.name);
      response = await fetch("/v1/criminal/judgment", { method: "POST", headers: authHeaders(), body: form });
    } else {
      response = await post("/v1/criminal/judgment", { text });
    }
  } catch (err) {
    note.textContent = `The service could not be reached (无法连接服务): ${err.message}`;
    return false;
  }
  if (!response.ok) { note.textContent = ""; return handleFailure(response); }
  const body = await response.json();
  state.judgment = body;
  const rows = body.defendants || [];
  note.textContent = rows.length
    ? `${rows.length} defendant(s) read${body.case_number ? ` from ${body.case_number}` : ""} (已读取): pick one.`
    : "No defendant could be read from this judgment (未识别到被告人).";
  note.dataset.defendants = String(rows.length);
  rows.forEach((row, i) => {
    const button = el("button", { type: "button", class: "small", "data-index": String(i),
      text: `${row.defendant}${row.unit ? " (unit 单位)" : ""}${row.stated_sentence ? "" : " — no sentence read"}` });
    button.addEventListener("click", () => pickDefendant(i));
    choices.append(button);
  });
  if (rows.length) return pickDefendant(0);
  return false;
}

async function pickDefendant(i) {
  const row = state.judgment.defendants[i];
  const note = document.getElementById("judgment-note");
  switchKind("criminal");
  buildForm("criminal");
  document.getElementById("defendant-rows").replaceChildren();
  for (const input of document.querySelectorAll("#check-criminal input")) input.value = "";
  if (!row.ok) {
    note.textContent = `${row.defendant}: ${(row.errors || []).map((e) => e.reason).join("; ")}`;
    return false;
  }
  const filled = fill(row.case || {});
  const sentence = row.stated_sentence;
  if (sentence) {
    for (const [name, value] of Object.entries(sentence)) {
      const input = document.getElementById(`sentence-${name}`);
      if (input && value !== null && value !== undefined) input.value = String(value);
    }
  }
  note.dataset.picked = String(i);
  note.dataset.filled = filled.join(",");
  note.textContent = `${row.defendant}: ${filled.length} fields filled (已填入)` +
    (sentence ? "; the stated sentence is checked (判决刑期已填入评估)." : "; no sentence was read.");
  return estimate();
}

function switchKind(kind) {
  state.kind = kind;
  for (const tab of document.querySelectorAll(".tabs [data-kind]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.kind === kind));
  }
  for (const k of ["criminal", "civil"]) {
    document.getElementById(`form-${k}`).hidden = k !== kind;
    document.getElementById(`check-${k}`).hidden = k !== kind;
  }
  document.getElementById("codefendants-box").hidden = kind !== "criminal";
  clearErrors();
}

async function init() {
  const key = sessionStorage.getItem("exposure-api-key");
  const keyInput = document.getElementById("api-key");
  if (key) keyInput.value = key;
  document.getElementById("key-form").addEventListener("submit", (e) => e.preventDefault());
  keyInput.addEventListener("change", () => {
    sessionStorage.setItem("exposure-api-key", keyInput.value.trim());
    document.getElementById("api-key-error").hidden = true;
  });
  const response = await fetch("/ui/form.json");
  state.spec = await response.json();
  buildForm("criminal");
  buildForm("civil");
  document.getElementById("case-form").addEventListener("submit", estimate);
  document.getElementById("export").addEventListener("click", exportReport);
  document.getElementById("extract").addEventListener("click", extract);
  document.getElementById("reset").addEventListener("click", () => {
    buildForm(state.kind);
    for (const input of document.querySelectorAll(".check-box input")) input.value = "";
    document.getElementById("defendant-rows").replaceChildren();
    clearErrors();
    showStatus("");
  });
  document.getElementById("add-defendant").addEventListener("click", () => addDefendantRow());
  document.getElementById("read-judgment").addEventListener("click", readJudgment);
  for (const tab of document.querySelectorAll(".tabs [data-kind]")) {
    tab.addEventListener("click", () => switchKind(tab.dataset.kind));
  }
  document.body.dataset.ready = "true";
  try {
    const ready = await fetch("/readyz");
    if (ready.status === 503) {
      const body = await ready.json();
      showStatus(`No model is loaded yet (尚未加载模型): run \`${body.command || "exposure train"}\`.`, "bad");
    }
  } catch (_) { /* the estimate will say */ }
}

document.addEventListener("DOMContentLoaded", init);
