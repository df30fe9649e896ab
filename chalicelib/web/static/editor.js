// The editor console: worklist, the article as a form or as Markdown with live preview and lint, the review
// workflow, history, tasks and the department directory. Built against the editorial workflow in docs/api.md.
import { adminLog } from "./admin-log.js";
import { articleForm } from "./article-form.js";
import { createAutosave } from "./autosave.js";
import { busyWhile, client, dropped, el, say } from "./common.js";
import { textCheck } from "./checking.js";
import { covers, directoryView } from "./directory.js";
import { historyView, stateName, when } from "./history.js";
import { keyboardPaths } from "./keys.js";
import { ROLES, pinActionBar, showChanges, updateActions } from "./review.js";
import { mappingView } from "./mapping.js";
import { consolePlaces } from "./places.js";
import { beijingToday, reportView } from "./report.js";
import { credentials, signInWith } from "./signin.js";
import { workLists } from "./tasks.js";
import { worklistView } from "./worklist.js";

const key = credentials("zhida.editor.key");
const $ = (id) => document.getElementById(id);
const textarea = $("markdown");
const actionStatus = $("action-status");
const unsaved = createAutosave();
// Every call with the key; a 401 (the key revoked meanwhile) signs out, and the caller still hears of it.
const { call, drop } = client({
  key,
  signedOut(problem) {
    key.clear();
    signedIn(false);
    say($("signin-status"), problem.message, true);
  },
});

let draft = null; // the working copy on screen (null while a new article is being written)
let saved = ""; // its Markdown as last saved, to know whether there are unsaved changes
let crlf = false; // whether its lines end in \r\n, which a textarea turns into \n
let me = null; // GET /api/me: role, principal and departments of the signed-in person

const form = articleForm(textarea, changed);
const check = textCheck(call, textarea, form, actionStatus);
const past = historyView(call, () => draft, rollback, (sub) => places.visit(sub));
const report = reportView(call, (question) => newArticle(question));
const mapping = mappingView(call);
const log = adminLog(call, (code) => directory.list().find((d) => d.code === code)?.name || code);
const worklist = worklistView(call, (id) => places.open(id), () => draft);
const lists = workLists(call, (question) => newArticle(question));
const directory = directoryView(
  call,
  () => me?.role === "admin",
  // A district (kind "district") is where a caller lives, never a 承办单位 an article names.
  (list) =>
    form.setChoices({
      departments: list.filter((d) => !d.retired && d.kind !== "district" && covers(me, d.code, list)),
      directory: list, // 分区承办单位: any district, and any unit its work may go to
    }),
  () => me?.principal,
);
// Every view's address (#/article/…, #/tasks/…, #/report/…): reload, Back and a link sent keep the place.
const places = consolePlaces({
  list: (name) => showView(name, false),
  load: (name, wanted) => VIEWS[name](wanted),
  open: openArticle,
  write: writeArticle,
  close: closeArticle,
  current: () => draft,
  isOpen: () => !$("work").hidden,
  mayLeave,
  past,
  findTask: (id) => lists.find(id),
  reveal: (code) => directory.reveal(code),
  me: () => me,
  call,
  today: beijingToday,
});

async function signedIn(on, refused = null) {
  $("signin").hidden = on;
  $("desk").hidden = !on;
  $("signout").hidden = !on;
  if (!on) {
    me = null;
    $("whoami").textContent = "";
    $("show-mapping").hidden = $("show-log").hidden = true;
    $("signin").querySelector("input:not([hidden]), button").focus();
    places.stop(refused);
    return;
  }
  try {
    me = await call("me");
    $("whoami").textContent = `${me.name} · ${ROLES[me.role] || me.role}`;
    $("show-mapping").hidden = $("show-log").hidden = me.role !== "admin";
  } catch {
    me = null; // an older server: every button shows, and the server still says no where it must
  }
  refreshHeader();
  places.start(); // the view the address names: the worklist for none
  if ($("directory-box").hidden) directory.load(); // for the form's 承办单位 (the directory's own view reads it)
  report.checkSurges(() => places.list("report"));
  call("categories")
    .then((reply) => form.setChoices({ categories: reply.categories }))
    .catch(() => {});
}

signInWith(key, "worklist", signedIn);

$("signout").addEventListener("click", () => {
  if (dirty() && !confirm("有未保存的修改，退出后不再保留，确定退出吗？")) return;
  unsaved.dropAll(); // the next person at this browser finds nothing of this one's
  draft = null;
  saved = textarea.value = "";
  form.fill();
  worklist.forget();
  $("work").hidden = true;
  report.clear();
  showView("worklist", false); // the next person starts at the worklist, loaded once signed in
  places.forget();
  signedIn(false);
  key.end(); // with the identity provider: its session ends too, and the browser comes back here
});

// ---- worklist, tasks, unanswered questions, directory, reports

const VIEWS = {
  worklist: () => worklist.load(),
  tasks: () => lists.tasks(),
  unanswered: (wanted) => lists.unanswered(wanted),
  directory: () => directory.load(),
  report: (wanted) => report.load(wanted),
  mapping: () => mapping.load(),
  log: (wanted) => log.load(wanted),
};

function showView(name, load = true) {
  for (const view of Object.keys(VIEWS)) {
    $(`show-${view}`).setAttribute("aria-pressed", String(view === name));
    $(`${view}-box`).hidden = view !== name;
  }
  // The report takes the whole width; the article being edited stays as it is, out of sight.
  $("desk").classList.toggle("reporting", name === "report");
  $("desk").classList.toggle("wide", ["report", "directory", "log"].includes(name)); // beside no article (zhida.css)
  if (load) VIEWS[name]();
}
for (const view of Object.keys(VIEWS)) $(`show-${view}`).addEventListener("click", () => places.list(view));

// ---- one article

// Whether the text on screen may be replaced: asks when there are unsaved changes (and then forgets them).
function mayLeave() {
  if (!dirty()) return true;
  if (!confirm("有未保存的修改，确定放弃吗？")) return false;
  unsaved.drop(slot());
  return true;
}

// Opens an article's working copy (places.js has asked whether the text on screen may go); throws when it cannot.
// `still()`: whether it is still wanted when it arrives (the person may have gone to the report meanwhile).
async function openArticle(id, still = () => true) {
  say(actionStatus, "");
  const copy = await call(`articles/${encodeURIComponent(id)}/draft`, { purpose: "article", pending: [actionStatus, "正在打开…"] });
  if (!still()) return;
  show(copy);
  say(actionStatus, "");
  past.load();
  loadRatings(id);
}

// 好差评 on the published article: counts and the latest comments (404 while it was never published).
async function loadRatings(id) {
  $("ratings-box").hidden = true;
  let summary;
  try {
    summary = await busyWhile($("ratings-box"), call(`articles/${encodeURIComponent(id)}/feedback`));
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

// The article in view: the report, which takes the whole width, makes way for it.
function showWork() {
  if ($("desk").classList.contains("reporting")) showView("worklist", false);
  $("work").hidden = false;
}

function show(copy) {
  draft = copy;
  places.showing(copy.id);
  $("schedule-past").hidden = true;
  textarea.value = copy.markdown;
  saved = textarea.value; // as the textarea holds it (its line breaks are always \n)
  crlf = copy.markdown.includes("\r\n");
  showWork();
  $("reload").hidden = true;
  form.lockId(true);
  form.fill();
  refreshHeader();
  check.afresh();
  offerRestore();
  showChanges(call, copy, () => draft === copy);
  worklist.mark(copy.id);
  // On a narrow screen the article is below the list: bring it into view.
  if (matchMedia("(max-width: 999px)").matches) $("work").scrollIntoView({ block: "start" });
}

function refreshHeader() {
  if (!draft) {
    $("doc-title").textContent = "新文章";
    $("doc-state").textContent = "尚未保存";
    $("doc-meta").textContent = "尚未保存";
    $("doc-comment").hidden = true;
    $("changes-box").hidden = true;
  } else {
    $("doc-title").textContent = draft.title;
    $("doc-state").textContent = draft.archive_request ? "待确认下线" : stateName(draft.state);
    const parts = [
      draft.id,
      `状态：${stateName(draft.state)}`,
      `修订 ${draft.revision}`,
      `版本 ${draft.version}`,
      draft.published_version ? `线上版本 ${draft.published_version}` : "未发布",
      draft.scheduled_at ? `定时 ${when(draft.scheduled_at)}` : "",
      `承办单位：${draft.department_name || draft.department}`,
      `复审日期 ${draft.review_by}${draft.stale ? "（已过期）" : ""}`,
      `最后修改：${draft.updated_by} ${when(draft.updated_at)}`,
      draft.submitted_by ? `提交人：${draft.submitted_by}` : "",
      draft.contributors?.length ? `参与修改：${draft.contributors.map((c) => c.name).join("、")}` : "",
    ];
    // A part holding a date stays on one line (never "2025-" above "10-15"); the line breaks between parts.
    const dated = (part) => el("span", { class: /\d{4}[-/]\d{1,2}[-/]\d{1,2}/.test(part) ? "date" : null }, part);
    $("doc-meta").replaceChildren(...parts.filter(Boolean).flatMap((part, i) => [i ? " · " : "", dated(part)]));
    $("doc-comment").hidden = !draft.comment;
    $("doc-comment").textContent = draft.comment ? `审核意见：${draft.comment}` : "";
  }
  updateActions(me, draft, dirty());
}

function dirty() {
  return textarea.value !== saved;
}

// ---- unsaved text kept in this browser

const slot = () => draft?.id || "new";
let restorable = "";

function offerRestore() {
  const kept = unsaved.find(slot());
  $("restore").hidden = true;
  if (!kept) return;
  if (kept.markdown === textarea.value) {
    unsaved.drop(slot());
    return;
  }
  restorable = kept.markdown;
  $("restore-text").textContent = `有未保存的修改（${when(kept.at)}），恢复？`;
  // Saved over a newer version, the kept text would undo what was saved since: say so before it is restored.
  const newer = draft && kept.base != null && kept.base !== draft.version;
  $("restore-newer").textContent = newer ? `这些修改基于版本 ${kept.base}，之后已保存到版本 ${draft.version}；恢复后请先比较再保存。` : "";
  $("restore-newer").hidden = !newer;
  $("restore").hidden = false;
}
$("restore-yes").addEventListener("click", () => {
  textarea.value = restorable;
  form.fill();
  changed();
  $("restore").hidden = true;
  say(actionStatus, "已恢复未保存的修改，记得保存。");
});
$("restore-no").addEventListener("click", () => {
  unsaved.drop(slot());
  $("restore").hidden = true;
});

// After any change of the text, from the source or the form.
function changed() {
  check.unmark();
  updateActions(me, draft, dirty());
  check.soon();
  if (dirty()) unsaved.keep(slot(), textarea.value, draft?.version ?? null);
  else unsaved.drop(slot());
}
textarea.addEventListener("input", () => {
  form.fill();
  changed();
});

// ---- actions

// `refused(problem)`: what else to offer when the service says no (after its message is shown).
async function act(label, request, refused = () => {}) {
  say(actionStatus, `${label}…`);
  $("reload").hidden = true;
  try {
    show(await request());
  } catch (problem) {
    if (problem.problems.length) check.showProblems(problem.problems);
    if (problem.code === "conflict") $("reload").hidden = !draft;
    const current = problem.revision ? `（当前修订 ${problem.revision}）` : "";
    say(actionStatus, `${label}失败：${problem.message}${current}`, true);
    refused(problem);
    return false;
  }
  const open = draft.problems?.length ? `（还有 ${draft.problems.length} 个问题）` : "";
  say(actionStatus, `${label}成功：${stateName(draft.state)}${open}`);
  past.load();
  worklist.load();
  return true;
}

const path = (action) => `articles/${encodeURIComponent(draft.id)}/${action}`;
const message = () => $("message").value.trim() || undefined;
const reviewComment = () => $("review-comment").value.trim() || undefined;

// What was saved is no longer kept in the browser.
const saving = (slotName, request) => async () => {
  const copy = await request();
  unsaved.drop(slotName);
  unsaved.drop(copy.id);
  return copy;
};

// The text to store, in the line endings it came with.
const storedText = () => (crlf ? textarea.value.replace(/\n/g, "\r\n") : textarea.value);

function save() {
  const body = { markdown: storedText(), message: message() };
  if (!draft) return act("创建", saving("new", () => call("articles", { method: "POST", body })));
  return act("保存", saving(draft.id, () => call(path("draft"), { method: "PUT", body, ifMatch: draft.revision })));
}
$("save").addEventListener("click", save);

// Ctrl+S saves, Ctrl+Enter submits, Ctrl+Shift+Enter approves, Alt+N opens the next in the list (keys.js).
keyboardPaths(actionStatus);
pinActionBar();

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
const publishNow = () => act("发布", () => call(path("publish"), { method: "POST", body: {}, ifMatch: draft.revision }));
$("publish").addEventListener("click", publishNow);
$("publish-instead").addEventListener("click", publishNow);
$("schedule").addEventListener("click", () => {
  const at = withOffset($("publish-at").value);
  if (!at) {
    say(actionStatus, "请先选择发布时间。", true);
    $("publish-at").focus();
    return;
  }
  // The service is the judge of "past" (this browser's clock may be off): its refusal names the field `at`.
  act("定时发布", () => call(path("publish"), { method: "POST", body: { at }, ifMatch: draft.revision }), (problem) =>
    offerPublishNow(problem.field === "at"),
  );
});
// A schedule must name a time still to come; for one that has passed, publishing now is offered instead.
function offerPublishNow(on) {
  $("schedule-past").hidden = !on || $("publish").disabled;
}
$("publish-at").addEventListener("input", () => {
  const chosen = $("publish-at").value;
  offerPublishNow(Boolean(chosen) && new Date(chosen).getTime() <= Date.now());
});
// Archiving takes two people: anyone of the department asks, with a reason; another reviewer confirms it (确认下线,
// the approval of the revision read), and only then does the article leave search.
$("archive").addEventListener("click", () => {
  const reason = prompt("申请下线的原因（另一位审核员确认后，文章才从搜索中下线）：")?.trim();
  if (!reason) return;
  act("申请下线", () => call(path("archive"), { method: "POST", body: { comment: reason }, ifMatch: draft.revision }));
});
$("withdraw-archive").addEventListener("click", () =>
  act("撤回下线申请", () => call(path("archive/withdraw"), { method: "POST", body: {}, ifMatch: draft.revision })),
);
$("confirm-archive").addEventListener("click", () => {
  if (!confirm("确认后文章立即从搜索和常见问题中下线，确定吗？")) return;
  act("确认下线", () => call(path("approve"), { method: "POST", body: { comment: reviewComment() }, ifMatch: draft.revision }));
});
$("reload").addEventListener("click", () => {
  unsaved.flush(); // the text on screen can still be restored after the reload
  saved = textarea.value; // the reload replaces the text on purpose
  openArticle(draft.id).catch((problem) => dropped(problem) || say(actionStatus, problem.message, true));
});

function rollback(version) {
  act(`回滚到版本 ${version}`, () =>
    call(path("rollback"), {
      method: "POST",
      body: { version, message: message() || `回滚到版本 ${version}` },
      ifMatch: draft.revision,
    }),
  );
}

// "2026-12-01T08:00" from <input type=datetime-local> as an ISO time with this browser's UTC offset.
function withOffset(local) {
  if (!local) return "";
  const minutes = -new Date(local).getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${local.length === 16 ? local + ":00" : local}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

$("new-article").addEventListener("click", () => newArticle(""));
// A new article (its address #/new); `question` (say, one nothing answered) becomes its title and first phrasing.
const newArticle = (question) => places.write(question);

// No article on screen (a list's address was opened): its text, history and ratings put away.
function closeArticle() {
  drop("article"); // one still on its way stays away too
  draft = null;
  saved = textarea.value = "";
  $("work").hidden = true;
  past.clear();
  worklist.mark(null);
}

// A new article's skeleton (places.js has asked whether the text on screen may go).
function writeArticle(question) {
  drop("article");
  draft = null;
  crlf = false;
  const today = new Date().toISOString().slice(0, 10);
  const nextYear = String(Number(today.slice(0, 4)) + 1) + today.slice(4);
  const mine = (me?.departments || []).filter((d) => d !== "*");
  saved = "";
  textarea.value = [
    "---", "id: ", `title: ${question}`, "category: ", "audience: public", `department: ${mine.length === 1 ? mine[0] : ""}`,
    'phone: "12345"', "questions:", `  - ${question}`, "keywords: []", `effective_from: ${today}`, `review_by: ${nextYear}`,
    "---", "", "## 标准答复", "", "", "## 一次性告知", "", "- ", "",
  ].join("\n");
  showWork();
  $("ratings-box").hidden = true;
  past.clear();
  form.lockId(false);
  form.fill();
  refreshHeader();
  check.afresh();
  offerRestore();
  if (!$("form-pane").hidden) {
    $("f-id").focus();
  } else {
    textarea.focus();
    textarea.setSelectionRange(8, 8); // after "---\nid: "
  }
}

window.addEventListener("beforeunload", (event) => {
  unsaved.flush();
  if (dirty()) event.preventDefault();
});

