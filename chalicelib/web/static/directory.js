// The department directory (派单目录): who handles what, their phone and hours. Everyone in the editor console
// reads it; admins add and change departments (PUT /api/departments/{code}). A change to what citizens see (name,
// phone, hours, address) or to the parent waits until another admin approves it (/api/department-proposals);
// admins retire a department nothing names any more (DELETE /api/departments/{code}). The city's districts are
// entries too (kind "district", with the other names callers use); a unit that serves one district names it
// (district), and is where its parent's work goes for that district's callers.
import { el, say } from "./common.js";
import { directoryTable, NO_PHONE } from "./directory-table.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["name", "phone", "hours", "address", "handles", "parent"];
const FIELD_NAMES = {
  name: "名称", phone: "电话", hours: "办公时间", address: "地址", handles: "受理范围", parent: "上级单位",
  kind: "类别", district: "所属区", aliases: "别名",
};
const KINDS = { unit: "单位", district: "区" };
const PENDING = "已提交，等待另一位管理员确认";

// Whether the caller acts for a department: named in their key, or under one that is (by `parent`).
export function covers(me, code, departments) {
  if (!me || me.role === "admin" || (me.departments || []).includes("*")) return true;
  const byCode = new Map(departments.map((d) => [d.code, d]));
  const seen = new Set();
  for (let at = code; at && !seen.has(at); at = byCode.get(at)?.parent) {
    if (me.departments.includes(at)) return true;
    seen.add(at);
  }
  return false;
}

// call: the console's API helper; isAdmin(): whether the signed-in caller may edit; changed(list): after any load;
// whoAmI(): the caller's principal id, so that an admin is offered to approve only what another admin proposed.
export function directoryView(call, isAdmin, changed, whoAmI = () => null) {
  const form = $("department-form");
  const status = $("directory-status");
  const table = directoryTable($("directory"), $("directory-filter"), $("directory-count"));
  let departments = [];
  let proposals = [];

  async function load() {
    say(status, "正在加载…");
    try {
      departments = (await call("departments")).departments;
      proposals = isAdmin() ? (await call("department-proposals")).proposals : [];
    } catch (problem) {
      say(status, problem.message, true);
      return departments;
    }
    render();
    say(status, counted());
    changed(departments);
    return departments;
  }

  // How many units, and (for admins, who can fill them in) how many still lack a phone.
  function counted() {
    const live = departments.filter((d) => !d.retired);
    const missing = live.filter((d) => !d.phone && d.kind !== "district").length;
    const retired = departments.length - live.length;
    return (
      `${live.length} 个单位${isAdmin() && missing ? `，其中 ${missing} 个${NO_PHONE}` : ""}` +
      (retired ? `；已撤销 ${retired} 个` : "")
    );
  }

  const nameOf = (code) => departments.find((d) => d.code === code)?.name || code;
  function shown(field, value) {
    if (!value) return "无";
    if (field === "parent" || field === "district") return nameOf(value);
    return field === "kind" ? KINDS[value] || value : value;
  }
  const districts = () => departments.filter((d) => d.kind === "district" && !d.retired);

  function render() {
    $("directory-add").hidden = !isAdmin();
    $("directory-note").textContent = isAdmin()
      ? "话务员派单时看到的就是这里的电话和办公时间；" +
        "名称、电话、办公时间、地址和上级单位的修改，要另一位管理员确认后才生效。"
      : "话务员派单时看到的就是这里的电话和办公时间；只有管理员可以修改。";
    renderProposals();
    const waiting = new Set(proposals.map((p) => p.code));
    table.show(departments, { waiting: (code) => waiting.has(code), actions: isAdmin() ? actions : null });
  }

  // An admin's buttons on a row: edit, and retire (a retired department has none).
  function actions(d) {
    if (d.retired) return [];
    const edit = el("button", { type: "button", "aria-label": `编辑 ${d.name}` }, "编辑");
    edit.addEventListener("click", () => open(d));
    const retire = el("button", { type: "button", "aria-label": `撤销 ${d.name}` }, "撤销");
    retire.addEventListener("click", () => retireDepartment(d));
    return [edit, " ", retire];
  }

  // Changes waiting for a second admin: approve or reject another's, withdraw one's own.
  function renderProposals() {
    const list = $("proposals");
    $("proposals-title").hidden = list.hidden = !proposals.length;
    list.replaceChildren(
      ...proposals.map((p) => {
        const changes = p.changes.map(
          (c) => `${FIELD_NAMES[c.field] || c.field}：${shown(c.field, c.before)} → ${shown(c.field, c.after)}`,
        );
        const own = p.proposed_by === whoAmI();
        const node = el(
          "li",
          { class: "card", "data-proposal": p.code },
          el("strong", {}, p.name),
          " ",
          el("span", { class: "badge" }, p.code),
          el("p", {}, changes.join("；")),
          el("p", { class: "meta" }, `${p.proposed_by_name} 提出${own ? "（需另一位管理员确认）" : ""}`),
        );
        const buttons = own ? [["撤回", "reject"]] : [["批准", "approve"], ["驳回", "reject"]];
        for (const [label, step] of buttons) {
          const button = el("button", { type: "button", "aria-label": `${label} ${p.name}的修改` }, label);
          button.addEventListener("click", () => settle(p, step, label));
          node.append(button, " ");
        }
        return node;
      }),
    );
  }

  // Approving names the revision read (If-Match): a proposal changed since is refused, and shown again.
  async function settle(proposal, step, label) {
    say(status, `正在${label}…`);
    let reply;
    try {
      reply = await call(`department-proposals/${encodeURIComponent(proposal.code)}/${step}`, {
        method: "POST",
        body: {},
        ifMatch: proposal.revision,
      });
    } catch (problem) {
      say(status, `${label}失败：${problem.message}`, true);
      await reloadProposals();
      return;
    }
    keep(reply);
    await reloadProposals();
    const named = `${reply.name}（${reply.code}）`;
    say(status, step === "approve" ? `已批准，已生效：${named}` : `已${label}：${named}`);
  }

  async function retireDepartment(d) {
    if (!confirm(`撤销“${d.name}”（${d.code}）？撤销后不再用于派单和新文章；旧版本仍显示它的名称。`)) return;
    say(status, "正在撤销…");
    let reply;
    try {
      reply = await call(`departments/${encodeURIComponent(d.code)}`, { method: "DELETE" });
    } catch (problem) {
      say(status, `撤销失败：${problem.message}`, true);
      return;
    }
    keep(reply);
    say(status, `已撤销：${reply.name}（${reply.code}）`);
  }

  async function reloadProposals() {
    try {
      proposals = (await call("department-proposals")).proposals;
    } catch {
      return; // the list stays as it was; the next load reads it again
    }
    render();
  }

  // A department as the service answered it; a fresh read may lag it by the service's refresh (about a second).
  function keep(department) {
    departments = [...departments.filter((d) => d.code !== department.code), department].sort((a, b) =>
      a.code < b.code ? -1 : 1,
    );
    render();
    changed(departments);
  }

  // The form, empty for a new department or holding one to change (its code then stays).
  function open(department = null) {
    form.hidden = false;
    $("department-form-title").textContent = department ? `编辑：${department.name}` : "新增单位";
    $("d-code").value = department?.code || "";
    $("d-code").readOnly = Boolean(department);
    for (const field of FIELDS.filter((f) => f !== "parent")) $(`d-${field}`).value = department?.[field] || "";
    $("d-parent").replaceChildren(
      el("option", { value: "" }, "无"),
      ...departments
        .filter((d) => d.code !== department?.code && !d.retired && d.kind !== "district")
        .map((d) => el("option", { value: d.code }, `${d.name}（${d.code}）`)),
    );
    $("d-parent").value = department?.parent || "";
    $("d-kind").value = department?.kind || "unit";
    $("d-district").replaceChildren(
      el("option", { value: "" }, "无（全市）"),
      ...districts().map((d) => el("option", { value: d.code }, d.name)),
    );
    $("d-district").value = department?.district || "";
    $("d-aliases").value = (department?.aliases || []).join("，");
    showKind();
    say($("department-status"), "");
    (department ? $("d-name") : $("d-code")).focus();
  }

  // A district has other names and serves no district; a unit the other way round.
  function showKind() {
    const district = $("d-kind").value === "district";
    for (const id of ["d-district", "d-district-hint"]) $(id).hidden = district;
    for (const id of ["d-aliases", "d-aliases-hint"]) $(id).hidden = !district;
    form.querySelector('label[for="d-district"]').hidden = district;
    form.querySelector('label[for="d-aliases"]').hidden = !district;
  }

  $("d-kind").addEventListener("change", showKind);
  $("directory-add").addEventListener("click", () => open());
  $("department-cancel").addEventListener("click", () => {
    form.hidden = true;
    $("directory-add").focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("d-code").value.trim();
    const body = {};
    for (const field of FIELDS) body[field] = $(`d-${field}`).value.trim() || null;
    body.kind = $("d-kind").value;
    body.district = body.kind === "district" ? null : $("d-district").value || null;
    body.aliases = body.kind === "district" ? $("d-aliases").value.split(/[,，、\s]+/).filter(Boolean) : [];
    say($("department-status"), "正在保存…");
    let saved;
    try {
      saved = await call(`departments/${encodeURIComponent(code)}`, { method: "PUT", body });
    } catch (problem) {
      say($("department-status"), `保存失败：${problem.message}`, true);
      const field = problem.field && $(`d-${problem.field}`);
      if (field) field.focus();
      return;
    }
    form.hidden = true;
    const { department, pending } = saved;
    if (pending) proposals = [...proposals.filter((p) => p.code !== pending.code), pending];
    keep(department);
    const named = `${department.name}（${department.code}）`;
    say(status, pending ? `${PENDING}：${named}` : `已保存：${named}`);
    table.reveal(department.code)?.querySelector(".actions button")?.focus();
  });

  // reveal(code): an entry's row shown and returned (null for none), for its address #/directory/CODE (places.js).
  return { load, list: () => departments, reveal: (code) => table.reveal(code) };
}
