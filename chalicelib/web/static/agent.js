// The agent console: search on every keystroke, keyboard only, and on screen only what is true: the answer when
// the server has one, candidates marked as such when it is unsure, and always a way forward.
import { copyAnswer, renderCard, toggleFold } from "./agent-card.js";
import { districtChooser } from "./agent-district.js";
import { client, debounce, dropped, el, highlighted, pageUrl, say } from "./common.js";
import { credentials, signInWith } from "./signin.js";

const key = credentials("zhida.agent.key");
const RECENT = "zhida.agent.recent";
const $ = (id) => document.getElementById(id);
const input = $("q");
const hitsList = $("hits");
const status = $("search-status");
const detail = $("detail");
const desk = $("desk");
const failure = $("search-failed");
const SETTLE_MS = 1500; // results looked at this long without typing: the search counts (docs/pages.md, Analytics)

let hits = []; // in the server's order, which every page shows: never re-sorted here
let state = null; // the search's state: "answered" (hit 1 is the answer), "doubtful" (candidates only), "nothing"
let selected = -1; // the highlighted row: the article on screen, or on its way
let shown = null; // the article on screen
let articles = new Map(); // the articles read for the hits on screen, by id: ↑/↓ back and forth reads each once
let asked = null; // the query whose results are on screen or on their way (null after a failure: ask again)
let hitsFor = null; // the query the hits on screen answer (an older one while a new search is on its way)
let hitsDistrict; // the district (code) they were answered for: the parameter's, or the one their question names
let settledQuery = null; // the query last counted as settled since the box was cleared: never counted twice
let composing = false; // an input method is composing: its letters (pinyin) are not the query yet
// The caller's district (F4), sent with every search and article read; a new one shows the query's answer for it.
const district = districtChooser({
  call: (...args) => call(...args),
  changed: () => run(input.value.trim()),
});

function signedIn(on) {
  $("signin").hidden = on;
  desk.hidden = !on;
  $("signout").hidden = !on;
  if (on) {
    renderRecent();
    setTimeout(loadMyFlags); // after the module has made its API client
    input.focus();
  } else {
    forgetCallers(); // signed out here, in another tab, or by the provider: nothing of the last call stays
    $("my-flags").hidden = true; // nor the last agent's own flags
    $("my-flags-list").replaceChildren();
    $("signin").querySelector("input:not([hidden]), button").focus();
  }
}

signInWith(key, "categories", signedIn);

// A caller's words (a name, a number) never outlive the agent's session: the recent searches go with the key.
function forgetCallers() {
  sessionStorage.removeItem(RECENT);
  district.forget(); // the caller's district goes with the call
  localStorage.removeItem(RECENT); // what releases before this one kept
}

$("signout").addEventListener("click", () => {
  forgetCallers();
  clearSearch();
  signedIn(false);
  key.end(); // with the identity provider: its session ends too, and the browser comes back here
});

// Every call for what is on screen (a search, then its best answer; or the answer chosen) has the purpose
// "answer": a newer keystroke or choice drops the replies to older ones.
const { call, drop } = client({
  key,
  signedOut(problem) {
    key.clear();
    forgetCallers();
    signedIn(false);
    say($("signin-status"), problem.message, true);
  },
});

function clearAnswer() {
  detail.hidden = true;
  shown = null;
}

// What one search said beyond its hits (the referral, the verdict) goes with it: never beside a newer query.
function clearOutcome() {
  clearAnswer();
  $("referral").hidden = true;
  $("verdict").hidden = true;
}

function clearResults() {
  hits = [];
  state = null;
  hitsFor = null;
  selected = -1;
  articles = new Map();
  hitsList.replaceChildren();
  $("hits-box").hidden = true;
  delete desk.dataset.state;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  clearOutcome();
  say(status, "");
}

function clearSearch() {
  drop("answer");
  settleLater.cancel();
  district.noted(null); // a district only the cleared question named goes with it
  input.value = "";
  asked = "";
  settledQuery = null; // the next caller's question counts on its own, even in the same words
  clearResults();
  failure.hidden = true;
  $("recent-box").hidden = false;
  renderRecent();
}

// A failed or timed-out call leaves nothing of an older answer on screen: an agent must never read it out.
function failed(problem, what) {
  asked = null;
  clearResults();
  failure.textContent = `${what}：${problem.message}`;
  failure.hidden = false;
}

// Looking back ("what did we tell the caller on 3 November?"): every search and article is then as
// published at that moment. The input has no offset, and the API reads such times as Beijing time.
function asOf() {
  return $("as-of").value || undefined;
}

function lookBack() {
  const moment = asOf();
  $("as-of-banner").hidden = !moment;
  $("as-of-banner").textContent = moment ? `正在查看 ${moment.replace("T", " ")} 时的答复，不是现行答复` : "";
  run(input.value.trim());
}
$("as-of").addEventListener("change", lookBack);
$("as-of-clear").addEventListener("click", () => {
  $("as-of").value = "";
  lookBack();
  input.focus();
});

const percent = (hit) => Math.round(hit.score * 100); // shown beside each hit; the order stays the server's

// settle: this search is the one the agent settled on (Enter with no hit to open), so it is logged.
async function run(query, { settle = false } = {}) {
  settleLater.cancel();
  asked = query;
  if (!query) return clearSearch();
  clearOutcome(); // at once: the old answer, verdict or referral never stands beside the new query
  say(status, "正在搜索…"); // never an older query's "nothing found" while this one's reply is on its way
  const moment = asOf();
  const settled = settle && !moment && query !== settledQuery ? "true" : undefined;
  if (settled) settledQuery = query; // kept even if the call fails: it may have been logged, and never twice
  let result;
  try {
    const params = { q: query, limit: 8, as_of: moment, settled, district: district.current() };
    result = await call("search", { params, purpose: "answer" });
  } catch (problem) {
    if (!dropped(problem) && problem.status !== 401) failed(problem, "搜索失败");
    return;
  }
  failure.hidden = true;
  district.noted(result); // a district the question names (河西区…): shown, and kept once the search is settled
  if (settled) district.settled();
  hits = result.hits;
  state = result.state;
  hitsFor = query;
  hitsDistrict = result.district?.code;
  articles = new Map();
  renderResult(result);
  // Answered: the first hit is the answer, highlighted and on screen at once. Otherwise the agent chooses.
  if (state === "answered" && hits.length) await show(0);
  if (asked !== query || hitsFor !== query) return; // a newer search, or a failure, took over meanwhile
  rendered(query);
  settleLater(query);
}

// Lets a test (or a curious agent with devtools) see which query the screen now answers.
function rendered(query) {
  desk.dataset.rendered = query;
  document.dispatchEvent(new CustomEvent("zhida:rendered", { detail: { query } }));
}

// After SETTLE_MS looking at the results: the same search again, settled=true, so that it is logged. Its
// reply shows what is already on screen, so it is not waited for; in look-back mode nothing is counted.
function settleNow(query) {
  if (!query || query === settledQuery || asOf()) return;
  settledQuery = query;
  district.settled();
  call("search", { params: { q: query, limit: 8, settled: "true", district: district.current() } }).catch(() => {});
}
const settleLater = debounce((query) => {
  if (query === input.value.trim()) settleNow(query);
}, SETTLE_MS);

// The hit the agent opened or copied (Enter or a click), at the position shown; it settles its search if
// nothing had. Moving the highlight alone is looking, not choosing: it is not counted.
function noteClick(query, hit, index) {
  remember(query);
  if (!query || asOf()) return;
  const settles = query !== settledQuery;
  settledQuery = query;
  settleLater.cancel();
  // The district the hits were shown for: the click counts for it, and settles the search made for it.
  const body = { query, article_id: hit.id, position: index + 1, settles, district: hitsDistrict };
  call("clicks", { method: "POST", body }).catch(() => {});
  district.settled();
}

function renderResult(result) {
  $("recent-box").hidden = true;
  desk.dataset.state = state;
  renderReferral(result.referral);
  renderHits();
  if (result.referral?.kind === "emergency") {
    // The line is the answer; the articles under it (the gas leak's under 119) are there to open on purpose.
    say(status, "紧急情况：立即转接");
  } else if (state === "doubtful") {
    say(status, `未找到确切答案：${hits.length} 条可能相关`);
    const how = "请与来电人核实，再用 ↓/↑ 或点击打开一篇。";
    showVerdict("未找到确切答案", `所列文章只是可能相关，系统不能确认哪篇回答来电人的问题。${how}`);
  } else if (state === "nothing") {
    say(status, result.referral ? "没有文章解答：请按指引转办" : "未找到答案");
    // A referral is the way forward; without one, the rule every agent follows.
    if (!result.referral) showVerdict("未找到答案", "请按话务规范记录诉求并转办。");
  } else {
    say(status, `${hits.length} 条结果`);
  }
}

function showVerdict(headline, text) {
  $("verdict").replaceChildren(el("strong", {}, headline), "：", text);
  $("verdict").hidden = false;
}

// "12367 出入境管理部门", and once only for a line named after its number ("12367移民管理服务热线").
const lineName = ({ phone, name }) => (!phone ? `${name}（电话未登记）` : name.startsWith(phone) ? name : `${phone} ${name}`);

// An emergency line first and big ("立即转 119"); another hotline to transfer to; or a department to dispatch to.
function renderReferral(referral) {
  const box = $("referral");
  box.hidden = !referral;
  if (!referral) return;
  const kind = referral.kind;
  box.dataset.kind = kind;
  let action;
  if (kind === "emergency") action = `立即转 ${referral.phone || referral.name}`;
  else if (kind === "line") action = `转 ${lineName(referral)}`;
  else action = `派单 ${referral.name} · ${referral.phone ? "电话 " + referral.phone : "电话未登记"}`;
  $("referral-action").textContent = action;
  $("referral-topic").textContent = kind === "emergency" ? `${referral.topic} · ${referral.name}` : referral.topic;
  $("referral-say").textContent = referral.say;
}

function renderHits() {
  $("hits-title").textContent = state === "answered" ? "搜索结果" : "可能相关（未确认）";
  hitsList.replaceChildren(
    ...hits.map((hit, i) =>
      el(
        "li",
        { id: "hit-" + i, role: "option", "aria-selected": "false", "data-id": hit.id },
        el("span", { class: "score" }, `${percent(hit)}%`),
        el("strong", {}, hit.title),
        el("span", { class: "dept" }, hit.department_name || hit.department),
        el("span", { class: "dept snippet" }, highlighted(hit.snippet, hit.marks)),
      ),
    ),
  );
  $("hits-box").hidden = !hits.length;
  input.setAttribute("aria-expanded", String(hits.length > 0));
  highlight(-1);
}

function highlight(index) {
  selected = index;
  for (const [i, item] of [...hitsList.children].entries()) item.setAttribute("aria-selected", String(i === index));
  if (index >= 0 && hitsList.children[index]) {
    input.setAttribute("aria-activedescendant", "hit-" + index);
    hitsList.children[index].scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

// The highlighted row drives the pane: highlighting a row shows its article. True once it is on screen.
async function show(index) {
  const hit = hits[index];
  const query = hitsFor;
  if (!hit) return false;
  highlight(index);
  if (shown && shown.id === hit.id) return true;
  clearAnswer(); // never the previous hit's answer beside this one
  const moment = asOf();
  let article = articles.get(hit.id);
  if (!article) {
    try {
      // A newer keystroke or choice wins over this.
      const params = { as_of: moment, district: hitsDistrict }; // its unit and wording for the hits' district
      article = await call("articles/" + encodeURIComponent(hit.id), { params, purpose: "answer" });
    } catch (problem) {
      if (!dropped(problem) && problem.status !== 401) failed(problem, "打开答复失败");
      return false;
    }
    articles.set(hit.id, article);
    // Another row was highlighted meanwhile and shown from memory: this late answer must not cover it.
    if (selected !== index || hits[index] !== hit) return false;
  }
  shown = article;
  // Only the answered search's first hit is the system's answer; any other the agent opened is their choice.
  renderCard(article, { chosen: !(state === "answered" && index === 0), moment });
  $("verdict").hidden = true;
  desk.dataset.rendered = query;
  return true;
}

// The agent opens a row on purpose (Enter, a click): it is shown and counted.
function open(index) {
  const query = input.value.trim();
  if (!hits[index] || hitsFor !== query) return; // an older query's hit, while this one's are on their way
  noteClick(query, hits[index], index);
  show(index);
}

// A read-aloud answer is on screen for the highlighted row: not in look-back mode, where it is for checking only.
const readyToCopy = () => selected >= 0 && shown && shown.id === hits[selected]?.id && !$("copy").hidden;

$("copy").addEventListener("click", () => {
  remember(input.value.trim());
  copyAnswer();
});

$("flag-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!shown) return;
  const comment = $("flag-comment").value.trim();
  try {
    // The district the answer on screen was read for: the task it raises counts for it in the reports.
    const body = { comment, district: shown.district?.code };
    await call(`articles/${encodeURIComponent(shown.id)}/flags`, { method: "POST", body });
  } catch (problem) {
    if (problem.status !== 401) say($("flag-status"), problem.message, true);
    return;
  }
  $("flag-comment").value = "";
  say($("flag-status"), "已标记为过时，编辑会收到待办任务。");
  loadMyFlags();
});

// 我的反馈: the agent's own latest flags, folded into one line at the foot of the screen that says how many are
// fixed; opening it reads them again. A side line: when it cannot be read, it is left as it was.
async function loadMyFlags() {
  let flags;
  try {
    flags = (await call("flags/mine", { params: { limit: 10 }, purpose: "my-flags" })).flags;
  } catch {
    return;
  }
  const done = flags.filter((f) => f.status === "done").length;
  $("my-flags").hidden = !flags.length;
  $("my-flags-summary").textContent = `我的反馈：${flags.length} 条，${done ? `${done} 条已处理` : "都在处理中"}`;
  const outcome = (f) =>
    f.status !== "done"
      ? "处理中"
      : f.fixed_version
        ? `已修正（版本 ${f.fixed_version}，${new Date(f.closed_at).toLocaleString("zh-CN", { hour12: false })}）`
        : "编辑已处理";
  // Each with the article's address in the editor console, to send to its editors (a new tab: the call goes on here).
  const editorLink = (f) =>
    el("a", { href: pageUrl(`editor#/article/${encodeURIComponent(f.article_id)}`).href, target: "_blank", rel: "noopener" }, "编辑台链接");
  $("my-flags-list").replaceChildren(
    ...flags.map((f) => {
      const where = f.district ? `（${f.district_name || f.district}的答复）` : "";
      return el("li", {}, `${f.article_title}${where}：${f.comment} — ${outcome(f)} `, editorLink(f));
    }),
  );
}
$("my-flags").addEventListener("toggle", () => {
  if ($("my-flags").open) loadMyFlags();
});

// An input method's letters are not a query: search when it commits (compositionend), not on each of its inputs.
function searchTyped() {
  settleLater.cancel();
  const query = input.value.trim();
  if (query !== asked) run(query);
}
input.addEventListener("compositionstart", () => {
  composing = true;
  settleLater.cancel();
});
input.addEventListener("compositionend", () => {
  composing = false;
  searchTyped();
});
input.addEventListener("input", (event) => {
  if (!event.isComposing && !composing) searchTyped();
});

function move(step) {
  const query = input.value.trim();
  if (hitsFor !== query) return; // an older query's hits, while this one's are on their way
  const index = selected < 0 ? 0 : Math.min(Math.max(selected + step, 0), hits.length - 1);
  if (index !== selected || !shown) show(index);
}

input.addEventListener("keydown", (event) => {
  // Enter commits the input method's choice and Esc cancels it: both are the input method's, not ours.
  if (event.isComposing || composing || event.keyCode === 229) return;
  if (event.key === "ArrowDown" && hits.length) {
    event.preventDefault();
    move(1);
  } else if (event.key === "ArrowUp" && hits.length) {
    event.preventDefault();
    move(-1);
  } else if (event.key === "Enter") {
    event.preventDefault();
    enter();
  } else if (event.key === "Escape") {
    event.preventDefault();
    // The first Esc clears the search; a second, with the box empty, the caller's district (the call is over).
    if (input.value === "" && district.current()) district.clear();
    else clearSearch();
  }
});

// Enter: copy the highlighted row's read-aloud answer; open the highlighted row if it is not on screen yet;
// with candidates and none chosen, only settle the search; with no hit (none found, or the search failed),
// search again and settle it.
function enter() {
  const query = input.value.trim();
  if (hits.length && hitsFor === query) {
    if (readyToCopy()) {
      noteClick(query, hits[selected], selected);
      copyAnswer();
    } else if (selected >= 0) {
      open(selected);
    } else {
      settleLater.cancel();
      settleNow(query);
    }
  } else {
    run(query, { settle: true });
  }
}

hitsList.addEventListener("click", (event) => {
  const item = event.target.closest("li[role=option]");
  if (!item) return;
  open([...hitsList.children].indexOf(item));
  input.focus({ preventScroll: true });
});

// Esc or / from anywhere brings the agent back to the search box; / typed in a text field stays a character.
// F2 anywhere unfolds (or folds) the 一次性告知 list.
const TEXT_FIELD = "textarea, select, [contenteditable], input:not([type=checkbox], [type=radio], [type=button], [type=submit])";
document.addEventListener("keydown", (event) => {
  if (desk.hidden || event.defaultPrevented || event.isComposing) return;
  if (event.key === "F2") {
    event.preventDefault();
    toggleFold();
    return;
  }
  if (event.key === "F4") {
    event.preventDefault();
    district.open();
    return;
  }
  if (event.target === input) return;
  const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey;
  if (event.key === "Escape" || (slash && !event.target.closest?.(TEXT_FIELD))) {
    event.preventDefault();
    input.focus();
  }
});

function recent() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(RECENT) || "[]");
    return Array.isArray(stored) ? stored.filter((q) => typeof q === "string") : [];
  } catch {
    return [];
  }
}

function remember(query) {
  if (!query) return;
  sessionStorage.setItem(RECENT, JSON.stringify([query, ...recent().filter((q) => q !== query)].slice(0, 8)));
}

function renderRecent() {
  const queries = recent();
  $("recent").replaceChildren(
    ...queries.map((query) => {
      const button = el("button", { type: "button" }, query);
      button.addEventListener("click", () => {
        input.value = query;
        input.focus();
        run(query);
      });
      return el("li", {}, button);
    }),
  );
  $("recent-box").hidden = !queries.length;
}

