// The agent console's card of one article: the 标准答复 to read out, the 一次性告知 (folded to fit the screen),
// the 派单 line from the directory, and the rest below. agent.js decides which article, and whether it is the
// system's answer or the agent's own choice.
import { el, plainLines, say } from "./common.js";

const $ = (id) => document.getElementById(id);

// chosen: opened by the agent, not the system's answer; moment: the as_of time the article was read at (a past
// answer is for checking, never to copy and read out).
export function renderCard(article, { chosen, moment }) {
  $("detail").hidden = false;
  $("copy").hidden = Boolean(moment);
  $("detail-title").textContent = article.title;
  $("own-choice").hidden = !chosen;
  const sections = article.sections || {};
  $("answer").textContent = plainLines(sections["标准答复"]).map((line) => line.text).join("\n");
  // With the caller's district: whether 标准答复 and 一次性告知 carry that district's own text, or the city's.
  const district = article.district;
  $("wording").hidden = !district;
  $("wording").className = article.wording_scope === "district" ? "scope" : "scope city";
  $("wording").textContent = !district ? "" : article.wording_scope === "district" ? `${district.name}口径` : "全市通用口径";
  const checklist = plainLines(sections["一次性告知"]);
  $("checklist").replaceChildren(
    ...checklist.map((line, i) =>
      el("li", {}, el("label", { for: "tell-" + i }, el("input", { type: "checkbox", id: "tell-" + i }), line.text)),
    ),
  );
  fold(true);
  renderDispatch(article);
  const notes = plainLines(sections["内部提示"]);
  $("notes-card").hidden = !notes.length;
  $("notes").replaceChildren(...notes.map((line) => el("p", {}, (line.item ? "• " : "") + line.text)));
  // ArticleView.html is rendered on the server by markdown-it with raw HTML disabled: the one trusted HTML.
  $("fulltext").innerHTML = article.html;
  say($("copy-status"), "");
  say($("flag-status"), "");
}

// A long 一次性告知 shows its first lines, so that the answer, the list and the 派单 line fit on one screen: folded,
// the list ends where the screen does (with room for the toggle below it), and shows three lines at least.
const FOLD_ROOM_PX = 56;
function fold(folded) {
  const list = $("checklist");
  const line = parseFloat(getComputedStyle(list).lineHeight) || 24;
  const bottom = window.innerHeight - FOLD_ROOM_PX - (list.getBoundingClientRect().top + window.scrollY);
  list.style.setProperty("--fold", `${Math.max(bottom, 3 * line)}px`);
  list.classList.add("folded");
  const long = list.scrollHeight > list.clientHeight + 1;
  list.classList.toggle("folded", folded && long);
  $("unfold").hidden = !long;
  $("unfold").textContent = folded ? "展开全部（快捷键 F2）" : "收起（快捷键 F2）";
  $("unfold").setAttribute("aria-expanded", String(long && !folded));
}

const unfolded = () => $("unfold").getAttribute("aria-expanded") === "true";
// F2 (the agent's one key for it) or the button.
export function toggleFold() {
  if (!$("detail").hidden && !$("unfold").hidden) fold(unfolded());
}
$("unfold").addEventListener("click", toggleFold);
window.addEventListener("resize", () => {
  if (!$("detail").hidden) fold(!unfolded());
});

// Where the work order goes: the department's directory record only. The article's own phone is a number for
// citizens' questions (咨询电话), never where a work order goes, so it is shown apart, as what it is.
function renderDispatch(article) {
  const to = article.dispatch || {};
  const phone = to.phone
    ? [" · 电话 ", el("strong", { id: "phone" }, to.phone)]
    : [el("span", { class: "unlisted" }, " · 电话未登记")];
  // With the caller's district: whether the unit is the district's own or the city's (none set up for it).
  const own = article.dispatch_scope === "district";
  const scope = article.district && el("span", { id: "dispatch-scope", class: own ? "scope" : "scope city" },
    own ? "（本区）" : "（市级，未设本区单位）");
  $("dispatch").replaceChildren(
    "派单：",
    el("strong", { id: "department" }, to.name || article.department_name || article.department),
    scope || "",
    ...phone,
    to.hours ? ` · ${to.hours}` : "",
  );
  $("dispatch-handles").textContent = to.handles ? `受理范围：${to.handles}` : "";
  $("dispatch-handles").hidden = !to.handles;
  $("consult-phone").textContent = article.phone || "";
  $("consult").hidden = !article.phone;
}

export async function copyAnswer() {
  const text = $("answer").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Older browsers or a denied permission: copy through a selection instead, and give the focus back.
    const focused = document.activeElement;
    const area = el("textarea", { class: "sr-only", readonly: true }, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    focused?.focus({ preventScroll: true });
  }
  say($("copy-status"), "已复制");
}
