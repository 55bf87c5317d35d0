// The litigators' page: builds the form from /ui/form.json, reads pasted facts through /v1/extract, asks
// /v1/<kind>/estimate and draws the answer (inline SVG), exports /v1/<kind>/report. No framework, no build, no
// external loads. Every text from the answer is set with textContent (never innerHTML).
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 640, LEFT = 24, RIGHT = 616; // the geometry of serving/report.py, so page and report draw alike
const AXIS_MONTHS = 84;
const nf = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
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

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  for (const child of children.flat(Infinity)) if (child) node.append(child);
  return node;
}

const months = (m) => nf1.format(m);
const yuan = (y) => (y === null || y === undefined ? "—" : nf.format(y) + " 元");
const pct = (p) => Math.round(100 * p) + "%";
const isHttp = (url) => typeof url === "string" && /^https?:\/\//i.test(url);

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

// ------------------------------------------------------------------------------------------ drawing
function x(value, lo, hi) {
  const v = Math.min(Math.max(value, lo), hi);
  const frac = hi <= lo ? 0 : (v - lo) / (hi - lo);
  return Math.round((LEFT + frac * (RIGHT - LEFT)) * 100) / 100;
}

// legal range (light), interval [low, high] (dark), point (marker); values and axis in the same unit
function rangeChart(id, { low, high, point, legal, axis, ticks, label, data }) {
  const [lo, hi] = axis;
  const chart = svg("svg", { id, class: "range", viewBox: `0 0 ${W} 74`, role: "img", "aria-label": label,
    "data-axis-min": lo, "data-axis-max": hi, "data-plot-left": LEFT, "data-plot-right": RIGHT, ...data });
  chart.append(svg("rect", { x: LEFT, y: 22, width: RIGHT - LEFT, height: 18, class: "track" }));
  if (legal) {
    const x0 = x(legal[0], lo, hi), x1 = x(legal[1], lo, hi);
    chart.append(svg("rect", { class: "legal", x: x0, y: 22, width: Math.max(x1 - x0, 2), height: 18 },
      svg("title", { text: "legal range" })));
  }
  const x0 = x(low, lo, hi), x1 = x(high, lo, hi), xp = x(point, lo, hi);
  chart.append(svg("rect", { id: `${id}-interval`, class: "interval", x: x0, y: 26, width: Math.max(x1 - x0, 2),
    height: 10, "data-low": data["data-low"], "data-high": data["data-high"] }));
  chart.append(svg("g", { id: `${id}-point`, class: "point", "data-point": data["data-point"], "data-x": xp },
    svg("path", { d: `M${xp} 16 L${xp + 6} 8 L${xp - 6} 8 Z` }),
    svg("line", { x1: xp, x2: xp, y1: 16, y2: 46 })));
  for (const [value, text] of ticks) {
    const xt = x(value, lo, hi);
    chart.append(svg("line", { class: "tick", x1: xt, x2: xt, y1: 40, y2: 46 }));
    chart.append(svg("text", { x: xt, y: 60, "text-anchor": "middle", class: "tick-label", text }));
  }
  return chart;
}

function logTicks(lo, hi) {
  const out = [];
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e;
    out.push([e, v >= 1e4 ? `${v / 1e4}万` : String(v)]);
  }
  return out;
}

function yuanChart(id, low, high, point, guideline, label, cap) {
  const values = [low, high, point, ...(guideline || []), ...(cap ? [cap] : [])].map((v) => Math.max(v, 1));
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.max(Math.ceil(Math.log10(Math.max(...values))), lo + 1);
  const lg = (v) => Math.log10(Math.max(v, 1));
  return rangeChart(id, {
    low: lg(low), high: lg(high), point: lg(point), legal: guideline ? guideline.map(lg) : null,
    axis: [lo, hi], ticks: logTicks(lo, hi), label,
    data: { "data-low": low, "data-high": high, "data-point": point, "data-scale": "log10" },
  });
}

function gauge(id, p, label) {
  const width = 300;
  const chart = svg("svg", { id, class: "gauge", viewBox: `0 0 ${width} 14`, role: "img", "aria-label": label,
    "data-value": p });
  chart.append(svg("rect", { class: "track", width, height: 14 }));
  chart.append(svg("rect", { class: "fill", width: Math.round(width * Math.min(Math.max(p, 0), 1) * 10) / 10,
    height: 14 }));
  return chart;
}

function driversChart(drivers, key, unit) {
  const width = 640, labelW = 300, row = 22, mid = labelW + (width - labelW) / 2, half = (width - labelW) / 2 - 60;
  const biggest = Math.max(...drivers.map((d) => Math.abs(d[key]))) || 1;
  const height = row * drivers.length + 8;
  const chart = svg("svg", { id: "drivers-chart", class: "drivers", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `drivers of the estimate, ${unit}` });
  chart.append(svg("line", { class: "axis", x1: mid, x2: mid, y1: 0, y2: height }));
  drivers.forEach((d, i) => {
    const c = d[key], y = 4 + i * row, w = Math.round((Math.abs(c) / biggest) * half * 10) / 10;
    const label = state.spec.features[d.feature] || d.feature;
    const value = unit === "months" ? (c >= 0 ? "+" : "") + nf1.format(c) : (c >= 0 ? "+" : "") + nf.format(c);
    chart.append(svg("g", { class: "driver " + (c >= 0 ? "up" : "down"), "data-feature": d.feature,
      "data-contribution": c },
      svg("text", { x: labelW - 8, y: y + 14, "text-anchor": "end", text: label }),
      svg("rect", { x: c >= 0 ? mid : mid - w, y: y + 3, width: Math.max(w, 1), height: 14 }),
      svg("text", { x: c >= 0 ? mid + w + 4 : mid - w - 4, y: y + 14, "text-anchor": c >= 0 ? "start" : "end",
        text: value })));
  });
  return chart;
}

function outcomeText(o) {
  const bits = [];
  if ("custodial_months" in o) {
    if (o.custodial_months) {
      const kind = { detention: "detention 拘役", imprisonment: "imprisonment 有期徒刑" }[o.penalty] || "";
      bits.push(`${months(o.custodial_months)} months ${kind}`.trim());
    } else if (o.penalty) bits.push(o.penalty);
    if (o.probation_months) bits.push(`probation 缓刑 ${months(o.probation_months)} months`);
    if (o.fine_yuan !== null && o.fine_yuan !== undefined) bits.push(`fine 罚金 ${yuan(o.fine_yuan)}`);
  } else {
    if (o.awarded_total_yuan !== null && o.awarded_total_yuan !== undefined) bits.push(`awarded 判赔 ${yuan(o.awarded_total_yuan)}`);
    if (o.claimed_yuan) bits.push(`claimed 诉请 ${yuan(o.claimed_yuan)}`);
    if (o.apology_ordered) bits.push("apology 赔礼道歉");
  }
  return bits.join("; ") || "—";
}

function similarTable(cases) {
  const rows = cases.map((s) => {
    let source = document.createTextNode(s.source_title || "—");
    if (isHttp(s.source_url)) {
      let host = s.source_url;
      try { host = new URL(s.source_url).hostname; } catch (_) { /* keep the URL */ }
      source = el("a", { href: s.source_url, target: "_blank", rel: "noopener noreferrer", text: s.source_title || host });
    }
    return el("tr", { "data-case-id": s.case_id },
      el("td", {}, s.court || "—", s.year ? el("br") : null, s.year ? String(s.year) : null),
      el("td", { text: s.summary || "—" }),
      el("td", { text: outcomeText(s.outcome || {}) }),
      el("td", { class: "num", text: s.similarity.toFixed(2) }),
      el("td", {}, source));
  });
  return el("table", { id: "similar-table", class: "similar" },
    el("caption", { text: "Similar cases — reference only / 类案仅供参考" }),
    el("thead", {}, el("tr", {}, ["Court / year (法院)", "Summary (案情)", "Outcome (判决)", "Similarity", "Source (来源)"]
      .map((h) => el("th", { text: h })))),
    el("tbody", {}, rows));
}

function modelLine(models) {
  return el("p", { class: "models", id: "model-versions" }, "Models (模型): ",
    Object.entries(models).map(([target, m], i) => [i ? " · " : "",
      el("span", { "data-target": target, "data-version": m.version,
        title: `MLflow run ${m.run_id}; trained on ${m.n_train ?? "?"} cases (data digest ${m.dataset_digest ?? "?"})`,
        text: `${m.name} v${m.version} (${m.family})` })]));
}

function section(title, ...children) {
  return el("section", { class: "card" }, el("h2", { text: title }), ...children);
}

function legend(first, unit) {
  return el("p", { class: "legend" },
    el("span", { class: "key legal" }), ` ${first}  `,
    el("span", { class: "key interval" }), " estimated range 预估区间  ",
    el("span", { class: "key point" }), ` estimate 点估计 (${unit})`);
}

function renderCriminal(a) {
  const st = a.statutory, cm = a.custodial_months, fine = a.fine_yuan, legal = cm.legal_range || st.custodial_range_months;
  const level = pct(cm.level);
  const rules = st.rules.length
    ? el("ul", { class: "rules", id: "rules" }, st.rules.map((r) => el("li", {},
      el("b", { text: r.article }), " — ", r.text)))
    : el("p", { text: "No rule of Interp. 2017 is met on the facts given (未达入罪标准)." });
  const band = section("Statutory band (法定刑档次)",
    el("p", { class: "band", id: "band", "data-band": a.band },
      el("b", { text: state.spec.bands[a.band] || a.band }),
      ` — legal range ${months(legal[0])}–${months(legal[1])} months (法定刑 ${months(legal[0])}–${months(legal[1])} 个月)`,
      st.fine_mandatory ? "; fine mandatory (并处罚金)" : "",
      st.probation_possible ? "; probation possible (可适用缓刑)" : "; no probation (不适用缓刑)"),
    st.band_certain ? null : el("p", { class: "warn", text: "The band is not certain on these facts: the lower one is " +
      `shown (most sensitive reading: ${st.band_if_most_sensitive || "—"}).` }),
    rules,
    st.notes && st.notes.length ? el("ul", { class: "notes" }, st.notes.map((n) => el("li", { text: n }))) : null);
  const term = section("Custodial term (刑期)",
    el("p", { class: "big" }, el("b", { id: "custodial-point-text", text: `${months(cm.point)} months` }),
      ` · ${level} range `, el("b", { text: `${months(cm.low)}–${months(cm.high)} months` }),
      el("span", { class: "zh", text: ` (预估 ${months(cm.point)} 个月, 区间 ${months(cm.low)}–${months(cm.high)} 个月)` })),
    rangeChart("custodial-chart", {
      low: cm.low, high: cm.high, point: cm.point, legal, axis: [0, AXIS_MONTHS],
      ticks: [0, 6, 12, 24, 36, 48, 60, 72, 84].map((m) => [m, String(m)]),
      label: "custodial months: legal range, estimated range and point",
      data: { "data-low": cm.low, "data-high": cm.high, "data-point": cm.point, "data-legal-low": legal[0],
        "data-legal-high": legal[1], "data-level": cm.level },
    }),
    legend("legal range 法定刑", "months 月"),
    cm.note ? el("p", { class: "note", id: "custodial-note", text: cm.note }) : null,
    el("div", { class: "gauges" },
      el("div", {}, el("span", { text: "P(term ≤ 36 months) 三年以下的概率 " }),
        el("b", { text: pct(a.p_custodial_le_36_months) }),
        gauge("gauge-le36", a.p_custodial_le_36_months, "probability of a term of at most 36 months")),
      el("div", {}, el("span", { text: "P(probation) 缓刑概率 " }), el("b", { id: "probation-text", text: pct(a.probation_probability) }),
        gauge("gauge-probation", a.probation_probability, "probability of probation"))));
  const g = fine.guideline_yuan, mult = fine.multiple_of_gains;
  const fineCard = section("Fine (罚金)",
    el("p", { class: "big" }, el("b", { text: yuan(fine.point) }), ` · ${pct(fine.level)} range `,
      el("b", { id: "fine-range-text", text: `${yuan(fine.low)} – ${yuan(fine.high)}` })),
    g ? el("p", { text: `Interp. 2017 Art. 12 guideline (1–5× gains): ${yuan(g[0])} – ${yuan(g[1])}` +
      (mult ? ` · the range is ${mult.low}×–${mult.high}× the gains` : "") }) : null,
    yuanChart("fine-chart", fine.low, fine.high, fine.point, g, "fine in yuan, log scale"),
    legend("Art. 12 guideline 1–5× 违法所得", "yuan 元, log scale"));
  return [band, term, fineCard];
}

function renderCivil(a, claimed) {
  const aw = a.awarded_total_yuan, r = a.award_to_claim_ratio;
  return [section("Award (判赔金额)",
    el("p", { class: "big" }, el("b", { text: yuan(aw.point) }), ` · ${pct(aw.level)} range `,
      el("b", { id: "award-range-text", text: `${yuan(aw.low)} – ${yuan(aw.high)}` }),
      claimed ? ` · claimed ${yuan(claimed)}` : ""),
    r ? el("p", { text: `${pct(r.low)}–${pct(r.high)} of the claim (point ${pct(r.point)}) · 占诉请比例` }) : null,
    yuanChart("award-chart", aw.low, aw.high, aw.point, claimed ? [1, claimed] : null, "award in yuan, log scale"),
    legend("up to the claim 诉请范围", "yuan 元, log scale"))];
}

function render(kind, answer, sent) {
  const result = document.getElementById("result");
  const key = kind === "criminal" ? "contribution_months" : "contribution_yuan";
  const unit = kind === "criminal" ? "months" : "yuan";
  const parts = kind === "criminal" ? renderCriminal(answer) : renderCivil(answer, sent.claimed_yuan);
  const drivers = answer.drivers.length
    ? section("Drivers (影响因素)", el("p", { class: "note", text: `Largest signed contributions to the point ` +
      `estimate, in ${unit}: right raises it, left lowers it.` }), driversChart(answer.drivers, key, unit))
    : null;
  result.replaceChildren(
    el("p", { class: "disclaimer", id: "disclaimer", text: answer.disclaimer }),
    ...parts,
    drivers,
    answer.similar_cases.length ? section("Similar cases (类案)", similarTable(answer.similar_cases)) : null,
    modelLine(answer.model),
    el("p", { class: "note", text: `Estimated ${new Date().toLocaleString()} · ${kind}` }));
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
    const response = await post(`/v1/${kind}/estimate`, payload);
    if (!response.ok) return handleFailure(response);
    render(kind, await response.json(), payload);
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
