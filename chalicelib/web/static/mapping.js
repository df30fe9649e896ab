// The claim mapping (登录映射), for admins: which of the identity provider's claims (a group, a role) make a person
// an agent, editor, reviewer or admin, and for which departments. GET/PUT /api/sign-in/mapping, naming the
// revision read (If-Match), so two admins never overwrite each other unknowingly.
import { el, say } from "./common.js";

const $ = (id) => document.getElementById(id);
const ROLE_NAMES = { agent: "话务员", editor: "编辑", reviewer: "审核员", admin: "管理员" };

export function mappingView(call) {
  const rows = $("mapping-rules");
  const status = $("mapping-status");
  let revision = null;

  function row(rule = { claim: "groups", value: "", role: "agent", departments: [] }) {
    const role = el("select", { "aria-label": "角色" }, ...Object.entries(ROLE_NAMES).map(([value, name]) => el("option", { value }, name)));
    role.value = rule.role;
    const remove = el("button", { type: "button" }, "删除");
    const line = el(
      "tr",
      {},
      el("td", {}, el("input", { "aria-label": "声明", value: rule.claim, maxlength: "100", spellcheck: "false" })),
      el("td", {}, el("input", { "aria-label": "取值", value: rule.value, maxlength: "200", spellcheck: "false" })),
      el("td", {}, role),
      el("td", {}, el("input", { "aria-label": "单位编码", value: rule.departments.join(" "), spellcheck: "false", placeholder: "编码，空格分隔；* 为全部（仅管理员）" })),
      el("td", {}, remove),
    );
    remove.addEventListener("click", () => line.remove());
    return line;
  }

  async function load() {
    say(status, "正在加载…");
    try {
      const mapping = await call("sign-in/mapping");
      revision = mapping.revision;
      rows.replaceChildren(...mapping.rules.map(row));
      const by = mapping.changed_by ? `，最后修改：${mapping.changed_by}` : "";
      say(status, `共 ${mapping.rules.length} 条规则（修订 ${mapping.revision}${by}）`);
    } catch (problem) {
      say(status, problem.message, true);
    }
  }

  $("mapping-add").addEventListener("click", () => {
    rows.append(row());
    rows.lastElementChild.querySelector("input").focus();
  });

  $("mapping-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const rules = [...rows.children].map((line) => {
      const [claim, value, departments] = line.querySelectorAll("input");
      return {
        claim: claim.value.trim(),
        value: value.value.trim(),
        role: line.querySelector("select").value,
        departments: departments.value.split(/[\s,，]+/).filter(Boolean),
      };
    });
    say(status, "正在保存…");
    try {
      const saved = await call("sign-in/mapping", { method: "PUT", body: { rules }, ifMatch: revision });
      revision = saved.revision;
      say(status, `已保存（修订 ${saved.revision}）：下次请求起生效`);
    } catch (problem) {
      say(status, problem.message, true);
    }
  });

  return { load };
}
