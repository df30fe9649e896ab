// Review: what changed, word by word, and which workflow buttons the signed-in person may use (and why not).
import { busyWhile, el } from "./common.js";

const $ = (id) => document.getElementById(id);
export const ROLES = { agent: "话务员", editor: "编辑", reviewer: "审核员", admin: "管理员", anonymous: "未登录" };
export const FOUR_EYES = "需由另一位审核员审核（你参与了这次修改）";
export const OWN_REQUEST = "需由另一位审核员确认下线（下线申请是你提出的）";

// The changed lines only, as a table: old and new line numbers, removed words struck through, added ones marked.
// Uses the diff's `changes`; a server without them still has `lines`, shown whole.
export function renderChanges(container, diff) {
  const changes = diff.changes || fromLines(diff.lines || []);
  if (!changes.length) {
    container.replaceChildren(el("p", { class: "same" }, "两个版本内容相同"));
    return;
  }
  const kind = (c) => (c.old_line == null ? "added" : c.new_line == null ? "removed" : "changed");
  const label = { added: "新增", removed: "删除", changed: "修改" };
  container.replaceChildren(
    el(
      "table",
      { class: "changes" },
      el("caption", { class: "sr-only" }, `版本 ${diff.from} 与版本 ${diff.to} 之间改动的行`),
      el(
        "thead",
        {},
        el("tr", {}, el("th", { scope: "col" }, "旧行"), el("th", { scope: "col" }, "新行"), el("th", { scope: "col" }, "内容")),
      ),
      el(
        "tbody",
        {},
        ...changes.map((change) =>
          el(
            "tr",
            { class: kind(change), title: label[kind(change)] },
            el("td", { class: "num" }, change.old_line ?? ""),
            el("td", { class: "num" }, change.new_line ?? ""),
            el(
              "td",
              { class: "text" },
              ...change.segments.map((s) => (s.op === "-" ? el("del", {}, s.text) : s.op === "+" ? el("ins", {}, s.text) : s.text)),
            ),
          ),
        ),
      ),
    ),
  );
}

// Whole-line changes from a line diff, numbered as the server numbers them.
function fromLines(lines) {
  let oldLine = 0;
  let newLine = 0;
  const changes = [];
  for (const line of lines) {
    if (line.op !== "+") oldLine += 1;
    if (line.op !== "-") newLine += 1;
    if (line.op === "-") changes.push({ old_line: oldLine, new_line: null, segments: [{ op: "-", text: line.text }] });
    if (line.op === "+") changes.push({ old_line: null, new_line: newLine, segments: [{ op: "+", text: line.text }] });
  }
  return changes;
}

// The version a reviewer compares the latest with: the published one, or else the one before it.
export function baseVersion(draft) {
  if (draft.published_version && draft.published_version < draft.version) return draft.published_version;
  return draft.version > 1 ? draft.version - 1 : null;
}

function explain(id, reason) {
  $(id).textContent = reason;
  $(id).hidden = !reason;
}

// The action bar: the workflow buttons that apply to the article's state now, shown as the caller's role allows,
// each disabled when not allowed, with the reason beside the ones that are off for a reason the person can act on.
// `me` is /api/me (null while unknown: every role's buttons show, and the server still says no where it must).
export function updateActions(me, draft, dirty) {
  const state = draft?.state;
  const problems = draft?.problems?.length || 0;
  $("save").disabled = !dirty;
  // 提交审核 applies to a draft, and to a change about to become one (a new article, or edits not saved yet).
  $("submit").hidden = Boolean(draft) && state !== "draft" && !dirty;
  $("submit").disabled = !draft || state !== "draft" || dirty || problems > 0;
  explain(
    "submit-why",
    $("submit").hidden ? "" : problems ? `还有 ${problems} 个问题，改完才能提交审核` : $("submit").disabled ? "先保存草稿，再提交审核" : "",
  );

  const reviews = !me || me.role === "reviewer" || me.role === "admin";
  const contributed = Boolean(me && draft?.contributors?.some((c) => c.principal === me.principal));
  // An archive request waits in review like a change: another reviewer confirms it (确认下线) or sends it back.
  const asked = draft?.archive_request;
  const askedByMe = Boolean(me && asked && asked.principal === me.principal);
  $("approve").hidden = Boolean(asked) || state !== "in_review";
  $("approve").disabled = state !== "in_review" || contributed;
  $("confirm-archive").hidden = !asked;
  $("confirm-archive").disabled = !asked || contributed || askedByMe;
  $("reject").hidden = state !== "in_review" && state !== "approved";
  $("reject").disabled = $("reject").hidden || contributed || askedByMe;
  $("review-row").hidden = !reviews || ["approve", "confirm-archive", "reject"].every((id) => $(id).hidden);
  $("publish-row").hidden = !reviews || state !== "approved";
  $("publish").disabled = $("schedule").disabled = state !== "approved" || contributed;
  $("archive").hidden = !draft || state === "archived" || Boolean(asked);
  $("archive").disabled = $("archive").hidden;
  $("withdraw-archive").hidden = !askedByMe;
  const blocked = askedByMe ? OWN_REQUEST : contributed ? FOUR_EYES : "";
  explain("review-why", $("review-row").hidden && $("publish-row").hidden ? "" : blocked);
}

// Keeps the action bar's height in --bar, for what is placed below it while it stays at the top of the screen.
export function pinActionBar() {
  const bar = $("action-bar");
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--bar", `${Math.ceil(bar.getBoundingClientRect().height)}px`);
  }).observe(bar);
}

const IN_REVIEW = new Set(["in_review", "approved", "scheduled"]);

// For a change waiting on review: the lines it changes against the published (or previous) version; for an
// archive request, who asked, when and why.
export async function showChanges(call, draft, stillShown) {
  const box = $("changes-box");
  box.hidden = !IN_REVIEW.has(draft.state);
  if (box.hidden) return;
  const asked = draft.archive_request;
  if (asked) {
    $("changes-title").textContent = "下线申请";
    const at = new Date(asked.at).toLocaleString("zh-CN", { hour12: false });
    $("changes").replaceChildren(
      el("p", {}, `${asked.name} 于 ${at} 申请下线：${asked.reason}`),
      el("p", { class: "hint" }, "确认后文章立即从搜索和常见问题中下线（版本都会保留）；退回则恢复原状。"),
    );
    return;
  }
  const from = baseVersion(draft);
  if (!from) {
    $("changes-title").textContent = "本次修改";
    $("changes").replaceChildren(el("p", { class: "hint" }, "这是新文章的第一个版本，没有旧版本可比较，请看预览。"));
    return;
  }
  const live = from === draft.published_version ? "（线上版本）" : "";
  $("changes-title").textContent = `本次修改：版本 ${from}${live} → 版本 ${draft.version}`;
  $("changes").replaceChildren(el("p", { class: "hint" }, "正在比较…"));
  let diff;
  try {
    diff = await busyWhile(box, call(`articles/${encodeURIComponent(draft.id)}/diff`, { params: { from, to: draft.version } }));
  } catch (problem) {
    if (stillShown()) $("changes").replaceChildren(el("p", { class: "error" }, problem.message));
    return;
  }
  if (stillShown()) renderChanges($("changes"), diff);
}
