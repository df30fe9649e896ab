// The editor's check of the text on screen: line numbers beside it with the lines that have lint problems marked, the
// problems and notices as buttons that go to their line, and the server's preview of it.
import { debounce, dropped, el, say } from "./common.js";

const $ = (id) => document.getElementById(id);

// call: the console's API helper; textarea: the Markdown source; form: the article form (focusLine, showSource);
// status: where a failed preview is said.
export function textCheck(call, textarea, form, status) {
  // Line numbers beside the text, the lines with lint problems marked, so a problem is seen where it is.
  function drawGutter(problems) {
    const bad = new Map(problems.map((p) => [p.line, p.message]));
    const count = textarea.value.split("\n").length;
    const lines = [];
    for (let n = 1; n <= count; n += 1) {
      lines.push(el("span", { class: bad.has(n) ? "bad" : null, title: bad.get(n) || null }, String(n)));
    }
    $("gutter").replaceChildren(...lines);
    $("gutter").scrollTop = textarea.scrollTop;
  }
  textarea.addEventListener("scroll", () => ($("gutter").scrollTop = textarea.scrollTop));

  function lineButtons(items) {
    return items.map((item) => {
      const button = el("button", { type: "button", "data-line": item.line }, `第 ${item.line} 行：${item.message}`);
      button.addEventListener("click", () => goToLine(item.line));
      return el("li", {}, button);
    });
  }

  // Problems are warnings: a draft with them is saved, but goes to review only once they are fixed.
  function showProblems(problems, notices = []) {
    drawGutter(problems);
    $("problems").replaceChildren(...lineButtons(problems));
    if (!problems.length) $("problems").replaceChildren(el("li", { class: "hint" }, "没有发现问题"));
    $("problems-summary").textContent = problems.length
      ? `${problems.length} 个问题：可以先保存草稿，改完才能提交审核。`
      : "";
    $("notices").replaceChildren(...lineButtons(notices));
    $("notices-box").hidden = !notices.length;
  }

  function goToLine(line) {
    if (form.focusLine(line)) return;
    form.showSource();
    const lines = textarea.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
    textarea.scrollTop = Math.max(0, (line - 3) * parseFloat(getComputedStyle(textarea).lineHeight));
  }

  async function preview() {
    const markdown = textarea.value;
    try {
      const result = await call("preview", { method: "POST", body: { markdown }, purpose: "preview" });
      if (markdown !== textarea.value) return; // typed on since: a newer preview follows
      showProblems(result.problems, result.notices || []);
      // The preview HTML is rendered on the server by markdown-it with raw HTML disabled.
      $("preview").innerHTML = result.html;
    } catch (problem) {
      if (!dropped(problem)) say(status, `预览失败：${problem.message}`, true);
    }
  }
  const previewSoon = debounce(preview, 400);

  // Another text on screen: nothing of the last one's check or preview stays until this one's comes back.
  function previewAfresh() {
    drawGutter([]);
    for (const id of ["problems", "notices", "preview"]) $(id).replaceChildren();
    $("problems-summary").textContent = "";
    $("notices-box").hidden = true;
    preview();
  }

  return { showProblems, afresh: previewAfresh, soon: previewSoon, unmark: () => drawGutter([]) };
}
