// The 派单目录 as a table: filter as you type (code, name, alias, district, phone), sort by a column (aria-sort on its
// header), and a city-level department's district units folded under it behind a disclosure with their count. The
// rows are built once per change of the directory; typing, sorting and folding only hide, show and reorder them, so
// the ~160 rows keep up with every keystroke.
import { el } from "./common.js";

// What agents see at dispatch for a unit without a phone (the same words as `kb lint`): nobody guesses a number.
export const NO_PHONE = "电话未登记";
const COLUMNS = [
  ["code", "编码"],
  ["name", "名称"],
  ["parent", "上级单位"],
  ["district", "所属区"],
  ["phone", "电话"],
  ["hours", "办公时间"],
];
const collator = new Intl.Collator("zh-Hans-CN", { numeric: true });
// Compared as typed in any width or case: ＨＥＸＩ, Hexi and hexi are one.
const folded = (text) => text.normalize("NFKC").toLowerCase();

// table: the <table>; filter: the search box; count: where how many match is said.
export function directoryTable(table, filter, count) {
  const body = el("tbody");
  let head = null; // the header row: rebuilt when the actions column comes or goes
  let tops = []; // rows of city-level entries and districts, each with its district units as `children`
  let total = 0;
  let sortBy = "code";
  let ascending = true;
  let placed = ""; // the order the rows are in: reordered only when it changes
  const chosen = new Map(); // code -> whether the person opened (true) or closed (false) its district units

  // departments: the directory; waiting(code): a change waits for a second admin; actions(d): the row's buttons,
  // or null for none (no column then).
  function show(departments, { waiting = () => false, actions = null } = {}) {
    const byCode = new Map(departments.map((d) => [d.code, d]));
    const nameOf = (code) => byCode.get(code)?.name || code;
    const rows = new Map(departments.map((d) => [d.code, rowOf(d, byCode, nameOf, waiting(d.code), actions)]));
    // A district's unit folds under its parent when that is a city-level department; anything else is a row of its own.
    for (const row of rows.values()) {
      const above = row.d.district && rows.get(row.d.parent);
      if (above && !above.d.district && above.d.kind !== "district") {
        above.children.push(row);
        row.tr.classList.add("under");
      } else row.top = true;
    }
    tops = [...rows.values()].filter((row) => row.top);
    for (const row of tops) if (row.children.length) addDisclosure(row);
    total = departments.length;
    head = el("tr", {}, COLUMNS.map(([key, label]) => header(key, label)), actions ? el("th", {}, "操作") : null);
    table.replaceChildren(el("thead", {}, head), body);
    body.replaceChildren(...[...rows.values()].map((row) => row.tr));
    placed = "";
    arrange();
  }

  function rowOf(d, byCode, nameOf, waits, actions) {
    const district = d.kind === "district"; // one of the city's districts: no dispatch unit, so no phone to miss
    const served = d.district ? byCode.get(d.district) : null;
    const key = {
      code: d.code,
      name: d.name,
      parent: d.parent ? nameOf(d.parent) : "",
      district: d.district ? nameOf(d.district) : "",
      phone: d.phone || "",
      hours: d.hours || "",
    };
    const words = [d.code, d.name, d.phone, ...(d.aliases || []), served?.name, ...(served?.aliases || [])];
    const about = [d.aliases?.length ? `别名：${d.aliases.join("、")}` : "", d.address ? `地址：${d.address}` : ""];
    const phone = d.phone
      ? el("span", { class: "phone" }, d.phone)
      : district || d.retired
        ? ""
        : el("span", { class: "badge stale no-phone" }, NO_PHONE);
    const title = el(
      "div",
      { class: "title" },
      el("strong", {}, d.name),
      district ? el("span", { class: "badge" }, "区") : null,
      d.retired ? el("span", { class: "badge stale" }, "已撤销") : null,
      waits ? el("span", { class: "badge" }, "有待确认的修改") : null,
    );
    const name = el(
      "td",
      { class: "name" },
      title,
      about.some(Boolean) ? el("p", { class: "meta" }, about.filter(Boolean).join(" · ")) : null,
      d.handles ? el("details", {}, el("summary", {}, "受理范围"), el("p", {}, `受理：${d.handles}`)) : null,
    );
    const tr = el(
      "tr",
      { class: d.retired ? "retired" : null, "data-code": d.code, id: `dir-${d.code}` },
      el("td", { class: "unit-code" }, d.code),
      name,
      el("td", {}, key.parent),
      el("td", { class: "district" }, key.district),
      el("td", { class: "phone" }, phone),
      el("td", { class: "hours" }, key.hours),
      actions ? el("td", { class: "actions" }, actions(d)) : null,
    );
    return { d, tr, key, title, haystack: folded(words.filter(Boolean).join("\n")), children: [], top: false };
  }

  function addDisclosure(row) {
    row.button = el("button", {
      type: "button",
      class: "fold",
      "aria-expanded": "false",
      "aria-controls": row.children.map((child) => child.tr.id).join(" "),
    });
    row.button.addEventListener("click", () => {
      chosen.set(row.d.code, row.button.getAttribute("aria-expanded") !== "true");
      arrange();
    });
    row.title.append(row.button);
  }

  function header(key, label) {
    const button = el("button", { type: "button", class: "sort" }, label);
    button.addEventListener("click", () => {
      ascending = sortBy === key ? !ascending : true;
      sortBy = key;
      arrange();
    });
    return el("th", { "data-column": key, scope: "col" }, button);
  }

  // Empty cells last in either direction; ties by code, so the order never depends on the last one.
  function order(a, b) {
    const x = a.key[sortBy];
    const y = b.key[sortBy];
    if (!x !== !y) return x ? -1 : 1;
    return (ascending ? 1 : -1) * collator.compare(x, y) || collator.compare(a.d.code, b.d.code);
  }

  function arrange() {
    const terms = folded(filter.value).split(/\s+/).filter(Boolean);
    const matches = (row) => terms.every((term) => row.haystack.includes(term));
    const sorted = [...tops].sort(order).map((row) => [row, [...row.children].sort(order)]);
    let matched = 0;
    for (const [row, children] of sorted) {
      const hits = children.filter(matches);
      const own = matches(row);
      matched += hits.length + (own ? 1 : 0);
      // Typing opens a folded group that holds a match; the person's own choice still stands over that.
      const open = chosen.get(row.d.code) ?? (terms.length > 0 && hits.length > 0);
      row.tr.hidden = !own && !(terms.length && hits.length);
      row.tr.classList.toggle("context", !own); // shown only for the units under it that match
      for (const child of children) child.tr.hidden = row.tr.hidden || !open || !matches(child);
      if (row.button) {
        row.button.setAttribute("aria-expanded", String(open));
        row.button.textContent =
          `${children.length} 个区级单位` + (terms.length && hits.length < children.length ? `（${hits.length} 个符合）` : "");
      }
    }
    const now = `${sortBy} ${ascending}`;
    if (now !== placed) {
      body.append(...sorted.flatMap(([row, children]) => [row.tr, ...children.map((child) => child.tr)]));
      placed = now;
    }
    for (const th of head?.querySelectorAll("th[data-column]") || []) {
      if (th.dataset.column === sortBy) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    count.textContent = terms.length ? (matched ? `符合 ${matched} 个（共 ${total} 个）` : "没有符合的单位") : "";
  }

  // A row made visible: its group opened, and the filter cleared if it hides the row.
  function reveal(code) {
    const row = [...tops, ...tops.flatMap((top) => top.children)].find((r) => r.d.code === code);
    const parent = tops.find((top) => top.children.includes(row));
    if (parent) chosen.set(parent.d.code, true);
    arrange();
    if (row?.tr.hidden) {
      filter.value = "";
      arrange();
    }
    return row?.tr || null;
  }

  filter.addEventListener("input", () => {
    for (const [code, open] of chosen) if (!open) chosen.delete(code); // a group closed by hand opens for a new match
    arrange();
  });
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && filter.value) {
      filter.value = "";
      event.stopPropagation();
      arrange();
    }
  });

  return { show, reveal };
}
