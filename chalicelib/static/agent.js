// The agent console: search on every keystroke, the best answer ready to read aloud, keyboard only.
import { client, dropped, el, highlighted, keyStore, plainLines, say, signInWith } from "./common.js";

const key = keyStore("zhida.agent.key");
const RECENT = "zhida.agent.recent";
const $ = (id) => document.getElementById(id);
const input = $("q");
const hitsList = $("hits");
const status = $("search-status");
const detail = $("detail");
const desk = $("desk");

let hits = [];
let selected = -1;
let shown = null; // the article on screen

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

function clearSearch() {
  drop("answer");
  input.value = "";
  hits = [];
  selected = -1;
  hitsList.replaceChildren();
  hitsList.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  detail.hidden = true;
  shown = null;
  say(status, "");
  $("recent-box").hidden = false;
  renderRecent();
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

async function run(query) {
  if (!query) return clearSearch();
  try {
    const result = await call("search", { params: { q: query, limit: 8, as_of: asOf() }, purpose: "answer" });
    hits = result.hits;
    selected = hits.length ? 0 : -1;
    renderHits(result);
    if (hits.length) {
      const article = await call("articles/" + encodeURIComponent(hits[0].id), {
        params: { as_of: asOf() },
        purpose: "answer",
      });
      renderDetail(article, result.answered);
    } else {
      detail.hidden = true;
      shown = null;
    }
    // Lets a test (or a curious agent with devtools) see which query the screen now answers.
    desk.dataset.rendered = query;
    document.dispatchEvent(new CustomEvent("zhida:rendered", { detail: { query } }));
  } catch (problem) {
    if (!dropped(problem) && problem.status !== 401) say(status, problem.message, true);
  }
}

function renderHits(result) {
  $("recent-box").hidden = true;
  hitsList.replaceChildren(
    ...result.hits.map((hit, i) =>
      el(
        "li",
        { id: "hit-" + i, role: "option", "aria-selected": String(i === selected), "data-id": hit.id },
        el("span", { class: "score" }, `${Math.round(hit.score * 100)}%`),
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
  if (!hit) return;
  remember(input.value.trim());
  try {
    // A newer keystroke wins over this.
    const article = await call("articles/" + encodeURIComponent(hit.id), { params: { as_of: asOf() }, purpose: "answer" });
    renderDetail(article, true);
    desk.dataset.rendered = input.value.trim();
  } catch (problem) {
    if (!dropped(problem) && problem.status !== 401) say(status, problem.message, true);
  }
}

function renderDetail(article, answered) {
  shown = article;
  detail.hidden = false;
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

input.addEventListener("input", () => run(input.value.trim()));
input.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && hits.length) {
    event.preventDefault();
    moveTo(Math.min(selected + 1, hits.length - 1));
  } else if (event.key === "ArrowUp" && hits.length) {
    event.preventDefault();
    moveTo(Math.max(selected - 1, 0));
  } else if (event.key === "Enter") {
    event.preventDefault();
    open(selected);
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
