// The editor console's lists besides the worklist: agents' flags (待办任务) and the questions nothing answered.
import { dropped, el, say } from "./common.js";
import { districtOptions } from "./districts.js";
import { when } from "./history.js";

const $ = (id) => document.getElementById(id);

// call: the console's API helper; write(question) starts an article for a question. A task links to its own address
// (#/tasks/ID: the list, the task marked, its article beside it) and, by its title, to the article's (places.js).
export function workLists(call, write) {
  // The districts the list can be cut by (所在区), as the report's: read once; without them, the city's only.
  const choice = $("unanswered-district");
  const offerDistricts = districtOptions(choice, call);
  // The district an address names (#/unanswered?district=hexi), chosen before the list of districts has come.
  function choose(code) {
    if (code && ![...choice.options].some((option) => option.value === code)) choice.append(el("option", { value: code }, code));
    choice.value = code;
  }
  choice.addEventListener("change", () => loadUnanswered());

  // What people asked that the knowledge base did not answer: the questions to write articles for. For a district,
  // the searches and 没帮助 made for it alone. `wanted`: the address's filters ({district}), if it names them.
  async function loadUnanswered(wanted) {
    if (wanted) choose(wanted.district || "");
    offerDistricts();
    const district = choice.value;
    let queries;
    try {
      const params = { days: 7, limit: 50, district: district || undefined };
      const pending = [$("unanswered-status"), "正在加载…"];
      queries = (await call("unanswered", { params, purpose: "unanswered", pending })).queries;
    } catch (problem) {
      if (dropped(problem)) return; // another district chosen since: its list follows
      $("unanswered").replaceChildren(); // never one district's questions under another's name
      say($("unanswered-status"), problem.message, true);
      return;
    }
    $("unanswered").replaceChildren(
      ...queries.map((item) => {
        const typed = item.asked || item.query; // counted by its normalised form, shown as it was typed
        const start = el("button", { type: "button" }, "据此新建文章");
        start.addEventListener("click", () => write(typed));
        return el("li", { class: "card" }, el("strong", {}, typed), ` （${item.count} 次） `, start);
      }),
    );
    const where = district ? choice.selectedOptions[0].textContent : "";
    say($("unanswered-status"), queries.length ? "" : `近 7 天${where}所有问题都找到了答案`);
  }

  // A page at a time (the newest first); 加载更多 appends the next one.
  let shown = [];
  let next = null;
  async function loadTasks(more = false) {
    say($("tasks-status"), "正在加载…");
    let page;
    try {
      page = await call("tasks", { params: more && next ? { after: next } : {} });
    } catch (problem) {
      say($("tasks-status"), problem.message, true);
      return;
    }
    shown = more ? [...shown, ...page.tasks] : page.tasks;
    next = page.next;
    $("tasks").replaceChildren(...shown.map(taskItem));
    $("tasks-more").hidden = !next;
    const waiting = shown.filter((task) => task.status !== "done").length;
    const total = next ? `已加载 ${shown.length} 个` : `共 ${shown.length} 个`;
    say($("tasks-status"), shown.length ? `${waiting} 个待处理，${total}` : "没有待办任务");
  }
  $("tasks-more").addEventListener("click", () => loadTasks(true));

  // The task `id`, the pages up to its own loaded, and marked; null when none of the caller's tasks is it.
  async function find(id) {
    await loadTasks();
    for (let pages = 1; next && pages < 10 && !shown.some((task) => task.id === id); pages += 1) await loadTasks(true);
    for (const item of $("tasks").children) item.setAttribute("aria-current", String(item.dataset.task === id));
    return shown.find((task) => task.id === id) || null;
  }

  function taskItem(task) {
    const openIt = el("a", { href: `#/tasks/${encodeURIComponent(task.id)}`, class: "button" }, "打开文章");
    const article = el("a", { href: `#/article/${encodeURIComponent(task.article_id)}` }, task.article_title);
    const state = task.status === "done" ? `已处理（${task.closed_by}）` : "待处理";
    const repeats = task.repeats ? ` · 另有 ${task.repeats} 次同样的反映` : "";
    // A district's wording or unit may be what is wrong: the editor is told which district's answer was read.
    const where = task.district ? ` · 读的是${task.district_name || task.district}的答复` : "";
    const item = el(
      "li",
      { class: "card", "data-task": task.id, "data-status": task.status },
      el("strong", {}, article),
      el("p", {}, task.comment),
      el("p", { class: "meta" }, `${task.flagged_by} · `, el("span", { class: "date" }, when(task.created_at)), `${where} · ${state}${repeats}`),
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
  }

  return { tasks: () => loadTasks(), unanswered: loadUnanswered, find };
}
