// The dashboard page: reads Telegram's launch parameters from the URL fragment (as Telegram clients pass them),
// calls /api/ with `Authorization: tma <initData>`, and draws with plain DOM (charts come as SVG from the server).
// No library, nothing fetched from elsewhere: every asset is served by the bot.
"use strict";

const STATUS_CLASS = {"已完成": "done", "超前": "ahead", "正常": "on-track", "滞后": "behind", "暂无数据": "no-data"};
const CELL_TEXT = {complete: "✓", awaiting: "审", partial: "缺", missing: "—"};
const launch = new URLSearchParams(location.hash.slice(1));
const initData = launch.get("tgWebAppData") || sessionStorage.getItem("tgWebAppData") || "";
if (launch.get("tgWebAppData")) sessionStorage.setItem("tgWebAppData", launch.get("tgWebAppData"));
let approval = false;

// ---- Telegram: theme colours and the WebView bridge (what telegram-web-app.js would do, offline) -------------
function applyTheme(theme) {
  for (const [key, value] of Object.entries(theme || {})) {
    if (typeof value === "string") document.documentElement.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
  }
}
function postEvent(type, data) {
  const payload = JSON.stringify({eventType: type, eventData: data || {}});
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data || {}));
    else if (window.external && "notify" in window.external) window.external.notify(payload);
    else if (window.parent !== window) window.parent.postMessage(payload, "*");
  } catch (e) { /* outside Telegram: nothing to tell */ }
}
window.Telegram = window.Telegram || {};
window.Telegram.WebView = {receiveEvent(type, data) { if (type === "theme_changed") applyTheme(data && data.theme_params); }};
try { applyTheme(JSON.parse(launch.get("tgWebAppThemeParams") || "{}")); } catch (e) { /* no theme given */ }

// ---- helpers --------------------------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}
function num(value, unit, percent) {
  if (value === null || value === undefined) return "—";
  const text = Number(value.toFixed(4)).toLocaleString("zh-CN", {maximumFractionDigits: 2});
  return percent || unit === "%" ? `${text}%` : `${text}${unit ? " " + unit : ""}`;
}
function when(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : ""; }
function month(key) { const [y, m] = key.split("-"); return `${y}年${Number(m)}月`; }
function say(text, error) {
  const box = document.getElementById("message");
  box.textContent = text; box.hidden = !text; box.className = error ? "error" : "";
}
async function api(path, options) {
  const response = await fetch(path, {...(options || {}), headers: {"Authorization": `tma ${initData}`,
    "Content-Type": "application/json"}});
  const body = await response.json().catch(() => ({error: `服务器返回 ${response.status}`}));
  if (!response.ok) throw new Error(body.error || `请求失败（${response.status}）`);
  return body;
}
function show(view) {
  for (const section of document.querySelectorAll("[data-view]")) section.hidden = section.id !== view;
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === view || (view === "detail" && tab.dataset.tab === "board")));
  }
  window.scrollTo(0, 0);
}

// ---- the board ------------------------------------------------------------------------------------------
function card(i) {
  const svg = el("div", {class: "chart"});
  svg.innerHTML = i.chart_svg;  // made by the server from numbers and escaped names only
  const targets = Object.entries(i.targets).map(([year, value]) => `${year}年目标 ${num(value, i.unit, i.percent)}`);
  return el("article", {class: "card", "data-number": i.number, onclick: () => openIndicator(i.number)},
    el("div", {class: "top"}, el("span", {class: "name"}, `${i.number}. ${i.name}`),
       el("span", {class: `badge ${STATUS_CLASS[i.status] || ""}`}, i.status)),
    el("div", {class: "figures"},
       el("span", {class: "current"}, num(i.current, i.unit, i.percent)),
       el("span", {}, `${i.baseline.year}年基数 ${num(i.baseline.value, i.unit, i.percent)}`),
       targets.map((t) => el("span", {}, t)),
       el("span", {}, `截至${i.as_of_label}应达 ${num(i.expected, i.unit, i.percent)}`),
       el("span", {}, `${i.units_reported} 个单位上报 · ${i.kind_label}`)),
    i.pending ? el("div", {class: "pending-note"}, `另有 ${i.pending} 条待审核，未计入`) : null,
    svg);
}
async function loadBoard() {
  const data = await api("api/indicators");
  approval = data.approval;
  document.getElementById("subtitle").textContent =
    `共 ${data.indicators.length} 项指标 · 截至${data.as_of_label}` + (approval ? " · 已开启审核" : "");
  document.getElementById("queue-count").textContent = data.pending ? String(data.pending) : "";
  const board = document.getElementById("board");
  board.replaceChildren();
  let category = null;
  for (const i of data.indicators) {
    if (i.category !== category) { category = i.category; board.append(el("h3", {class: "category"}, category)); }
    board.append(card(i));
  }
}

// ---- drill-down: an indicator's units, a unit's history ----------------------------------------------------
async function openIndicator(number) {
  const data = await api(`api/indicators/${number}`);
  const i = data.indicator;
  const rows = data.units.map((u) => el("tr", {class: "unit", "data-unit": u.unit_id, onclick: () => openUnit(number, u.unit_id)},
    el("td", {}, u.unit), el("td", {class: "num"}, num(u.latest, "", i.percent)),
    el("td", {class: "num"}, i.kind === "count" ? num(u.total, "", i.percent) : "—"), el("td", {}, month(u.last))));
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("button", {class: "back", type: "button", onclick: () => show("board")}, "‹ 返回指标"),
    card(i), el("h2", {}, "各单位数据（点单位看每月数据和历史）"),
    rows.length ? el("div", {class: "scroll"}, el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "单位"), el("th", {class: "num"}, "最新月份值"),
        el("th", {class: "num"}, "累计"), el("th", {}, "最新月份"))), el("tbody", {}, rows)))
      : el("p", {class: "hint"}, "还没有单位上报这项指标。"),
    el("p", {class: "hint"}, i.rule));
  show("detail");
}
function entry(e, i) {
  const lines = [`${e.reporter} 于 ${when(e.reported_at)} 报送：${e.text}`];
  if (e.replaces_id) lines.push(`更正了记录 #${e.replaces_id}`);
  if (e.undone_at) lines.push(`${when(e.undone_at)} 撤销（用户 ${e.undone_by}）`);
  if (e.reviewed_at) lines.push(e.approved ? `${when(e.reviewed_at)} 审核通过（管理员 ${e.reviewed_by}）`
    : `${when(e.reviewed_at)} 退回（管理员 ${e.reviewed_by}）：${e.review_note || ""}`);
  return el("div", {class: `entry ${e.status}`, "data-id": e.id},
    el("div", {}, el("b", {}, `${month(e.period)} ${num(e.value, i.unit, i.percent)}${e.cumulative ? "（累计）" : ""}`),
       ` · ${e.status} · #${e.id}`),
    lines.map((line) => el("div", {class: "hint"}, line)));
}
async function openUnit(number, unit) {
  const data = await api(`api/indicators/${number}/units/${unit}`);
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("button", {class: "back", type: "button", onclick: () => openIndicator(number)}, "‹ 返回单位列表"),
    el("h2", {}, `${data.unit.name} · ${data.indicator.name}`),
    el("p", {class: "hint"}, "每条上报都保留：更正、撤销和审核都在这里。"),
    ...data.history.map((e) => entry(e, data.indicator)));
  show("detail");
}

// ---- completeness grid ------------------------------------------------------------------------------------
async function loadGrid() {
  const data = await api("api/completeness?months=6");
  const grid = document.getElementById("grid");
  const head = el("tr", {}, el("th", {}, "单位"), data.months.map((m) => el("th", {class: "num"}, `${Number(m.slice(5))}月`)));
  const rows = data.units.map((u) => el("tr", {class: u.late ? "late" : "", "data-unit": u.unit_id},
    el("th", {}, u.unit + (u.late ? "（逾期）" : "")),
    u.cells.map((c) => el("td", {class: `cell ${c.state}${c.late ? " late" : ""}`,
      title: `${month(c.period)}：应报 ${c.assigned} 项，已报 ${c.reported} 项，已计入 ${c.counted} 项`},
      c.late ? "逾期" : CELL_TEXT[c.state]))));
  grid.replaceChildren(el("h2", {}, "报送完成情况"),
    el("div", {class: "legend"}, el("span", {}, "✓ 已报齐"), el("span", {}, "审 已报、待审核"), el("span", {}, "缺 未报齐"),
      el("span", {}, "— 未报"), el("span", {}, `逾期：过了次月 ${data.deadline_day} 日仍未报齐`)),
    rows.length ? el("div", {class: "scroll"}, el("table", {class: "grid"}, el("thead", {}, head), el("tbody", {}, rows)))
      : el("p", {class: "hint"}, "还没有分配了指标的联络员。"));
}

// ---- approval queue ---------------------------------------------------------------------------------------
function pendingItem(p) {
  const reason = el("textarea", {placeholder: "退回原因（联络员会收到）", hidden: true, maxlength: 200});
  const item = el("article", {class: "item", "data-id": p.id},
    el("div", {class: "what"}, `#${p.id} ${p.unit} · ${p.indicator_name} · ${p.period_label} · ${num(p.value, p.measure, p.percent)}`
      + (p.cumulative ? "（累计）" : "")),
    el("div", {class: "hint"}, `${p.reporter} 于 ${when(p.reported_at)} 报送：${p.text}`),
    p.counted_value !== null ? el("div", {class: "hint"}, `目前计入的是此前审核过的 ${num(p.counted_value, p.measure, p.percent)}`) : null,
    reason,
    el("div", {class: "actions"},
      el("button", {class: "primary approve", type: "button", onclick: () => decide(p.id, "approve")}, "通过"),
      el("button", {class: "secondary return", type: "button", onclick: () => {
        if (reason.hidden) { reason.hidden = false; reason.focus(); return; }
        decide(p.id, "return", reason.value);
      }}, "退回")));
  return item;
}
async function loadQueue() {
  const data = await api("api/pending");
  document.getElementById("queue-count").textContent = data.total ? String(data.total) : "";
  const queue = document.getElementById("queue");
  const note = approval ? `共 ${data.total} 条待审核，通过后计入全市数值。` : "审核未开启（BOT_APPROVAL=off）：数据保存后直接计入。";
  queue.replaceChildren(el("h2", {}, "待审核"), el("p", {class: "hint"}, note),
    ...(data.pending.length ? data.pending.map(pendingItem) : [el("p", {class: "hint empty"}, "没有待审核的数据。")]));
}
async function decide(id, action, reason) {
  try {
    const body = action === "return" ? JSON.stringify({reason: reason || ""}) : "{}";
    const result = await api(`api/pending/${id}/${action}`, {method: "POST", body});
    const told = result.notified ? "已通知报送人" : "未能通知报送人";
    say(action === "approve" ? `#${id} 已通过，已计入全市数值（${told}）。` : `#${id} 已退回（${told}）。`);
    await Promise.all([loadQueue(), loadBoard()]);
  } catch (error) { say(error.message, true); }
}

// ---- start ------------------------------------------------------------------------------------------------
const LOADERS = {board: loadBoard, grid: loadGrid, queue: loadQueue};
for (const tab of document.querySelectorAll("#tabs button")) {
  tab.addEventListener("click", async () => {
    say("");
    show(tab.dataset.tab);
    try { await LOADERS[tab.dataset.tab](); } catch (error) { say(error.message, true); }
  });
}
postEvent("web_app_ready");
postEvent("web_app_expand");
if (!initData) {
  say("请在 Telegram 中向机器人发送 /dashboard，点按钮打开看板。", true);
  document.getElementById("board").replaceChildren();
} else {
  loadBoard().then(() => document.body.setAttribute("data-ready", "board"))
    .catch((error) => { say(error.message, true); document.getElementById("board").replaceChildren(); });
}
