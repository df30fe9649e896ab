// An article's past: its versions (compare, roll back) and the audit trail of every workflow step.
import { el, say } from "./common.js";
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

// call: the console's API helper; current(): the working copy on screen; rollback(version): the console's action.
export function historyView(call, current, rollback) {
  const path = (id, action) => `articles/${encodeURIComponent(id)}/${action}`;

  async function loadVersions(id) {
    let versions;
    try {
      versions = (await call(path(id, "versions"))).versions;
    } catch (problem) {
      if (current()?.id === id) {
        $("versions").replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, problem.message)));
      }
      return;
    }
    if (current()?.id !== id) return; // another article (or a new one) was opened meanwhile
    $("versions").replaceChildren(
      ...versions.map((v) => {
        const diff = el("button", { type: "button" }, "与当前比较");
        diff.addEventListener("click", () => compare(v.version, current().version));
        const back = el("button", { type: "button" }, "回滚到此版本");
        back.disabled = v.version === current().version;
        back.addEventListener("click", () => rollback(v.version));
        return el(
          "tr",
          {},
          el("td", {}, String(v.version)),
          el("td", {}, v.title),
          el("td", {}, v.author),
          el("td", {}, when(v.created_at)),
          el("td", {}, v.message || ""),
          el("td", { class: "row" }, diff, back),
        );
      }),
    );
  }

  // Who did what to this article, newest first: every step of the workflow is recorded by the service.
  async function loadAudit(id) {
    let entries;
    try {
      entries = (await call("audit", { params: { article: id } })).entries;
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
          el("td", {}, when(e.at)),
          el("td", {}, e.actor),
          el("td", {}, ACTIONS[e.action] || e.action),
          el("td", {}, `${stateName(e.from_state)} → ${stateName(e.to_state)}`),
          el("td", {}, e.version == null ? "" : String(e.version)),
          el("td", {}, e.comment || ""),
        ),
      ),
    );
  }

  async function compare(from, to) {
    const id = current().id;
    let result;
    try {
      result = await call(path(id, "diff"), { params: { from, to } });
    } catch (problem) {
      say($("action-status"), problem.message, true);
      return;
    }
    if (current()?.id !== id) return;
    $("diff-title").textContent = `版本 ${result.from} → 版本 ${result.to}`;
    renderChanges($("diff"), result);
    $("diff").hidden = $("diff-title").hidden = false;
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
      $("diff").hidden = $("diff-title").hidden = true;
    },
  };
}
