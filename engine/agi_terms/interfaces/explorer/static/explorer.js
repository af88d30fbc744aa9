// The agi-terms explorer (SPEC §15): a plain ES module, no build step. It talks to the service's
// stateless endpoints (SPEC §14) and to POST /explorer/simulate, which reads the editor's YAML.
import uPlot from "/explorer/vendor/uplot/uPlot.esm.js";

const $ = (id) => document.getElementById(id);
const DAY = 86400000;
const EXAMPLE = `name: Panel verifies AGI in 2029
agreement: "2025-10"
events:
  - {date: 2029-03-01, type: agi_declared}
  - {date: 2029-09-01, type: panel_verified}
  - {date: 2030-02-01, type: product_launch, kind: api, cloud: gcp, partner: Acme}
checkpoints: [2028-01-01, 2031-01-01]
`;

const state = { versions: [], described: new Map(), schema: null, result: null, sources: {} };

// ------------------------------------------------------------------ helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const svgNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}) {
  const node = document.createElementNS(svgNS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

async function api(path, body, type = "application/json") {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": type },
    body: type === "application/json" ? JSON.stringify(body) : body,
  };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: { place: "", message: response.statusText } }));
  if (!response.ok) throw Object.assign(new Error(data.error?.message ?? response.statusText), { status: response.status, detail: data.error ?? {} });
  return data;
}

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

const time = (date) => Date.parse(date + "T00:00:00Z");
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const yesNo = (value) => (value ? "yes" : "no");

function cites(text) {
  return String(text).split(/[,\s]+/).filter(Boolean).map(cite);
}

function cite(id) {
  return el("button", { type: "button", class: "cite", "data-source": id, "aria-label": `source ${id}`, text: id, onclick: () => showSource(id) });
}

// ------------------------------------------------------------------ the detail panel

function showDetail(title, ...body) {
  const detail = $("detail");
  detail.replaceChildren(el("h3", { text: title }), ...body);
  if (window.matchMedia("(max-width: 900px)").matches) $("detail-panel").scrollIntoView({ block: "nearest" });
}

async function showSource(id) {
  try {
    const entry = await api(`/sources/${encodeURIComponent(id)}`);
    showDetail(`${id}: ${entry.title}`,
      el("blockquote", { class: "statement", text: entry.statement }),
      el("p", { class: "muted" }, `${entry.date ?? ""} · ${entry.confidence ?? ""} · `,
        entry.url ? el("a", { href: entry.url, rel: "noopener", target: "_blank", text: "the source" }) : ""));
  } catch (error) {
    showDetail(id, el("p", { class: "error", text: error.message }));
  }
}

function explanationNodes(answer) {
  const nodes = [];
  if (answer.summary || answer.text) nodes.push(el("p", { text: answer.summary ?? answer.text }));
  const walk = (value, depth) => {
    if (depth > 4 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) { value.forEach((v) => walk(v, depth + 1)); return; }
    if (value.rule || value.source) {
      nodes.push(el("li", {}, value.rule ? el("code", { text: value.rule }) : "", " ",
        ...(value.source ? cites(value.source) : []), " ", value.reason ?? value.meaning ?? value.why ?? ""));
    }
    for (const [key, inner] of Object.entries(value)) if (key !== "sources") walk(inner, depth + 1);
  };
  walk(answer, 0);
  const list = el("ul", {}, nodes.filter((n) => n.tagName === "LI"));
  return [...nodes.filter((n) => n.tagName !== "LI"), list,
    el("details", {}, el("summary", { text: "The whole answer (JSON)" }), el("pre", { text: JSON.stringify(answer, null, 2) }))];
}

async function explainTerm(term, date) {
  const read = state.result?.scenario;
  if (!read) return;
  showDetail(`Why ${term} on ${date}…`);
  try {
    const answer = await api("/explain", { ...read, date, term });
    const inForce = answer.in_force ?? state.result.checkpoints.find((c) => c.date === date)?.terms?.[term];
    showDetail(`${term} on ${date}${inForce === undefined ? "" : ": " + (inForce ? "in force" : "not in force")}`, ...explanationNodes(answer));
  } catch (error) {
    showDetail(`${term} on ${date}`, el("p", { class: "error", text: `${error.detail?.place ?? ""} ${error.message}` }));
  }
}

// ------------------------------------------------------------------ versions and parameters

async function describe(version) {
  if (!state.described.has(version)) state.described.set(version, await api(`/versions/${encodeURIComponent(version)}`));
  return state.described.get(version);
}

function fillVersionPickers() {
  for (const id of ["version", "diff-a", "diff-b"]) {
    $(id).replaceChildren(...state.versions.map((v) => el("option", { value: v.id, text: v.id, title: v.title })));
  }
  if (state.versions.length > 1) {
    $("diff-a").value = state.versions.at(-2).id;
    $("diff-b").value = state.versions.at(-1).id;
  }
}

function setAgreementInYaml(version) {
  const editor = $("yaml");
  const line = `agreement: "${version}"`;
  editor.value = /^agreement:.*$/m.test(editor.value)
    ? editor.value.replace(/^agreement:.*$/m, line)
    : editor.value.replace(/^(name:.*\n)?/, (m) => m + line + "\n");
  scheduleRun(0);
}

function renderParameters(description, inForce) {
  const body = $("parameters").tBodies[0];
  const show = (v) => (v === null ? "null" : typeof v === "object" ? JSON.stringify(v) : String(v));
  body.replaceChildren(...description.parameters.map((p) => {
    const current = inForce && p.name in inForce ? inForce[p.name] : p.default;
    const changed = show(current) !== show(p.default);
    return el("tr", { "data-parameter": p.name, class: changed ? "changed" : null },
      el("th", { scope: "row" }, el("code", { text: p.name }), el("div", { class: "muted note", text: p.note })),
      el("td", { text: show(current) }),
      el("td", { text: show(p.default) }),
      el("td", { text: p.choices ? p.choices.join(", ") : "" }),
      el("td", {}, ...cites(p.source)));
  }));
}

// ------------------------------------------------------------------ the scenario editor

let timer = null;
let runNumber = 0;
function scheduleRun(delay = 300) {
  clearTimeout(timer);
  timer = setTimeout(run, delay);
}

function keepLinkCurrent(text) {
  const hash = "#scenario=" + toBase64Url(text);
  if (location.hash !== hash) history.replaceState(null, "", hash);
  $("deep-link").href = hash;
}

function showError(detail) {
  const box = $("error");
  if (!detail) { box.hidden = true; box.removeAttribute("data-error"); box.textContent = ""; return; }
  const place = detail.place ?? "";
  box.hidden = false;
  box.setAttribute("data-error", place);
  const where = [place, detail.line ? `line ${detail.line}${detail.column ? ", column " + detail.column : ""}` : ""]
    .filter((part, i, all) => part && all.indexOf(part) === i).join(" · ");
  box.replaceChildren(el("strong", { text: where || "scenario" }), ": ", detail.message ?? "");
  if (detail.line) {
    box.append(" ", el("button", { type: "button", class: "link", text: "show", onclick: () => selectLine(detail.line, detail.column) }));
  }
}

function selectLine(line, column = 1) {
  const editor = $("yaml");
  const lines = editor.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[line - 1] ?? "").length;
  editor.focus();
  editor.setSelectionRange(start + Math.max(0, column - 1), end);
}

async function run() {
  const text = $("yaml").value;
  keepLinkCurrent(text);
  const mine = ++runNumber;
  $("status").textContent = "Simulating…";
  try {
    const result = await api("/explorer/simulate", text, "application/yaml");
    if (mine !== runNumber) return;
    state.result = result;
    showError(null);
    Object.assign(state.sources, result.sources);
    const description = await describe(result.scenario.agreement);
    if (mine !== runNumber) return;
    $("version").value = result.scenario.agreement;
    $("version-title").textContent = description.title;
    render(result, description);
    $("status").textContent = `${result.steps.length} steps, ${result.checkpoints.length} checkpoints (${result.agreement}).`;
    document.body.dataset.ready = String(mine);
  } catch (error) {
    if (mine !== runNumber) return;
    showError(error.detail ?? { place: "", message: error.message });
    $("status").textContent = "The scenario has an error; the last good result is shown.";
    document.body.dataset.ready = String(mine);
  }
}

// ------------------------------------------------------------------ event forms from the schema

function eventDefs() {
  const defs = state.schema?.$defs ?? {};
  return Object.values(defs).filter((d) => d.properties?.type?.const && d.properties?.date);
}

function fieldInput(name, spec, required) {
  const id = `event-field-${name}`;
  const options = spec.enum ?? spec.anyOf?.find((s) => s.enum)?.enum;
  const kind = spec.type ?? spec.anyOf?.find((s) => s.type && s.type !== "null")?.type;
  let input;
  if (options) {
    input = el("select", { id, name }, required ? null : el("option", { value: "", text: "(none)" }), options.map((o) => el("option", { value: o, text: o })));
  } else if (kind === "boolean") {
    input = el("select", { id, name }, el("option", { value: "", text: "(default)" }), el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
  } else if (kind === "number" || kind === "integer") {
    input = el("input", { id, name, type: "text", inputmode: "decimal", required: required || null, placeholder: "e.g. 5e27" });
  } else if (spec.$ref) {
    input = el("input", { id, name, type: "text", required: required || null, placeholder: "{bio_chem: low, cyber: low, self_improvement: low}" });
  } else {
    input = el("input", { id, name, type: spec.format === "date" ? "date" : "text", required: required || null });
  }
  return el("label", { title: spec.description ?? "" }, `${name}${required ? "" : " (optional)"} `, input);
}

function renderEventFields() {
  const def = eventDefs().find((d) => d.properties.type.const === $("event-type").value);
  const required = new Set(def?.required ?? []);
  $("event-fields").replaceChildren(...Object.entries(def?.properties ?? {})
    .filter(([name]) => name !== "date" && name !== "type")
    .map(([name, spec]) => fieldInput(name, spec, required.has(name))));
}

function yamlScalar(value) {
  if (/^[a-z_][a-z0-9_]*$/.test(value) || /^\{.*\}$/.test(value) || /^(true|false|-?\d+(\.\d+)?(e\d+)?)$/i.test(value) || /^\d{4}-\d\d-\d\d$/.test(value)) return value;
  return JSON.stringify(value);
}

function addEvent(form) {
  const data = new FormData(form);
  const parts = [`date: ${data.get("date")}`, `type: ${data.get("type")}`];
  for (const [name, value] of data.entries()) {
    if (name === "date" || name === "type" || value === "") continue;
    parts.push(`${name}: ${yamlScalar(String(value))}`);
  }
  const line = `  - {${parts.join(", ")}}`;
  const editor = $("yaml");
  const lines = editor.value.replace(/\n$/, "").split("\n");
  let at = lines.findIndex((l) => /^events:/.test(l));
  if (at < 0) { lines.push("events:", line); }
  else {
    lines[at] = lines[at].replace(/^events:\s*\[\s*\]\s*$/, "events:");
    let end = at + 1;
    while (end < lines.length && (/^\s/.test(lines[end]) || lines[end].trim() === "" || lines[end].startsWith("#"))) end++;
    lines.splice(end, 0, line);
  }
  editor.value = lines.join("\n") + "\n";
  scheduleRun(0);
}

// ------------------------------------------------------------------ the timeline

function render(result, description) {
  renderParameters(description, result.parameters);
  renderTimeline(result, description);
  renderCheckpoints(result, description);
  renderSteps(result);
}

function termIntervals(result, terms) {
  const state0 = result.start.terms;
  const intervals = new Map();
  for (const term of terms) {
    const first = result.steps.find((s) => s.changes.some((c) => c.term === term));
    let on = term in state0 ? state0[term] : !first?.changes.find((c) => c.term === term).in_force;
    let since = result.start.date;
    const list = [];
    for (const step of result.steps) {
      for (const change of step.changes) {
        if (change.term !== term || change.in_force === on) continue;
        if (on) list.push([since, step.date]);
        on = change.in_force; since = step.date;
      }
    }
    if (on) list.push([since, null]);
    intervals.set(term, list);
  }
  return intervals;
}

function renderTimeline(result, description) {
  const box = $("timeline");
  const titles = new Map(description.terms.map((t) => [t.id, t.title]));
  const terms = [...new Set([...description.terms.map((t) => t.id), ...Object.keys(result.start.terms),
    ...result.steps.flatMap((s) => s.changes.map((c) => c.term))])];
  const intervals = termIntervals(result, terms);
  const dates = [result.start.date, ...result.steps.map((s) => s.date), ...result.checkpoints.map((c) => c.date)];
  const t0 = Math.min(...dates.map(time));
  const t1 = Math.max(...dates.map(time), t0 + 365 * DAY) + 180 * DAY;
  const width = Math.max(320, box.clientWidth || 800);
  const label = width < 480 ? 0 : Math.min(210, width * 0.32);
  const rowH = 18, top = 22, height = top + terms.length * rowH + 24;
  const x = (ms) => label + ((ms - t0) / (t1 - t0)) * (width - label - 8);
  const plot = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "bands" });
  const y0 = new Date(t0).getUTCFullYear() + 1, y1 = new Date(t1).getUTCFullYear();
  const every = Math.ceil((y1 - y0 + 1) / Math.max(2, Math.floor((width - label) / 60)));
  for (let year = y0; year <= y1; year += every) {
    const xx = x(Date.UTC(year, 0, 1));
    plot.append(svg("line", { x1: xx, x2: xx, y1: top - 4, y2: height - 20, class: "grid" }));
    const t = svg("text", { x: xx, y: height - 6, class: "axis", "text-anchor": "middle" }); t.textContent = year; plot.append(t);
  }
  terms.forEach((term, row) => {
    const y = top + row * rowH;
    const group = svg("g", { "data-band": term });
    if (label) { const t = svg("text", { x: label - 6, y: y + 13, class: "term", "text-anchor": "end" }); t.textContent = titles.get(term) ? `${term}` : term; group.append(t); }
    group.append(svg("rect", { x: label, y: y + 2, width: width - label - 8, height: rowH - 4, class: "off" }));
    for (const [from, to] of intervals.get(term)) {
      const a = x(time(from)), b = to ? x(time(to)) : x(t1);
      const rect = svg("rect", { x: a, y: y + 2, width: Math.max(2, b - a), height: rowH - 4, class: "on", tabindex: 0, role: "button",
        "aria-label": `${term} in force from ${from}${to ? " to " + to : ""}; press Enter for why` });
      const title = svg("title"); title.textContent = `${titles.get(term) ?? term}: in force ${from} – ${to ?? "…"}`; rect.append(title);
      rect.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); explainTerm(term, from); } });
      group.append(rect);
    }
    if (!label) { const t = svg("text", { x: 4, y: y + 13, class: "term inside" }); t.textContent = term; group.append(t); }
    group.addEventListener("click", (e) => {
      const r = plot.getBoundingClientRect();
      const ms = t0 + ((e.clientX - r.left - label) / (width - label - 8)) * (t1 - t0);
      explainTerm(term, isoDay(Math.max(t0, Math.min(ms, t1))));
    });
    plot.append(group);
  });
  result.steps.forEach((step, index) => {
    const xx = x(time(step.date));
    const gate = step.type === "calendar";
    const mark = gate ? svg("line", { x1: xx, x2: xx, y1: top, y2: height - 20, class: "gate" })
      : svg("path", { d: `M${xx - 5},4 L${xx + 5},4 L${xx},${top - 6} Z`, class: step.decision && !step.decision.allowed ? "event denied" : "event" });
    const title = svg("title"); title.textContent = `${step.date} ${step.type}${step.decision ? (step.decision.allowed ? " (allowed)" : " (denied)") : ""}`; mark.append(title);
    mark.setAttribute("data-mark", index);
    plot.append(mark);
  });
  box.replaceChildren(plot);
}

function renderCheckpoints(result, description) {
  const table = $("checkpoints");
  const terms = [...new Set(result.checkpoints.flatMap((c) => Object.keys(c.terms)))];
  const titles = new Map(description.terms.map((t) => [t.id, t.title]));
  const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Term" }),
    result.checkpoints.map((c) => el("th", { scope: "col", text: c.date }, el("div", { class: "muted", text: c.phase })))));
  const body = el("tbody", {}, terms.map((term) => el("tr", {},
    el("th", { scope: "row", title: titles.get(term) ?? "" }, el("code", { text: term })),
    result.checkpoints.map((c) => !(term in c.terms) ? el("td", { class: "muted", text: "—" }) : el("td", {}, el("button", {
      type: "button", class: `cell ${c.terms[term] ? "yes" : "no"}`, "data-term": term, "data-date": c.date,
      "aria-label": `${term} on ${c.date}: ${yesNo(c.terms[term])}; explain`, text: yesNo(c.terms[term]),
      onclick: () => explainTerm(term, c.date),
    }))))));
  table.replaceChildren(table.caption ?? "", head, body);
  if (!terms.length) table.append(el("tbody", {}, el("tr", {}, el("td", { class: "muted", text: "No checkpoints in this scenario (add checkpoints: [YYYY-MM-DD, …])." }))));
}

function renderSteps(result) {
  const body = $("steps").tBodies[0];
  body.replaceChildren(...result.steps.map((step, index) => {
    const d = step.decision;
    return el("tr", { "data-step": index, "data-allowed": d ? String(d.allowed) : null, class: d ? (d.allowed ? "allowed" : "denied") : "lifecycle" },
      el("td", { text: index }), el("td", { text: step.date }), el("td", {}, el("code", { text: step.type })),
      el("td", { text: step.phase }),
      el("td", { text: d ? (d.allowed ? "allowed" : "denied") + (d.obligations.length ? ` · ${d.obligations.join(", ")}` : "") : "" }),
      el("td", {}, ...(d ? d.because.flatMap((b) => [el("span", { class: "because" }, el("code", { text: b.rule }), " ", ...cites(b.source))]) : [])),
      el("td", { text: step.changes.map((c) => `${c.term} ${c.in_force ? "on" : "off"}`).join(", ") }));
  }));
}

// ------------------------------------------------------------------ diff

async function runDiff(event) {
  event.preventDefault();
  const out = $("diff");
  out.replaceChildren(el("p", { class: "muted", text: "Comparing…" }));
  try {
    const answer = await api("/diff", { a: $("diff-a").value, b: $("diff-b").value });
    const rows = answer.situations.map((s) => el("li", {}, el("code", { text: s.situation ?? s.id ?? s.name ?? JSON.stringify(s).slice(0, 80) }), " ",
      Object.entries(s).filter(([k]) => !["situation", "id", "name"].includes(k)).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ")));
    out.replaceChildren(
      el("p", { text: `${answer.a} → ${answer.b}: ${answer.situations.length} situations decided differently; terms only in ${answer.a}: ${answer.only_in_a.join(", ") || "none"}; only in ${answer.b}: ${answer.only_in_b.join(", ") || "none"}.` }),
      el("ul", { class: "diff-list" }, rows),
      el("details", {}, el("summary", { text: "The whole answer (JSON)" }), el("pre", { text: JSON.stringify(answer, null, 2) })));
  } catch (error) {
    out.replaceChildren(el("p", { class: "error", "data-error": error.detail?.place ?? "", text: `${error.detail?.place ?? ""} ${error.message}` }));
  }
}

// ------------------------------------------------------------------ Monte Carlo

const MC_DEFAULT = `# SPEC §10 assumptions, as YAML-flavoured JSON: the page sends them as JSON.
{
  "agreement": "2025-10", "seed": 7, "horizon": "2040-12-31", "sample": "yearly",
  "declaration": {"probability": 0.6, "between": ["2026-01-01", "2040-12-31"]},
  "panel": {"verify_probability": 0.7, "review_days": [30, 365]},
  "redeclaration": {"probability": 0.5, "after_days": [180, 1080]}
}`;

let chart = null;
async function runMonteCarlo(event) {
  event.preventDefault();
  const errorBox = $("mc-error");
  errorBox.hidden = true;
  let assumptions;
  try {
    assumptions = JSON.parse($("mc-assumptions").value.replace(/^\s*#.*$/gm, ""));
  } catch (error) {
    errorBox.hidden = false; errorBox.setAttribute("data-error", ""); errorBox.textContent = `assumptions: not JSON: ${error.message}`;
    return;
  }
  assumptions.runs = Number($("mc-runs").value);
  $("mc-lapse").replaceChildren(el("caption", { text: "Running…" }));
  try {
    const answer = await api("/montecarlo", assumptions);
    renderMonteCarlo(answer);
  } catch (error) {
    errorBox.hidden = false; errorBox.setAttribute("data-error", error.detail?.place ?? "");
    errorBox.textContent = `${error.detail?.place ?? ""}: ${error.message}`;
    $("mc-lapse").replaceChildren(el("caption", { text: "When terms lapse (share of runs)" }));
  }
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
function renderMonteCarlo(answer) {
  const box = $("mc-chart");
  const terms = Object.keys(answer.terms).filter((t) => new Set(answer.terms[t]).size > 1);
  const data = [answer.dates.map((d) => time(d) / 1000), ...terms.map((t) => answer.terms[t])];
  chart?.destroy();
  box.replaceChildren();
  chart = new uPlot({
    width: Math.max(300, box.clientWidth || 600), height: 260,
    scales: { y: { range: [0, 1] } },
    series: [{}, ...terms.map((t, i) => ({ label: t, stroke: PALETTE[i % PALETTE.length], width: 2 }))],
    axes: [{}, { values: (u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`) }],
  }, data, box);
  const table = $("mc-lapse");
  const share = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? `${(v * 100).toFixed(1)}%` : v);
  table.replaceChildren(el("caption", { text: `When terms lapse: ${answer.runs} runs, seed ${answer.seed}` }),
    el("thead", {}, el("tr", {}, ["Term", "p10", "median", "p90", "never"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, Object.entries(answer.lapse).map(([term, l]) => el("tr", { "data-lapse": term },
      el("th", { scope: "row" }, el("code", { text: term })), el("td", { text: l.p10 ?? "—" }), el("td", { text: l.median ?? "—" }),
      el("td", { text: l.p90 ?? "—" }), el("td", { text: share(l.never) })))));
  document.body.dataset.montecarlo = String(answer.runs);
}

// ------------------------------------------------------------------ start

function scenarioFromHash() {
  const match = location.hash.match(/[#&]scenario=([A-Za-z0-9_-]*)/);
  if (!match) return null;
  try { return fromBase64Url(match[1]); } catch { return null; }
}

async function start() {
  $("yaml").value = scenarioFromHash() ?? EXAMPLE;
  $("mc-assumptions").value = MC_DEFAULT;
  $("yaml").addEventListener("input", () => scheduleRun());
  $("version").addEventListener("change", (e) => setAgreementInYaml(e.target.value));
  $("event-type").addEventListener("change", renderEventFields);
  $("event-form").addEventListener("submit", (e) => { e.preventDefault(); addEvent(e.target); });
  $("diff-form").addEventListener("submit", runDiff);
  $("mc-form").addEventListener("submit", runMonteCarlo);
  window.addEventListener("hashchange", () => {
    const text = scenarioFromHash();
    if (text !== null && text !== $("yaml").value) { $("yaml").value = text; scheduleRun(0); }
  });
  let resize = null;
  window.addEventListener("resize", () => { clearTimeout(resize); resize = setTimeout(() => state.result && renderTimeline(state.result, state.described.get(state.result.scenario.agreement)), 150); });
  const [versions, schema] = await Promise.all([api("/versions"), fetch("/explorer/scenario.schema.json").then((r) => r.json())]);
  state.versions = versions;
  state.schema = schema;
  fillVersionPickers();
  $("event-type").replaceChildren(...eventDefs().map((d) => el("option", { value: d.properties.type.const, text: d.properties.type.const })));
  renderEventFields();
  await run();
}

start();
