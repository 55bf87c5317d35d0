// The litigators' page: builds the form from /ui/form.json, reads pasted facts through /v1/extract, asks
// /v1/<kind>/estimate.html for the answer drawn by the server (serving/render.py: the same parts as the exported
// report) and shows it as it comes, exports /v1/<kind>/report. It draws nothing itself. No framework, no build,
// no external loads. Texts the page writes are set with textContent; the answer's HTML was escaped by the
// server's templates, and the page's CSP runs no inline script or handler.
"use strict";

const state = { spec: null, kind: "criminal" };

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

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = document.getElementById("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
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
  for (const b of document.querySelectorAll(".field.invalid")) b.classList.remove("invalid");
  for (const i of document.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

function showErrors(detail) {
  const root = activeForm();
  const general = [];
  for (const item of detail) {
    const field = String(item.field || "");
    const base = field.split(".")[0];
    const box = base ? root.querySelector(`.field[data-field="${CSS.escape(base)}"]`) : null;
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
  const first = root.querySelector(".field.invalid input, .field.invalid select");
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
async function estimate(event) {
  if (event) event.preventDefault();
  clearErrors();
  showStatus("");
  const kind = state.kind, payload = readCase();
  const button = document.getElementById("estimate");
  button.disabled = true;
  document.getElementById("result").setAttribute("aria-busy", "true");
  try {
    const response = await post(`/v1/${kind}/estimate.html`, payload);
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
  const button = document.getElementById("export");
  button.disabled = true;
  try {
    const response = await post(`/v1/${state.kind}/report`, readCase());
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

function switchKind(kind) {
  state.kind = kind;
  for (const tab of document.querySelectorAll(".tabs [data-kind]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.kind === kind));
  }
  for (const k of ["criminal", "civil"]) document.getElementById(`form-${k}`).hidden = k !== kind;
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
    clearErrors();
    showStatus("");
  });
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
