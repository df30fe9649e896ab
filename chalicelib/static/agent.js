// The agent console: search on every keystroke, the best answer ready to read aloud, keyboard only.
import { client, debounce, dropped, el, highlighted, keyStore, plainLines, say, signInWith } from "./common.js";

const key = keyStore("zhida.agent.key");
const RECENT = "zhida.agent.recent";
const $ = (id) => document.getElementById(id);
const input = $("q");
const hitsList = $("hits");
const status = $("search-status");
const detail = $("detail");
const desk = $("desk");
const failure = $("search-failed");
const SETTLE_MS = 1500; // results looked at this long without typing: the search counts (docs/pages.md, Analytics)

let hits = [];
let selected = -1;
let shown = null; // the article on screen
let asked = null; // the query whose results are on screen or on their way (null after a failure: ask again)
let hitsFor = null; // the query the hits on screen answer (an older one while a new search is on its way)
let settledQuery = null; // the query last counted as settled since the box was cleared: never counted twice

function signedIn(on) {
  $("signin").hidden = on;
  desk.hidden = !on;
  $("signout").hidden = !on;
  if (on) {
    renderRecent();
    input.focus();
  } else {
    $("key").focus();
  }
}

signInWith(key, "categories", signedIn);

// A caller's words (a name, a number) never outlive the agent's session: the recent searches go with the key.
function forgetCallers() {
  sessionStorage.removeItem(RECENT);
  localStorage.removeItem(RECENT); // what releases before this one kept
}

$("signout").addEventListener("click", () => {
  key.clear();
  forgetCallers();
  clearSearch();
  signedIn(false);
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

function clearResults() {
  hits = [];
  hitsFor = null;
  selected = -1;
  hitsList.replaceChildren();
  hitsList.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  clearAnswer();
  say(status, "");
}

function clearSearch() {
  drop("answer");
  settleLater.cancel();
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

// What the list shows as 把握, and so the order it is in: the agent reads the top line first.
const percent = (hit) => Math.round(hit.score * 100);

// settle: this search is the one the agent settled on (Enter with no hit to open), so it is logged.
async function run(query, { settle = false } = {}) {
  settleLater.cancel();
  asked = query;
  if (!query) return clearSearch();
  clearAnswer(); // at once: the old answer never stands beside the new query's hits
  const moment = asOf();
  const settled = settle && !moment && query !== settledQuery ? "true" : undefined;
  if (settled) settledQuery = query; // kept even if the call fails: it may have been logged, and never twice
  try {
    const params = { q: query, limit: 8, as_of: moment, settled };
    const result = await call("search", { params, purpose: "answer" });
    failure.hidden = true;
    hits = [...result.hits].sort((a, b) => percent(b) - percent(a)); // stable: ties keep the server's order
    hitsFor = query;
    selected = hits.length ? 0 : -1;
    renderHits(result);
    if (hits.length) {
      const article = await call("articles/" + encodeURIComponent(hits[0].id), {
        params: { as_of: moment },
        purpose: "answer",
      });
      renderDetail(article, result.answered, moment);
    }
    // Lets a test (or a curious agent with devtools) see which query the screen now answers.
    desk.dataset.rendered = query;
    document.dispatchEvent(new CustomEvent("zhida:rendered", { detail: { query } }));
    settleLater(query);
  } catch (problem) {
    if (!dropped(problem) && problem.status !== 401) failed(problem, "搜索失败");
  }
}

// After SETTLE_MS looking at the results: the same search again, settled=true, so that it is logged. Its
// reply shows what is already on screen, so it is not waited for; in look-back mode nothing is counted.
const settleLater = debounce((query) => {
  if (query !== input.value.trim() || query === settledQuery || asOf()) return;
  settledQuery = query;
  call("search", { params: { q: query, limit: 8, settled: "true" } }).catch(() => {});
}, SETTLE_MS);

// The hit the agent opened (Enter or a click), at the position shown; it settles its search if nothing had.
function noteClick(query, hit, index) {
  if (!query || asOf()) return;
  const settles = query !== settledQuery;
  settledQuery = query;
  settleLater.cancel();
  const body = { query, article_id: hit.id, position: index + 1, settles };
  call("clicks", { method: "POST", body }).catch(() => {});
}

function renderHits(result) {
  $("recent-box").hidden = true;
  hitsList.replaceChildren(
    ...hits.map((hit, i) =>
      el(
        "li",
        { id: "hit-" + i, role: "option", "aria-selected": String(i === selected), "data-id": hit.id },
        el("span", { class: "score" }, `${percent(hit)}%`),
        el("strong", {}, hit.title),
        el("span", { class: "dept" }, hit.department_name || hit.department),
        el("span", { class: "dept" }, highlighted(hit.snippet, hit.marks)),
      ),
    ),
  );
  hitsList.hidden = !hits.length;
  input.setAttribute("aria-expanded", String(hits.length > 0));
  moveTo(selected);
  if (!hits.length) say(status, "没有找到相关答复：请按“话务规范”记录诉求并转办。");
  else if (!result.answered) say(status, `${hits.length} 条结果，把握不大，请与来电人核实`);
  else say(status, `${hits.length} 条结果`);
}

function moveTo(index) {
  selected = index;
  for (const [i, item] of [...hitsList.children].entries()) item.setAttribute("aria-selected", String(i === index));
  if (index >= 0 && hitsList.children[index]) {
    input.setAttribute("aria-activedescendant", "hit-" + index);
    hitsList.children[index].scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

async function open(index) {
  const hit = hits[index];
  const query = input.value.trim();
  if (!hit || hitsFor !== query) return; // an older query's hit, while this one's are on their way
  remember(query);
  noteClick(query, hit, index);
  if (shown && shown.id === hit.id) return; // already on screen
  clearAnswer(); // never the previous hit's answer beside this one
  const moment = asOf();
  try {
    // A newer keystroke wins over this.
    const article = await call("articles/" + encodeURIComponent(hit.id), { params: { as_of: moment }, purpose: "answer" });
    renderDetail(article, true, moment);
    desk.dataset.rendered = query;
  } catch (problem) {
    if (!dropped(problem) && problem.status !== 401) failed(problem, "打开答复失败");
  }
}

// moment: the as_of time the article was read at; a past answer is for checking, never to copy and read out.
function renderDetail(article, answered, moment) {
  shown = article;
  detail.hidden = false;
  $("copy").hidden = Boolean(moment);
  $("detail-title").textContent = article.title;
  $("unanswered").hidden = answered;
  const sections = article.sections || {};
  $("answer").textContent = plainLines(sections["标准答复"]).map((line) => line.text).join("\n");
  const checklist = plainLines(sections["一次性告知"]);
  $("checklist").replaceChildren(
    ...checklist.map((line, i) =>
      el("li", {}, el("label", { for: "tell-" + i }, el("input", { type: "checkbox", id: "tell-" + i }), line.text)),
    ),
  );
  renderDispatch(article);
  const notes = plainLines(sections["内部提示"]);
  $("notes-card").hidden = !notes.length;
  $("notes").replaceChildren(...notes.map((line) => el("p", {}, (line.item ? "• " : "") + line.text)));
  // ArticleView.html is rendered on the server by markdown-it with raw HTML disabled: the one trusted HTML.
  $("fulltext").innerHTML = article.html;
  say($("copy-status"), "");
  say($("flag-status"), "");
}

// Where the work order goes: the department's directory record (name, phone, hours), or what the article says.
function renderDispatch(article) {
  const to = article.dispatch || {};
  const phone = to.phone || article.phone || "";
  $("department").textContent = to.name || article.department_name || article.department;
  $("phone").textContent = phone;
  $("dispatch-phone").hidden = !phone;
  $("hours").textContent = to.hours || "";
  $("dispatch-hours").hidden = !to.hours;
  $("dispatch-handles").textContent = to.handles ? `受理范围：${to.handles}` : "";
  $("dispatch-handles").hidden = !to.handles;
}

$("copy").addEventListener("click", async () => {
  const text = $("answer").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Older browsers or a denied permission: copy through a selection instead.
    const area = el("textarea", { class: "sr-only", readonly: true }, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  remember(input.value.trim());
  say($("copy-status"), "已复制");
});

$("flag-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!shown) return;
  const comment = $("flag-comment").value.trim();
  try {
    await call(`articles/${encodeURIComponent(shown.id)}/flags`, { method: "POST", body: { comment } });
  } catch (problem) {
    if (problem.status !== 401) say($("flag-status"), problem.message, true);
    return;
  }
  $("flag-comment").value = "";
  say($("flag-status"), "已标记为过时，编辑会收到待办任务。");
});

input.addEventListener("input", () => {
  settleLater.cancel();
  const query = input.value.trim();
  if (query !== asked) run(query);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && hits.length) {
    event.preventDefault();
    moveTo(Math.min(selected + 1, hits.length - 1));
  } else if (event.key === "ArrowUp" && hits.length) {
    event.preventDefault();
    moveTo(Math.max(selected - 1, 0));
  } else if (event.key === "Enter") {
    event.preventDefault();
    // No hit to open (none found, or the search failed): Enter searches again, and settles the search.
    if (hits.length) open(selected);
    else run(input.value.trim(), { settle: true });
  } else if (event.key === "Escape") {
    event.preventDefault();
    clearSearch();
  }
});
hitsList.addEventListener("click", (event) => {
  const item = event.target.closest("li[role=option]");
  if (!item) return;
  const index = [...hitsList.children].indexOf(item);
  moveTo(index);
  open(index);
  input.focus();
});

// Esc or / from anywhere brings the agent back to the search box; / typed in a text field stays a character.
const TEXT_FIELD = "textarea, select, [contenteditable], input:not([type=checkbox], [type=radio], [type=button], [type=submit])";
document.addEventListener("keydown", (event) => {
  if (desk.hidden || event.defaultPrevented || event.isComposing || event.target === input) return;
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

signedIn(Boolean(key.get()));
