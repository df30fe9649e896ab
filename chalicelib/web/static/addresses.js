// The editor console's addresses: every view has one in the URL's hash, the page's own address staying /editor
// (under any stage prefix), so a hash is all that names a view:
//   #/worklist?state=in_review&department=heating-company&stale=1     the worklist and its filters
//   #/tasks   #/tasks/ID   #/unanswered?district=hexi   #/directory   #/directory/CODE   #/mapping
//   #/log?kind=directory&actor=oidc:…                                   管理记录 and its filters (admins)
//   #/report/week/2026-12-07   #/report/day/2026-12-07/hexi           a report: period, date, district
//   #/article/ID   #/article/ID/versions/3   #/article/ID/diff/2..3   #/article/ID/review   #/new
// An article's address may end in the list beside it (?list=tasks, or the worklist's filters); a link to send never
// does. Here the grammar only; places.js follows the addresses.

export const LISTS = ["worklist", "tasks", "unanswered", "directory", "mapping", "log"];
const LIST_NAMES = {
  worklist: "工作列表", tasks: "待办任务", unanswered: "未解答的问题", directory: "派单目录", mapping: "登录映射", log: "管理记录",
};
const PERIODS = { day: "日报", week: "周报", month: "月报" };
const ARTICLE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const filtersOf = (params) => ({
  state: params.get("state") || "",
  department: params.get("department") || "",
  stale: params.get("stale") === "1",
});
const besideOf = (params) => {
  const list = params.get("list");
  return LISTS.includes(list) && list !== "worklist" ? { list } : { list: "worklist", filters: filtersOf(params) };
};

// A hash as a place: {kind: "list" | "report" | "article" | "new" | "unknown", …}.
export function parsePlace(hash) {
  let parts;
  let params;
  try {
    const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    params = new URLSearchParams(query);
  } catch {
    return { kind: "unknown" };
  }
  const [head = "worklist", first, second, third] = parts;
  if (head === "worklist" && !first) return { kind: "list", list: "worklist", filters: filtersOf(params) };
  if (head === "tasks" && parts.length <= 2) return { kind: "list", list: "tasks", task: first || null };
  if (head === "directory" && parts.length <= 2) return { kind: "list", list: "directory", entry: first || null };
  if (head === "mapping" && !first) return { kind: "list", list: head };
  if (head === "unanswered" && !first) return { kind: "list", list: head, filters: { district: params.get("district") || "" } };
  if (head === "log" && !first) {
    return { kind: "list", list: "log", filters: { kind: params.get("kind") || "", actor: params.get("actor") || "" } };
  }
  if (head === "report" && parts.length <= 4 && (!first || first in PERIODS) && (!second || DATE.test(second))) {
    return { kind: "report", period: first || "week", date: second || "", district: third || "" };
  }
  if (head === "new" && !first) return { kind: "new", beside: besideOf(params) };
  if (head === "article" && ARTICLE_ID.test(first || "") && parts.length <= 4) {
    const place = { kind: "article", id: first, beside: besideOf(params) };
    const diff = /^(\d{1,9})\.\.(\d{1,9})$/.exec(third || "");
    if (second === "versions" && /^\d{1,9}$/.test(third || "")) return { ...place, version: Number(third) };
    if (second === "diff" && diff) return { ...place, diff: [Number(diff[1]), Number(diff[2])] };
    if (second === "review" && !third) return { ...place, review: true };
    if (!second) return place;
  }
  return { kind: "unknown" };
}

function besideQuery(beside) {
  if (beside && beside.list !== "worklist") return `?list=${beside.list}`;
  const filters = beside?.filters || {};
  const query = new URLSearchParams();
  if (filters.state) query.set("state", filters.state);
  if (filters.department) query.set("department", filters.department);
  if (filters.stale) query.set("stale", "1");
  return query.size ? `?${query}` : "";
}

// A place as a hash; `bare`: without the list beside an article, as a link to send.
export function placeHash(place, { bare = false } = {}) {
  const part = encodeURIComponent;
  if (place.kind === "report") {
    return `#/report/${place.period}/${place.date}${place.district ? `/${part(place.district)}` : ""}`;
  }
  if (place.kind === "new") return `#/new${bare ? "" : besideQuery(place.beside)}`;
  if (place.kind === "article") {
    const sub = place.version
      ? `/versions/${place.version}`
      : place.diff
        ? `/diff/${place.diff[0]}..${place.diff[1]}`
        : place.review
          ? "/review"
          : "";
    return `#/article/${part(place.id)}${sub}${bare ? "" : besideQuery(place.beside)}`;
  }
  if (place.list === "worklist") return `#/worklist${besideQuery({ list: "worklist", filters: place.filters })}`;
  if (place.list === "log" || place.list === "unanswered") {
    const query = new URLSearchParams(Object.entries(place.filters || {}).filter(([, value]) => value));
    return `#/${place.list}${query.size ? `?${query}` : ""}`;
  }
  const item = place.task || place.entry;
  return `#/${place.list}${item ? `/${part(item)}` : ""}`;
}

// What a place is, in words: 文章 heating-radiator-not-warm 的审核; with the article's title, 文章“暖气不热怎么办”（…）.
export function describe(place, title = "") {
  if (place.kind === "article") {
    const [from, to] = place.diff || [];
    const what = place.version ? `的版本 ${place.version}` : place.diff ? `的版本 ${from} 与版本 ${to} 的比较` : place.review ? "的审核" : "";
    return `${title ? `文章“${title}”（${place.id}）` : `文章 ${place.id} `}${what}`.trim();
  }
  if (place.kind === "new") return "新建文章";
  if (place.kind === "report") return `${PERIODS[place.period]}（${place.date || "今天"}${place.district ? `，${place.district}` : ""}）`;
  if (place.kind !== "list") return "";
  return place.task ? `待办任务 ${place.task}` : place.entry ? `派单目录中的 ${place.entry}` : LIST_NAMES[place.list];
}
