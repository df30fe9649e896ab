// The editor console's places: opening a view gives it an address (addresses.js) and a history entry, a refinement
// (a filter, the report's period) replaces the entry; Back, Forward, a reload or a link sent by someone else open
// the view the address names, asking first when unsaved text would go, and explaining a view the person may not see.
import { describe, parsePlace, placeHash } from "./addresses.js";
import { dropped, el, say } from "./common.js";
import { ROLES } from "./review.js";

const $ = (id) => document.getElementById(id);

// The views that take the console's whole width: the article being edited stays as it is, out of sight, and comes
// back when its address is opened again.
const wide = (place) => place?.kind === "report" || (place?.kind === "list" && ["directory", "log"].includes(place.list));
// The views only admins may open, and what a person who is not one is told instead.
const ADMINS_ONLY = {
  mapping: "登录映射只有管理员可以查看和修改",
  log: "管理记录（派单目录、密钥和登录映射的修改）只有管理员可以查看",
};

// desk: what the console does (editor.js): list(name) shows a list's box, load(name, wanted) loads it; open(id,
// still) opens an article unless still() is false when it arrives (throws when it cannot), write(question) starts a
// new one, close() puts it away; current() is the working copy (null for a new article), isOpen() whether an article
// is on screen, mayLeave() asks before unsaved text goes; past: the history (compare, version, hide); findTask(id),
// reveal(code); me(); call: the API helper; today(): the report's default date.
export function consolePlaces(desk) {
  const note = el("p", { id: "place-note", class: "hotline surge", role: "alert", hidden: true });
  $("surge").after(note);
  const wanted = el("p", { id: "place-wanted", class: "hint" });
  $("signin").append(wanted);

  let started = false;
  let shown = null; // the place on screen
  let current = ""; // its hash as the address bar holds it
  let at = 0; // this history entry's number (history.state.n), to undo a move the person took back
  let showing = 0; // the newest show(): an older one stops at its next step
  let loadedList = ""; // the list (and filters) last loaded
  let appliedSub = ""; // the article sub-view last shown (a version, a diff)

  const tell = (text) => {
    note.textContent = text;
    note.hidden = !text;
  };

  const filtersNow = () => ({
    state: $("filter-state").value,
    department: $("filter-department").value,
    stale: $("filter-stale").checked,
  });
  function setFilters(filters = {}) {
    const select = $("filter-department");
    if (filters.department && ![...select.options].some((o) => o.value === filters.department)) {
      select.append(el("option", { value: filters.department }, filters.department));
    }
    select.value = filters.department || "";
    $("filter-state").value = filters.state || "";
    $("filter-stale").checked = Boolean(filters.stale);
  }
  const besideNow = () => {
    const list = ["tasks", "unanswered", "mapping"].find((name) => !$(`${name}-box`).hidden) || "worklist";
    return list === "worklist" ? { list, filters: filtersNow() } : { list };
  };
  const reportNow = () => ({
    kind: "report",
    period: $("report-period").value,
    date: $("report-date").value || desk.today(),
    district: $("report-district").value,
  });
  // The article on screen as a place (its sub-view kept when it is the place shown).
  function articleNow(beside) {
    const copy = desk.current();
    if (shown && (shown.kind === "new" ? !copy : shown.kind === "article" && shown.id === copy?.id)) return { ...shown, beside };
    return copy ? { kind: "article", id: copy.id, beside } : { kind: "new", beside };
  }

  function record(place, replace) {
    const hash = placeHash(place);
    if (replace || hash === location.hash) history.replaceState({ n: at }, "", hash);
    else history.pushState({ n: (at += 1) }, "", hash);
    current = location.hash;
    shown = place;
  }

  // Whether going to `place` would take the text on screen away (then the person is asked first).
  function leaves(place, question) {
    if (!desk.isOpen() || wide(place)) return false;
    if (place.kind === "list") return true;
    if (place.kind === "new") return desk.current() !== null || question !== undefined;
    return desk.current()?.id !== place.id;
  }

  // Opens `place` and gives it an address: a new history entry, or in place of this one (`replace`).
  function go(place, { replace = false, question } = {}) {
    if (!started) return false;
    if (leaves(place, question) && !desk.mayLeave()) return false;
    record(place, replace);
    show(place, question);
    return true;
  }

  // Back, Forward, a link followed or an address typed: the view it names, unless the person keeps their text.
  function moved() {
    if (!started || location.hash === current) return;
    const place = parsePlace(location.hash);
    const n = history.state?.n;
    if (leaves(place) && !desk.mayLeave()) {
      if (typeof n === "number" && n !== at) history.go(at - n);
      else history.replaceState({ n: at }, "", location.pathname + location.search + current);
      return;
    }
    if (typeof n === "number") at = n;
    else history.replaceState({ n: (at += 1) }, "", location.hash);
    current = location.hash;
    shown = place;
    show(place);
  }
  // popstate alone: it comes for Back and Forward and for a fragment followed or typed as well; the hashchange after it
  // would come once the person had been asked, and ask again.
  window.addEventListener("popstate", moved);

  async function showList(spec, reload) {
    if (spec.list === "worklist") setFilters(spec.filters);
    const key = JSON.stringify(spec);
    const visible = !$(`${spec.list}-box`).hidden;
    desk.list(spec.list);
    if (reload || !visible || key !== loadedList) {
      loadedList = key;
      await desk.load(spec.list, spec.filters);
    }
  }

  async function show(place, question) {
    const mine = (showing += 1);
    const still = () => mine === showing && started;
    tell("");
    if (place.kind === "unknown") {
      tell("无法识别这个链接（可能复制得不完整），已打开工作列表。");
      place = { kind: "list", list: "worklist", filters: {} };
      record(place, true);
    }
    if (place.kind === "list" && ADMINS_ONLY[place.list] && desk.me()?.role !== "admin") {
      tell(`${ADMINS_ONLY[place.list]}，已打开工作列表。`);
      place = { kind: "list", list: "worklist", filters: {} };
      record(place, true);
    }
    if (place.kind === "report") return showReport(place, still);
    if (place.kind === "list") {
      if (desk.isOpen() && !wide(place)) desk.close();
      appliedSub = "";
      if (place.task) return showTask(place, still); // it loads the tasks, as many pages as it takes
      await showList({ list: place.list, filters: place.filters }, true); // the worklist's or the log's filters
      if (still() && place.entry) reveal(place.entry);
      return;
    }
    await showList(place.beside || { list: "worklist", filters: {} });
    if (!still()) return;
    if (place.kind === "new") {
      if (question !== undefined || !desk.isOpen() || desk.current()) desk.write(question || "");
      appliedSub = "";
      return;
    }
    await showArticle(place, still);
  }

  async function showArticle(place, still) {
    if (!desk.isOpen() || desk.current()?.id !== place.id) {
      appliedSub = "";
      try {
        await desk.open(place.id, still);
      } catch (problem) {
        if (dropped(problem) || !still()) return;
        desk.close();
        const why = await refusal(problem, place.id);
        if (still()) tell(why);
        return;
      }
      if (!still()) return;
    }
    const sub = JSON.stringify([place.version, place.diff]);
    if (sub !== appliedSub) {
      appliedSub = sub;
      const ok = place.version ? await desk.past.version(place.version, still) : place.diff ? await desk.past.compare(...place.diff, still) : true;
      if (!place.version && !place.diff) desk.past.hide();
      if (!still()) return;
      if (ok === false) tell(`这篇文章没有${place.version ? `版本 ${place.version}` : `版本 ${place.diff.join(" 或版本 ")}`}。`);
      else if (ok && (place.version || place.diff)) $("diff-title").scrollIntoView({ block: "start" });
    }
    if (place.review) {
      const box = $("changes-box");
      if (box.hidden) tell("这篇文章现在没有等待审核的修改，下面是它的工作稿。");
      else box.scrollIntoView({ block: "start" });
    }
  }

  // The task's place in the list, marked, and its article beside it.
  async function showTask(place, still) {
    desk.list("tasks");
    loadedList = JSON.stringify({ list: "tasks" });
    const task = await desk.findTask(place.task);
    if (!still()) return;
    if (!task) {
      tell("没有找到这个任务：待办任务只列出您所属单位的任务，它可能属于别的单位，或链接不完整。");
      return;
    }
    $("tasks").querySelector(`[data-task="${CSS.escape(task.id)}"]`)?.scrollIntoView({ block: "nearest" });
    await showArticle({ kind: "article", id: task.article_id }, still);
  }

  // A directory entry: its row shown (its group unfolded, the filter cleared if it hid it) and marked.
  function reveal(code) {
    const row = desk.reveal(code);
    for (const marked of $("directory").querySelectorAll("[aria-current]")) marked.removeAttribute("aria-current");
    if (!row) return tell(`派单目录里没有编码为“${code}”的单位。`);
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "center" });
  }

  async function showReport(place, still) {
    desk.list("report");
    await desk.load("report", place);
    if (!still()) return;
    const now = reportNow();
    if (place.district && now.district !== place.district) tell(`报表没有“${place.district}”这个区，显示的是全市的报表。`);
    if (placeHash(now) !== current) record(now, true); // today's date filled in, an unknown district dropped
  }

  // Why an article's address does not open, in words a person can act on.
  async function refusal(problem, id) {
    if (problem.status === 404) return `没有找到编号为“${id}”的文章：链接可能不完整，或这篇文章还没有建立。`;
    if (problem.status !== 403) return `文章 ${id} 打开失败：${problem.message}`;
    let article = null;
    try {
      article = await desk.call(`articles/${encodeURIComponent(id)}`); // the published article, as agents read it
    } catch {
      article = null;
    }
    if (!article) return "这篇文章不属于您所属的单位，您无权查看。请联系把链接发给您的人，或请管理员为您的账号加上相应的单位。";
    const unit = article.department_name || article.department;
    return (
      `这篇文章（“${article.title}”）属于${unit}，您所属的单位无权查看。` +
      `请联系${unit}的编辑或审核员；如果这篇文章应由您的单位负责，请管理员为您的账号加上这个单位。`
    );
  }

  // Signed in, but not as someone the console is for (an agent, a person no role is mapped to): the link explained.
  async function explainRole(place) {
    let me = null;
    let title = "";
    try {
      me = await desk.call("me");
      if (place.kind === "article") title = (await desk.call(`articles/${encodeURIComponent(place.id)}`)).title;
    } catch {
      // said without the person's role or the article's title
    }
    if (started) return;
    const what = describe(place, title);
    const who = me ? `您登录的身份是${ROLES[me.role] || me.role}（${me.name}），无权打开` : "您登录的账号没有编辑台的权限";
    const next =
      place.kind === "article"
        ? "请把链接转给这篇文章承办单位的编辑或审核员；话务员可以在话务台查看这篇文章的答复。"
        : "请把链接转给编辑或审核员。";
    wanted.textContent = `这是编辑台的链接：${what}。编辑台只对编辑、审核员和管理员开放，${who}。${next}`;
  }

  function copy(place) {
    const url = new URL(location.href);
    url.search = "";
    url.hash = placeHash(place, { bare: true });
    const status = $("action-status");
    navigator.clipboard
      .writeText(url.href)
      .then(() => say(status, `已复制链接：${url.href}`))
      .catch(() => say(status, `请复制这个链接：${url.href}`));
  }
  const copied = (id, place) => $(id)?.addEventListener("click", () => (desk.current() ? copy(place()) : say($("action-status"), "新文章保存后才有链接。")));
  copied("copy-link", () => ({ kind: "article", id: desk.current().id }));
  copied("copy-review-link", () => ({ kind: "article", id: desk.current().id, review: true }));
  copied("copy-diff-link", () => articleNow());

  // A link inside the console (a task's, say) is followed here, so that unsaved text is asked about first; a link
  // opened in a new tab or copied is left to the browser.
  $("desk").addEventListener("click", (event) => {
    const link = event.target.closest?.('a[href^="#/"]');
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const href = link.getAttribute("href");
    const place = parsePlace(href);
    if ((place.kind === "article" || place.kind === "new") && !href.includes("?")) place.beside = besideNow();
    go(place);
  });

  // Refinements of the view on screen replace its address: the worklist's, the log's and the gaps' filters, the report's
  // period, date, district.
  function refine() {
    if (!started || !shown) return;
    if (shown.kind === "report") return record(reportNow(), true);
    if (shown.list === "log") return record({ kind: "list", list: "log", filters: logNow() }, true);
    if (shown.kind === "list" && shown.list === "unanswered") {
      return record({ kind: "list", list: "unanswered", filters: { district: $("unanswered-district").value } }, true);
    }
    if (wide(shown)) return;
    const beside = besideNow();
    if (beside.list !== "worklist") return;
    loadedList = JSON.stringify(beside);
    record(shown.kind === "list" ? { kind: "list", list: "worklist", filters: beside.filters } : articleNow(beside), true);
  }
  const logNow = () => ({ kind: $("log-kind").value, actor: $("log-actor").value });
  const refined = ["filter-state", "filter-department", "filter-stale", "report-period", "report-date", "report-district"];
  for (const id of [...refined, "log-kind", "log-actor", "unanswered-district"]) {
    $(id).addEventListener("change", refine);
  }

  return {
    // Signed in: the view the address names (the worklist for none).
    start() {
      started = true;
      wanted.textContent = "";
      at = typeof history.state?.n === "number" ? history.state.n : 0;
      history.replaceState({ n: at }, "", location.href);
      current = location.hash;
      shown = parsePlace(location.hash);
      show(shown);
    },
    // Signed out; `refused`: the sign-in's 403 (signed in as someone without a role here).
    stop(refused = null) {
      started = false;
      shown = null;
      loadedList = appliedSub = "";
      tell("");
      const place = parsePlace(location.hash);
      const named = location.hash.length > 2 && place.kind !== "unknown";
      wanted.textContent = named ? `登录后将打开：${describe(place)}` : "";
      if (named && refused?.status === 403) explainRole(place);
    },
    // Signing out on purpose: the next person starts at the worklist.
    forget: () => history.replaceState(null, "", location.pathname + location.search),
    open: (id) => go({ kind: "article", id, beside: besideNow() }),
    write: (question) => go({ kind: "new", beside: besideNow() }, { question }),
    visit: (sub) => go({ ...articleNow(besideNow()), version: undefined, diff: undefined, review: undefined, ...sub }),
    // A list's button: with an article open, the list beside it (the address keeps the article); else its own view.
    list(name) {
      if (name === "report") return go(reportNow());
      const beside = name === "worklist" ? { list: name, filters: filtersNow() } : { list: name };
      if (!desk.isOpen() || wide({ kind: "list", ...beside })) return go({ kind: "list", ...beside });
      return go(articleNow(beside), { replace: !wide(shown) }); // from the report or directory, the article comes back
    },
    // The article on screen is `id` now (a new one saved, say): the address follows.
    showing(id) {
      if (!started || !shown || wide(shown) || shown.task) return;
      if (shown.kind !== "article" || shown.id !== id) record({ kind: "article", id, beside: shown.beside || besideNow() }, true);
    },
  };
}
