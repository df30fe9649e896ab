// The editor console's lists besides the worklist: agents' flags (待办任务) and the questions nothing answered.
import { el, say } from "./common.js";
import { when } from "./history.js";

const $ = (id) => document.getElementById(id);

// call: the console's API helper; open(id) opens an article; write(question) starts one for a question.
export function workLists(call, open, write) {
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
        const start = el("button", { type: "button" }, "据此新建文章");
        start.addEventListener("click", () => write(item.query));
        return el("li", { class: "card" }, el("strong", {}, item.query), ` （${item.count} 次） `, start);
      }),
    );
    say($("unanswered-status"), queries.length ? "" : "近 7 天所有问题都找到了答案");
  }

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
        const openIt = el("button", { type: "button" }, "打开文章");
        openIt.addEventListener("click", () => open(task.article_id));
        const state = task.status === "done" ? `已处理（${task.closed_by}）` : "待处理";
        const item = el(
          "li",
          { class: "card" },
          el("strong", {}, task.article_title),
          el("p", {}, task.comment),
          el("p", { class: "meta" }, `${task.flagged_by} · ${when(task.created_at)} · ${state}`),
          openIt,
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

  return { tasks: loadTasks, unanswered: loadUnanswered };
}
