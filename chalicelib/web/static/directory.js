// The department directory (派单目录): who handles what, their phone and hours. Everyone in the editor console
// reads it; admins add and change departments (PUT /api/departments/{code}).
import { el, say } from "./common.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["name", "phone", "hours", "address", "handles", "parent"];
// What agents see at dispatch for a unit without a phone (the same words as `kb lint`): nobody guesses a number.
const NO_PHONE = "电话未登记";

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

// call: the console's API helper; isAdmin(): whether the signed-in caller may edit; changed(list): after any load.
export function directoryView(call, isAdmin, changed) {
  const form = $("department-form");
  const status = $("directory-status");
  let departments = [];

  async function load() {
    say(status, "正在加载…");
    try {
      departments = (await call("departments")).departments;
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
    const missing = departments.filter((d) => !d.phone).length;
    return `${departments.length} 个单位${isAdmin() && missing ? `，其中 ${missing} 个${NO_PHONE}` : ""}`;
  }

  const nameOf = (code) => departments.find((d) => d.code === code)?.name || code;

  function render() {
    $("directory-add").hidden = !isAdmin();
    $("directory-note").textContent = isAdmin()
      ? "话务员派单时看到的就是这里的电话和办公时间；改动立即生效。"
      : "话务员派单时看到的就是这里的电话和办公时间；只有管理员可以修改。";
    $("directory").replaceChildren(
      ...departments.map((d) => {
        const facts = [
          d.phone ? `电话 ${d.phone}` : "",
          d.hours || "",
          d.address || "",
          d.parent ? `上级：${nameOf(d.parent)}` : "",
        ].filter(Boolean);
        const item = el(
          "li",
          { class: "card", "data-code": d.code },
          el("strong", {}, d.name),
          " ",
          el("span", { class: "badge" }, d.code),
          ...(d.phone ? [] : [" ", el("span", { class: "badge stale no-phone" }, NO_PHONE)]),
          facts.length ? el("p", { class: "meta" }, facts.join(" · ")) : null,
          d.handles ? el("p", {}, `受理：${d.handles}`) : null,
        );
        if (isAdmin()) {
          const edit = el("button", { type: "button", "aria-label": `编辑 ${d.name}` }, "编辑");
          edit.addEventListener("click", () => open(d));
          item.append(edit);
        }
        return item;
      }),
    );
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
        .filter((d) => d.code !== department?.code)
        .map((d) => el("option", { value: d.code }, `${d.name}（${d.code}）`)),
    );
    $("d-parent").value = department?.parent || "";
    say($("department-status"), "");
    (department ? $("d-name") : $("d-code")).focus();
  }

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
    // The reply is the record as saved; a fresh read may lag it by the service's refresh (about a second).
    departments = [...departments.filter((d) => d.code !== saved.code), saved].sort((a, b) => (a.code < b.code ? -1 : 1));
    render();
    changed(departments);
    say(status, `已保存：${saved.name}（${saved.code}）`);
    $("directory").querySelector(`[data-code="${CSS.escape(saved.code)}"] button`)?.focus();
  });

  return { load, list: () => departments };
}
