// 管理记录, for admins: who changed what outside the articles (the directory, API keys, the sign-in mapping, syncs and
// imports), newest first, a page at a time (GET /api/changes), of one kind or one person's. The service writes each
// summary in Chinese in these pages' words; entries written before it did show as they were written.
import { dropped, el, say } from "./common.js";

const $ = (id) => document.getElementById(id);
// The stored action codes in the words the directory and mapping views use for them.
const ACTIONS = {
  add: "新增", change: "修改", propose: "提出修改", approve: "批准", reject: "驳回", withdraw: "撤回", retire: "撤销",
  create: "新建", rotate: "轮换", revoke: "吊销", sync: "同步", import: "导入",
};
const WHOLE = { directory: "派单目录（文件同步）", lexicon: "词库", knowledge: "知识库文章", "mapping:claims": "登录映射" };
const TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

// "2026-12-07 15:30:05", Beijing time wherever the browser is.
function beijing(iso) {
  const part = Object.fromEntries(TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
}

// What changed, in words: a department's name with its code, a key's holder, 登录映射. A code never breaks.
function subject(change, nameOf) {
  const [kind, id] = [change.subject.split(":", 1)[0], change.subject.slice(change.subject.indexOf(":") + 1)];
  const code = el("span", { class: "named-code" }, `（${id}）`);
  if (kind === "department") return [change.subject_name || nameOf(id), code];
  if (kind === "key") return change.subject_name ? [`API 密钥：${change.subject_name}`, code] : [`API 密钥 ${id}`];
  return [WHOLE[change.subject] || change.subject];
}

// call: the console's API helper; nameOf(code): a department's name in the directory as loaded (for entries written
// before the log kept the name).
export function adminLog(call, nameOf) {
  const table = $("log-table");
  const status = $("log-status");
  const people = new Map(); // actor -> name, of every entry seen: the 人员 filter's choices
  let shown = [];
  let next = null;

  const filters = () => ({ kind: $("log-kind").value, actor: $("log-actor").value });

  function choices(wanted = "") {
    const select = $("log-actor");
    if (wanted && !people.has(wanted)) people.set(wanted, wanted);
    select.replaceChildren(
      el("option", { value: "" }, "全部"),
      ...[...people]
        .sort((a, b) => a[1].localeCompare(b[1], "zh-CN"))
        .map(([actor, name]) => el("option", { value: actor }, name === actor ? actor : `${name}（${actor}）`)),
    );
    select.value = wanted;
  }

  function row(change) {
    return el(
      "tr",
      { "data-id": change.id },
      el("td", {}, el("span", { class: "date" }, beijing(change.at))),
      el("td", { class: "who" }, change.actor_name, el("span", { class: "principal" }, change.actor)),
      el("td", { class: "what" }, ...subject(change, nameOf)),
      el("td", { class: "action" }, ACTIONS[change.action] || change.action),
      el("td", { class: "summary" }, change.summary),
    );
  }

  // The first page under `wanted` filters (an address's), or the next page under the filters on screen.
  async function load(wanted = null, more = false) {
    if (wanted) {
      $("log-kind").value = wanted.kind || "";
      choices(wanted.actor || "");
    }
    const params = { limit: 50, ...filters() };
    if (more && next) params.after = next;
    let page;
    try {
      page = await call("changes", { params, purpose: "admin-log", pending: [status, "正在加载…"] });
    } catch (problem) {
      if (dropped(problem)) return; // other filters chosen since: their page follows
      if (!more) table.tBodies[0].replaceChildren(); // never one filter's entries under another's
      say(status, problem.message, true);
      return;
    }
    shown = more ? [...shown, ...page.changes] : page.changes;
    next = page.next;
    for (const change of page.changes) people.set(change.actor, change.actor_name);
    choices(filters().actor);
    table.tBodies[0].replaceChildren(...shown.map(row));
    $("log-more").hidden = !next;
    say(status, shown.length ? `${shown.length} 条${next ? "，还有更多" : ""}` : "没有符合的记录");
  }

  for (const id of ["log-kind", "log-actor"]) $(id).addEventListener("change", () => load());
  $("log-more").addEventListener("click", () => load(null, true));
  return { load: (wanted) => load(wanted || { kind: "", actor: "" }) };
}
