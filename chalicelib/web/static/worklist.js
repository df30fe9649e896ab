// The editor console's worklist: the articles of the person's departments, filtered by state, department and 待复审,
// a page at a time, last changed first; 加载更多 appends the next page under the same filters.
import { dropped, el, say } from "./common.js";
import { stateName } from "./history.js";

const $ = (id) => document.getElementById(id);

// call: the console's API helper; open(id): opens an article (through its address); current(): the working copy on
// screen, marked in the list.
export function worklistView(call, open, current) {
  let shown = [];
  let next = null;
  let departmentNames = new Map(); // code -> name, for the department filter

  // A page at a time, last changed first; 加载更多 appends the next page under the same filters.
  async function load(more = false) {
    const params = {
      state: $("filter-state").value,
      department: $("filter-department").value,
      stale: $("filter-stale").checked ? "true" : "",
    };
    if (more && next) params.after = next;
    let page;
    try {
      // Filters changed since: the older list is dropped.
      page = await call("worklist", { params, purpose: "worklist", pending: [$("worklist-status"), "正在加载…"] });
    } catch (problem) {
      if (!dropped(problem)) say($("worklist-status"), problem.message, true);
      return;
    }
    const articles = more ? [...shown, ...page.articles] : page.articles;
    shown = articles;
    next = page.next;
    $("worklist-more").hidden = !next;
    for (const article of articles) departmentNames.set(article.department, article.department_name || article.department);
    const select = $("filter-department");
    const chosen = select.value;
    select.replaceChildren(
      el("option", { value: "" }, "全部"),
      ...[...departmentNames]
        .sort((a, b) => a[1].localeCompare(b[1], "zh-CN"))
        .map(([code, name]) => el("option", { value: code, selected: code === chosen }, name)),
    );
    $("worklist").replaceChildren(
      ...articles.map((article) => {
        const button = el(
          "button",
          { type: "button", "data-id": article.id, "aria-current": String(current()?.id === article.id) },
          el("strong", {}, article.title),
          " ",
          el("span", { class: "badge" }, article.archive_request ? "待确认下线" : stateName(article.state)),
          article.stale ? el("span", { class: "badge stale" }, "待复审") : null,
          el("span", { class: "hint" }, ` ${article.id} · ${article.department_name || article.department}`),
        );
        button.addEventListener("click", () => open(article.id));
        return el("li", {}, button);
      }),
    );
    say($("worklist-status"), next ? `已加载 ${articles.length} 篇，还有更多` : `${articles.length} 篇`);
  }
  for (const id of ["filter-state", "filter-department", "filter-stale"]) $(id).addEventListener("change", () => load());
  $("worklist-more").addEventListener("click", () => load(true));

  return {
    load,
    // The article on screen marked in the list (none: null).
    mark(id) {
      for (const button of $("worklist").querySelectorAll("button")) {
        button.setAttribute("aria-current", String(button.dataset.id === id));
      }
    },
    // Signed out: nothing of this person's list stays for the next.
    forget() {
      shown = [];
      next = null;
      departmentNames = new Map();
      $("worklist").replaceChildren();
    },
  };
}
