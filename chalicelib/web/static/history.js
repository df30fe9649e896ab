// An article's past: its versions (compare, roll back) and the audit trail of every workflow step.
import { busyWhile, el, say } from "./common.js";
import { noteText } from "./notes.js";
import { renderChanges } from "./review.js";

const $ = (id) => document.getElementById(id);

const STATES = {
  draft: "草稿",
  in_review: "待审核",
  approved: "已通过",
  scheduled: "定时发布",
  published: "已发布",
  archived: "已归档",
};

const ACTIONS = {
  create: "新建",
  save: "保存",
  rollback: "回滚",
  submit: "提交审核",
  approve: "通过",
  reject: "退回",
  publish: "发布",
  schedule: "定时发布",
  archive: "下线（归档）",
  request_archive: "申请下线",
  withdraw_archive: "撤回下线申请",
  reject_archive: "退回下线申请",
  sync: "文件同步",
};

export function when(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "";
}

export const stateName = (state) => (state ? STATES[state] || state : "—");

// call: the console's API helper; current(): the working copy on screen; rollback(version): the console's action;
// visit({version} or {diff: [from, to]}): goes to that view's address (places.js), which shows it here.
export function historyView(call, current, rollback, visit) {
  const path = (id, action) => `articles/${encodeURIComponent(id)}/${action}`;

  async function loadVersions(id) {
    let versions;
    try {
      versions = (await busyWhile($("versions"), call(path(id, "versions")))).versions;
    } catch (problem) {
      if (current()?.id === id) {
        $("versions").replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, problem.message)));
      }
      return;
    }
    if (current()?.id !== id) return; // another article (or a new one) was opened meanwhile
    $("versions").replaceChildren(
      ...versions.map((v) => {
        const read = el("button", { type: "button" }, "查看");
        read.addEventListener("click", () => visit({ version: v.version }));
        const diff = el("button", { type: "button" }, "与当前比较");
        diff.addEventListener("click", () => visit({ diff: [v.version, current().version] }));
        const back = el("button", { type: "button" }, "回滚到此版本");
        back.disabled = v.version === current().version;
        back.addEventListener("click", () => rollback(v.version));
        return el(
          "tr",
          { "data-version": v.version },
          el("td", {}, String(v.version)),
          el("td", {}, v.title),
          el("td", {}, v.author),
          el("td", { class: "date" }, when(v.created_at)),
          el("td", {}, noteText(v.message)),
          el("td", { class: "row" }, read, diff, back),
        );
      }),
    );
  }

  // Who did what to this article, newest first: every step of the workflow is recorded by the service.
  async function loadAudit(id) {
    let entries;
    try {
      entries = (await busyWhile($("audit"), call("audit", { params: { article: id } }))).entries;
    } catch (problem) {
      if (current()?.id === id) $("audit").replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, problem.message)));
      return;
    }
    if (current()?.id !== id) return;
    $("audit").replaceChildren(
      ...entries.map((e) =>
        el(
          "tr",
          {},
          el("td", { class: "date" }, when(e.at)),
          el("td", {}, e.actor),
          el("td", {}, ACTIONS[e.action] || e.action),
          el("td", {}, `${stateName(e.from_state)} → ${stateName(e.to_state)}`),
          el("td", {}, e.version == null ? "" : String(e.version)),
          el("td", {}, noteText(e.comment)),
        ),
      ),
    );
  }

  // The diff of two versions, or one version's whole text, under the history: true once shown, false for no such
  // version, null when it could not be read (said) or another view came meanwhile (`still()` false).
  async function compare(from, to, still = () => true) {
    const id = current().id;
    let result;
    try {
      result = await call(path(id, "diff"), { params: { from, to } });
    } catch (problem) {
      if (problem.status === 404) return false;
      say($("action-status"), problem.message, true);
      return null;
    }
    if (current()?.id !== id || !still()) return null;
    $("diff-title").textContent = `版本 ${result.from} → 版本 ${result.to}`;
    renderChanges($("diff"), result);
    return showDiff();
  }

  async function version(n, still = () => true) {
    const id = current().id;
    let found;
    try {
      found = await call(path(id, `versions/${n}`));
    } catch (problem) {
      if (problem.status === 404) return false;
      say($("action-status"), problem.message, true);
      return null;
    }
    if (current()?.id !== id || !still()) return null;
    const about = [found.author, when(found.created_at), noteText(found.message)].filter(Boolean).join(" · ");
    $("diff-title").textContent = `版本 ${found.version} 全文（${about}）`;
    $("diff").replaceChildren(el("pre", { class: "version-text" }, found.markdown));
    return showDiff();
  }

  function showDiff(on = true) {
    for (const id of ["diff", "diff-title", "copy-diff-link"]) if ($(id)) $(id).hidden = !on;
    return true;
  }

  return {
    load() {
      const draft = current();
      if (!draft) return;
      loadAudit(draft.id);
      loadVersions(draft.id);
    },
    clear() {
      $("versions").replaceChildren();
      $("audit").replaceChildren();
      showDiff(false);
    },
    compare,
    version,
    hide: () => showDiff(false),
  };
}
