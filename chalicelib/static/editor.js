// The editor console: worklist, Markdown with live preview and lint, the review workflow, history and tasks.
// Built against the editorial workflow contract in docs/api.md.
import { api, debounce, el, keyStore, say, signInWith } from "./common.js";

const key = keyStore("zhida.editor.key");
const $ = (id) => document.getElementById(id);
const textarea = $("markdown");
const actionStatus = $("action-status");

const STATES = {
  draft: "草稿",
  in_review: "待审核",
  approved: "已通过",
  scheduled: "定时发布",
  published: "已发布",
  archived: "已归档",
};

let draft = null; // the working copy on screen (null while a new article is being written)
let saved = ""; // its Markdown as last saved, to know whether there are unsaved changes
let departments = new Set();

function signedIn(on) {
  $("signin").hidden = on;
  $("desk").hidden = !on;
  $("signout").hidden = !on;
  if (on) loadWorklist();
  else $("key").focus();
}

signInWith(key, "worklist", signedIn);

$("signout").addEventListener("click", () => {
  key.clear();
  draft = null;
  $("work").hidden = true;
  signedIn(false);
});

function call(path, options = {}) {
  return api(path, { ...options, key: key.get() }).catch((problem) => {
    if (problem.status === 401) {
      key.clear();
      signedIn(false);
      say($("signin-status"), problem.message, true);
    }
    throw problem;
  });
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "";
}

// ---- worklist and tasks

const VIEWS = { worklist: () => loadWorklist(), tasks: () => loadTasks(), unanswered: () => loadUnanswered() };

function showView(name) {
  for (const view of Object.keys(VIEWS)) {
    $(`show-${view}`).setAttribute("aria-pressed", String(view === name));
    $(`${view}-box`).hidden = view !== name;
  }
  VIEWS[name]();
}
for (const view of Object.keys(VIEWS)) $(`show-${view}`).addEventListener("click", () => showView(view));

// What people asked that the knowledge base did not answer: the questions to write articles for.
async function loadUnanswered() {
  say($("unanswered-status"), "正在加载…");
  let queries;
  try {
    queries = (await call("unanswered", { params: { days: 7, limit: 50 } })).queries;
  } catch (problem) {
    say($("unanswered-status"), problem.message, true);
    return;
  }
  $("unanswered").replaceChildren(
    ...queries.map((item) => {
      const write = el("button", { type: "button" }, "据此新建文章");
      write.addEventListener("click", () => newArticle(item.query));
      return el("li", { class: "card" }, el("strong", {}, item.query), ` （${item.count} 次） `, write);
    }),
  );
  say($("unanswered-status"), queries.length ? "" : "近 7 天所有问题都找到了答案");
}

async function loadWorklist() {
  const params = {
    state: $("filter-state").value,
    department: $("filter-department").value,
    stale: $("filter-stale").checked ? "true" : "",
  };
  say($("worklist-status"), "正在加载…");
  let articles;
  try {
    articles = (await call("worklist", { params })).articles;
  } catch (problem) {
    say($("worklist-status"), problem.message, true);
    return;
  }
  for (const article of articles) departments.add(article.department);
  const select = $("filter-department");
  const chosen = select.value;
  select.replaceChildren(
    el("option", { value: "" }, "全部"),
    ...[...departments].sort().map((d) => el("option", { value: d, selected: d === chosen }, d)),
  );
  $("worklist").replaceChildren(
    ...articles.map((article) => {
      const button = el(
        "button",
        { type: "button", "data-id": article.id, "aria-current": String(draft?.id === article.id) },
        el("strong", {}, article.title),
        " ",
        el("span", { class: "badge" }, STATES[article.state] || article.state),
        article.stale ? el("span", { class: "badge stale" }, "待复审") : null,
        el("span", { class: "hint" }, ` ${article.id} · ${article.department}`),
      );
      button.addEventListener("click", () => openArticle(article.id));
      return el("li", {}, button);
    }),
  );
  say($("worklist-status"), `${articles.length} 篇`);
}
for (const id of ["filter-state", "filter-department", "filter-stale"]) $(id).addEventListener("change", loadWorklist);

async function loadTasks() {
  say($("tasks-status"), "正在加载…");
  let tasks;
  try {
    tasks = (await call("tasks")).tasks;
  } catch (problem) {
    say($("tasks-status"), problem.message, true);
    return;
  }
  $("tasks").replaceChildren(
    ...tasks.map((task) => {
      const open = el("button", { type: "button" }, "打开文章");
      open.addEventListener("click", () => openArticle(task.article_id));
      const state = task.status === "done" ? `已处理（${task.closed_by}）` : "待处理";
      const item = el(
        "li",
        { class: "card" },
        el("strong", {}, task.article_title),
        el("p", {}, task.comment),
        el("p", { class: "meta" }, `${task.flagged_by} · ${when(task.created_at)} · ${state}`),
        open,
      );
      if (task.status !== "done") {
        const done = el("button", { type: "button" }, "标记已处理");
        done.addEventListener("click", async () => {
          try {
            await call(`tasks/${encodeURIComponent(task.id)}/done`, { method: "POST", body: {} });
            await loadTasks();
          } catch (problem) {
            say($("tasks-status"), problem.message, true);
          }
        });
        item.append(" ", done);
      }
      return item;
    }),
  );
  const waiting = tasks.filter((task) => task.status !== "done").length;
  say($("tasks-status"), tasks.length ? `${waiting} 个待处理，共 ${tasks.length} 个` : "没有待办任务");
}

// ---- one article

async function openArticle(id) {
  if (dirty() && !confirm("有未保存的修改，确定放弃吗？")) return;
  say(actionStatus, "正在打开…");
  try {
    show(await call(`articles/${encodeURIComponent(id)}/draft`));
  } catch (problem) {
    say(actionStatus, problem.message, true);
    return;
  }
  say(actionStatus, "");
  loadHistory();
  loadRatings(id);
}

// 好差评 on the published article: counts and the latest comments (404 while it was never published).
async function loadRatings(id) {
  $("ratings-box").hidden = true;
  let summary;
  try {
    summary = await call(`articles/${encodeURIComponent(id)}/feedback`);
  } catch {
    return;
  }
  if (draft?.id !== id) return; // another article was opened meanwhile
  $("ratings").textContent = `有帮助 ${summary.helpful} · 没帮助 ${summary.unhelpful}`;
  $("ratings-comments").replaceChildren(
    ...summary.comments.slice(0, 5).map((c) =>
      el("li", {}, `${c.helpful ? "有帮助" : "没帮助"}：${c.comment}`, el("span", { class: "hint" }, ` ${when(c.at)}`)),
    ),
  );
  $("ratings-box").hidden = false;
}

function show(copy) {
  draft = copy;
  saved = copy.markdown;
  textarea.value = copy.markdown;
  $("work").hidden = false;
  $("reload").hidden = true;
  refreshHeader();
  drawGutter([]);
  preview();
  for (const button of $("worklist").querySelectorAll("button")) {
    button.setAttribute("aria-current", String(button.dataset.id === copy.id));
  }
  // On a narrow screen the article is below the list: bring it into view.
  if (matchMedia("(max-width: 999px)").matches) $("work").scrollIntoView({ block: "start" });
}

function refreshHeader() {
  if (!draft) {
    $("doc-title").textContent = "新文章";
    $("doc-meta").textContent = "尚未保存";
    $("doc-comment").hidden = true;
  } else {
    $("doc-title").textContent = draft.title;
    const parts = [
      draft.id,
      `状态：${STATES[draft.state] || draft.state}`,
      `修订 ${draft.revision}`,
      `版本 ${draft.version}`,
      draft.published_version ? `线上版本 ${draft.published_version}` : "未发布",
      draft.scheduled_at ? `定时 ${when(draft.scheduled_at)}` : "",
      `承办单位：${draft.department}`,
      `复审日期 ${draft.review_by}${draft.stale ? "（已过期）" : ""}`,
      `最后修改：${draft.updated_by} ${when(draft.updated_at)}`,
      draft.submitted_by ? `提交人：${draft.submitted_by}` : "",
    ];
    $("doc-meta").textContent = parts.filter(Boolean).join(" · ");
    $("doc-comment").hidden = !draft.comment;
    $("doc-comment").textContent = draft.comment ? `审核意见：${draft.comment}` : "";
  }
  updateButtons();
}

function dirty() {
  return textarea.value !== saved;
}

function updateButtons() {
  const state = draft?.state;
  $("save").disabled = !dirty();
  $("submit").disabled = !draft || state !== "draft" || dirty();
  $("approve").disabled = state !== "in_review";
  $("reject").disabled = state !== "in_review" && state !== "approved";
  $("publish").disabled = state !== "approved";
  $("schedule").disabled = state !== "approved";
  $("archive").disabled = !draft || state === "archived";
}

// Line numbers beside the text, the lines with lint problems marked, so a problem is seen where it is.
function drawGutter(problems) {
  const bad = new Map(problems.map((p) => [p.line, p.message]));
  const count = textarea.value.split("\n").length;
  const lines = [];
  for (let n = 1; n <= count; n += 1) {
    lines.push(el("span", { class: bad.has(n) ? "bad" : null, title: bad.get(n) || null }, String(n)));
  }
  $("gutter").replaceChildren(...lines);
  $("gutter").scrollTop = textarea.scrollTop;
}
textarea.addEventListener("scroll", () => ($("gutter").scrollTop = textarea.scrollTop));

function showProblems(problems) {
  drawGutter(problems);
  $("problems").replaceChildren(
    ...problems.map((problem) => {
      const button = el("button", { type: "button", "data-line": problem.line }, `第 ${problem.line} 行：${problem.message}`);
      button.addEventListener("click", () => goToLine(problem.line));
      return el("li", {}, button);
    }),
  );
  if (!problems.length) $("problems").replaceChildren(el("li", { class: "hint" }, "没有发现问题"));
}

function goToLine(line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
  textarea.scrollTop = Math.max(0, (line - 3) * parseFloat(getComputedStyle(textarea).lineHeight));
}

let previewing = null;
async function preview() {
  if (previewing) previewing.abort();
  previewing = new AbortController();
  const markdown = textarea.value;
  try {
    const result = await call("preview", { method: "POST", body: { markdown }, signal: previewing.signal });
    if (markdown !== textarea.value) return; // typed on since: a newer preview follows
    showProblems(result.problems);
    // The preview HTML is rendered on the server by markdown-it with raw HTML disabled.
    $("preview").innerHTML = result.html;
  } catch (problem) {
    if (problem.name !== "AbortError") say(actionStatus, `预览失败：${problem.message}`, true);
  }
}
const previewSoon = debounce(preview, 400);
textarea.addEventListener("input", () => {
  drawGutter([]);
  updateButtons();
  previewSoon();
});

// ---- actions

async function act(label, request) {
  say(actionStatus, `${label}…`);
  $("reload").hidden = true;
  try {
    show(await request());
  } catch (problem) {
    if (problem.problems.length) showProblems(problem.problems);
    if (problem.code === "conflict") $("reload").hidden = !draft;
    const current = problem.revision ? `（当前修订 ${problem.revision}）` : "";
    say(actionStatus, `${label}失败：${problem.message}${current}`, true);
    return false;
  }
  say(actionStatus, `${label}成功：${STATES[draft.state] || draft.state}`);
  loadHistory();
  loadWorklist();
  return true;
}

const path = (action) => `articles/${encodeURIComponent(draft.id)}/${action}`;
const message = () => $("message").value.trim() || undefined;
const reviewComment = () => $("review-comment").value.trim() || undefined;

$("save").addEventListener("click", () => {
  const body = { markdown: textarea.value, message: message() };
  if (!draft) return act("创建", () => call("articles", { method: "POST", body }));
  return act("保存", () => call(path("draft"), { method: "PUT", body, ifMatch: draft.revision }));
});
$("submit").addEventListener("click", () =>
  act("提交审核", () => call(path("submit"), { method: "POST", body: { message: message() }, ifMatch: draft.revision })),
);
$("approve").addEventListener("click", () =>
  act("审核通过", () => call(path("approve"), { method: "POST", body: { comment: reviewComment() }, ifMatch: draft.revision })),
);
$("reject").addEventListener("click", () => {
  if (!reviewComment()) {
    say(actionStatus, "退回时请填写审核意见。", true);
    $("review-comment").focus();
    return;
  }
  act("退回", () => call(path("reject"), { method: "POST", body: { comment: reviewComment() }, ifMatch: draft.revision }));
});
$("publish").addEventListener("click", () =>
  act("发布", () => call(path("publish"), { method: "POST", body: {}, ifMatch: draft.revision })),
);
$("schedule").addEventListener("click", () => {
  const at = withOffset($("publish-at").value);
  if (!at) {
    say(actionStatus, "请先选择发布时间。", true);
    $("publish-at").focus();
    return;
  }
  act("定时发布", () => call(path("publish"), { method: "POST", body: { at }, ifMatch: draft.revision }));
});
$("archive").addEventListener("click", () => {
  if (!confirm("归档后文章立即从搜索中下线，确定吗？")) return;
  act("归档", () => call(path("archive"), { method: "POST", body: { comment: reviewComment() }, ifMatch: draft.revision }));
});
$("reload").addEventListener("click", () => {
  saved = textarea.value; // the reload replaces the text on purpose
  openArticle(draft.id);
});

// "2026-12-01T08:00" from <input type=datetime-local> as an ISO time with this browser's UTC offset.
function withOffset(local) {
  if (!local) return "";
  const minutes = -new Date(local).getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${local.length === 16 ? local + ":00" : local}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

$("new-article").addEventListener("click", () => newArticle(""));

// A new article's skeleton; `question` (say, one nothing answered) becomes its title and first phrasing.
function newArticle(question) {
  if (dirty() && !confirm("有未保存的修改，确定放弃吗？")) return;
  draft = null;
  const today = new Date().toISOString().slice(0, 10);
  const nextYear = String(Number(today.slice(0, 4)) + 1) + today.slice(4);
  saved = "";
  textarea.value = [
    "---", "id: ", `title: ${question}`, "category: ", "audience: public", "department: ", 'phone: "12345"', "questions:",
    `  - ${question}`,
    "keywords: []", `effective_from: ${today}`, `review_by: ${nextYear}`, "---", "", "## 标准答复", "", "", "## 一次性告知", "", "- ", "",
  ].join("\n");
  $("work").hidden = false;
  $("ratings-box").hidden = true;
  $("versions").replaceChildren();
  $("audit").replaceChildren();
  $("diff").hidden = $("diff-title").hidden = true;
  refreshHeader();
  preview();
  textarea.focus();
  textarea.setSelectionRange(8, 8); // after "---\nid: "
}

// ---- history

async function loadHistory() {
  if (!draft) return;
  loadAudit();
  const id = draft.id;
  let versions;
  try {
    versions = (await call(path("versions"))).versions;
  } catch (problem) {
    if (draft?.id === id) {
      $("versions").replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, problem.message)));
    }
    return;
  }
  if (draft?.id !== id) return; // another article (or a new one) was opened meanwhile
  $("versions").replaceChildren(
    ...versions.map((v) => {
      const diff = el("button", { type: "button" }, "与当前比较");
      diff.addEventListener("click", () => showDiff(v.version, draft.version));
      const rollback = el("button", { type: "button" }, "回滚到此版本");
      rollback.disabled = v.version === draft.version;
      rollback.addEventListener("click", () =>
        act(`回滚到版本 ${v.version}`, () =>
          call(path("rollback"), {
            method: "POST",
            body: { version: v.version, message: message() || `回滚到版本 ${v.version}` },
            ifMatch: draft.revision,
          }),
        ),
      );
      return el(
        "tr",
        {},
        el("td", {}, String(v.version)),
        el("td", {}, v.title),
        el("td", {}, v.author),
        el("td", {}, when(v.created_at)),
        el("td", {}, v.message || ""),
        el("td", { class: "row" }, diff, rollback),
      );
    }),
  );
}

const ACTIONS = {
  create: "新建",
  save: "保存",
  rollback: "回滚",
  submit: "提交审核",
  approve: "通过",
  reject: "退回",
  publish: "发布",
  schedule: "定时发布",
  archive: "归档",
  sync: "文件同步",
};

// Who did what to this article, newest first: every step of the workflow is recorded by the service.
async function loadAudit() {
  if (!draft) return;
  const id = draft.id;
  let entries;
  try {
    entries = (await call("audit", { params: { article: id } })).entries;
  } catch (problem) {
    if (draft?.id === id) $("audit").replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, problem.message)));
    return;
  }
  if (draft?.id !== id) return;
  const state = (value) => (value ? STATES[value] || value : "—");
  $("audit").replaceChildren(
    ...entries.map((e) =>
      el(
        "tr",
        {},
        el("td", {}, when(e.at)),
        el("td", {}, e.actor),
        el("td", {}, ACTIONS[e.action] || e.action),
        el("td", {}, `${state(e.from_state)} → ${state(e.to_state)}`),
        el("td", {}, e.version == null ? "" : String(e.version)),
        el("td", {}, e.comment || ""),
      ),
    ),
  );
}

async function showDiff(from, to) {
  const id = draft.id;
  let result;
  try {
    result = await call(path("diff"), { params: { from, to } });
  } catch (problem) {
    say(actionStatus, problem.message, true);
    return;
  }
  if (draft?.id !== id) return;
  const kinds = { "+": "add", "-": "del", " ": "same" };
  $("diff-title").textContent = `版本 ${result.from} → 版本 ${result.to}`;
  $("diff").replaceChildren(...result.lines.map((line) => el("span", { class: kinds[line.op] || "same" }, `${line.op} ${line.text}`)));
  if (!result.lines.some((line) => line.op !== " ")) $("diff").replaceChildren(el("span", { class: "same" }, "两个版本内容相同"));
  $("diff").hidden = $("diff-title").hidden = false;
}

window.addEventListener("beforeunload", (event) => {
  if (dirty()) event.preventDefault();
});

signedIn(Boolean(key.get()));
