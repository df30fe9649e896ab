// The form over an article's front matter and body. The Markdown source (the 源文件 textarea) stays the one
// truth: the form is filled from it, and each change in the form rewrites only its own field there.
import { el } from "./common.js";
import * as frontMatter from "./frontmatter.js";

const $ = (id) => document.getElementById(id);
const MODE = "zhida.editor.mode";
const LIST_NAMES = { questions: "常见问法", keywords: "关键词" };
const AUDIENCES = { public: "公众可见", internal: "仅坐席" };

// onChange() is called after the form wrote into the source textarea.
export function articleForm(source, onChange) {
  const form = $("fields");
  const bodyArea = $("body");
  const controls = [...form.querySelectorAll("[data-field]")].filter((node) => !node.matches("ol"));
  let categories = [];
  let departments = [];
  let directory = []; // every entry of the directory: the districts and the units a district's work may go to

  function write(key, value) {
    const next = frontMatter.setField(source.value, key, value);
    if (next === source.value) return;
    source.value = next;
    onChange();
  }

  // Typed text, once a Chinese input method has committed it (not the pinyin on the way).
  function onText(node, handler) {
    node.addEventListener("input", (event) => event.isComposing || handler());
    node.addEventListener("compositionend", handler);
  }

  for (const control of controls) onText(control, () => write(control.dataset.field, control.value));
  onText(bodyArea, () => {
    const next = frontMatter.setBody(source.value, bodyArea.value);
    if (next === source.value) return;
    source.value = next;
    onChange();
  });
  form.addEventListener("submit", (event) => event.preventDefault()); // Enter in a field saves nothing by itself

  // ---- lists (常见问法, 关键词): one row each, added and removed with buttons or Enter

  function listValues(key) {
    return [...$(`f-${key}`).querySelectorAll("input")].map((input) => input.value);
  }

  function renumber(key) {
    for (const [i, row] of [...$(`f-${key}`).children].entries()) {
      row.querySelector("input").setAttribute("aria-label", `${LIST_NAMES[key]} ${i + 1}`);
      row.querySelector("button").setAttribute("aria-label", `删除${LIST_NAMES[key]} ${i + 1}`);
    }
  }

  function row(key, value) {
    const input = el("input", { type: "text", maxlength: 100, "data-list": key });
    input.value = value;
    const remove = el("button", { type: "button", class: "remove" }, "删除");
    const item = el("li", {}, input, remove);
    onText(input, () => write(key, listValues(key)));
    input.addEventListener("keydown", (event) => {
      // Ctrl+Enter and Ctrl+Shift+Enter are the console's keys (submit, approve): they add no row.
      if (event.key !== "Enter" || event.isComposing || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      addRow(key, item);
    });
    remove.addEventListener("click", () => {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      renumber(key);
      write(key, listValues(key));
      (next ? next.querySelector("input") : form.querySelector(`[data-add="${key}"]`)).focus();
    });
    return item;
  }

  function addRow(key, after = null) {
    const list = $(`f-${key}`);
    const item = row(key, "");
    if (after) after.after(item);
    else list.append(item);
    renumber(key);
    item.querySelector("input").focus();
  }

  for (const button of form.querySelectorAll("[data-add]")) {
    button.addEventListener("click", () => addRow(button.dataset.add));
  }

  // ---- 分区承办单位 (districts): one row a district, a district and the unit its work goes to

  function pairValues(key) {
    return [...$(`f-${key}`).children].map((item) => [...item.querySelectorAll("select")].map((s) => s.value));
  }

  function pairRow(key, [district, department]) {
    const pick = el("select", { "data-pair": "district" });
    const unit = el("select", { "data-pair": "department" });
    options(pick, directory.filter((d) => d.kind === "district" && !d.retired).map(choice), district);
    options(unit, directory.filter((d) => d.kind !== "district" && !d.retired).map(choice), department);
    const remove = el("button", { type: "button", class: "remove" }, "删除");
    const item = el("li", {}, pick, unit, remove);
    for (const select of [pick, unit]) select.addEventListener("change", () => write(key, pairValues(key)));
    remove.addEventListener("click", () => {
      item.remove();
      renumberPairs(key);
      write(key, pairValues(key));
      form.querySelector(`[data-add-pair="${key}"]`).focus();
    });
    return item;
  }

  function renumberPairs(key) {
    for (const [i, item] of [...$(`f-${key}`).children].entries()) {
      const [pick, unit, remove] = item.children;
      pick.setAttribute("aria-label", `第 ${i + 1} 个区`);
      unit.setAttribute("aria-label", `第 ${i + 1} 个区的承办单位`);
      remove.setAttribute("aria-label", `删除第 ${i + 1} 个区`);
    }
  }

  function fillPairs(values) {
    for (const key of frontMatter.MAP_FIELDS) {
      $(`f-${key}`).replaceChildren(...(values[key] || []).map((pair) => pairRow(key, pair)));
      renumberPairs(key);
    }
  }

  for (const button of form.querySelectorAll("[data-add-pair]")) {
    button.addEventListener("click", () => {
      const item = pairRow(button.dataset.addPair, ["", ""]);
      $(`f-${button.dataset.addPair}`).append(item);
      renumberPairs(button.dataset.addPair);
      item.querySelector("select").focus();
    });
  }

  // ---- filling the form from the source

  const choice = (d) => ({ value: d.code, label: `${d.name}（${d.code}）` });

  // A select shows the value the text has, even one the lists do not know (marked so).
  function options(select, choices, value) {
    const known = choices.some((choice) => choice.value === value);
    select.replaceChildren(
      el("option", { value: "" }, "请选择…"),
      ...choices.map((choice) => el("option", { value: choice.value }, choice.label)),
      value && !known ? el("option", { value }, `${value}（不在列表中）`) : null,
    );
    select.value = value;
  }

  function fill() {
    const values = frontMatter.read(source.value);
    fillControls(values);
    for (const key of frontMatter.LIST_FIELDS) {
      $(`f-${key}`).replaceChildren(...(values[key] || []).map((item) => row(key, item)));
      renumber(key);
    }
    fillPairs(values);
    bodyArea.value = values.body;
  }

  // The fields (not the lists and body, which may be being typed in when the choices arrive).
  function fillControls(values, only = null) {
    for (const control of controls) {
      if (only && !only.includes(control.dataset.field)) continue;
      const key = control.dataset.field;
      const value = typeof values[key] === "string" ? values[key] : "";
      if (key === "category") {
        options(control, categories.map((c) => ({ value: c.id, label: c.name })), value);
      } else if (key === "department") {
        options(control, departments.map((d) => ({ value: d.code, label: `${d.name}（${d.code}）` })), value);
      } else if (key === "audience") {
        options(control, Object.entries(AUDIENCES).map(([v, label]) => ({ value: v, label })), value);
      } else {
        control.value = value; // a date input shows nothing for a date it cannot read; the text keeps it
      }
    }
  }

  // ---- the two views: the form, or the whole source

  function show(mode) {
    const isSource = mode === "source";
    $("form-pane").hidden = isSource;
    $("source-pane").hidden = !isSource;
    $("mode-form").setAttribute("aria-pressed", String(!isSource));
    $("mode-source").setAttribute("aria-pressed", String(isSource));
    if (!isSource) fill();
    try {
      localStorage.setItem(MODE, mode);
    } catch {
      // not kept: the form comes back next time
    }
  }
  $("mode-form").addEventListener("click", () => show("form"));
  $("mode-source").addEventListener("click", () => show("source"));
  try {
    show(localStorage.getItem(MODE) === "source" ? "source" : "form");
  } catch {
    show("form");
  }

  // Puts the cursor where a source line (as lint names it) is in the form; false when the form has no place for it.
  function focusLine(line) {
    if ($("form-pane").hidden) return false;
    const place = frontMatter.locate(source.value, line);
    if (place.body) {
      const lines = bodyArea.value.split("\n");
      const start = lines.slice(0, place.body - 1).reduce((sum, text) => sum + text.length + 1, 0);
      bodyArea.focus();
      bodyArea.setSelectionRange(start, start + (lines[place.body - 1] || "").length);
      return true;
    }
    if (!place.field) return false;
    if (frontMatter.MAP_FIELDS.has(place.field)) {
      const rows = $(`f-${place.field}`).children;
      const target = rows[Math.max(0, Math.min(place.item, rows.length - 1))];
      (target ? target.querySelector("select") : form.querySelector(`[data-add-pair="${place.field}"]`)).focus();
      return true;
    }
    if (frontMatter.LIST_FIELDS.has(place.field)) {
      const inputs = $(`f-${place.field}`).querySelectorAll("input");
      const target = inputs[Math.max(0, Math.min(place.item, inputs.length - 1))];
      (target || form.querySelector(`[data-add="${place.field}"]`)).focus();
      return true;
    }
    const control = $(`f-${place.field}`);
    if (!control) return false;
    control.focus();
    return true;
  }

  return {
    fill,
    focusLine,
    showSource: () => show("source"),
    // An article's id is fixed once it exists; a new one gets it typed here.
    lockId(locked) {
      $("f-id").readOnly = locked;
    },
    setChoices(lists) {
      if (lists.categories) categories = lists.categories;
      if (lists.departments) departments = lists.departments;
      if (lists.directory) directory = lists.directory;
      const values = frontMatter.read(source.value);
      fillControls(values, ["category", "department"]);
      if (lists.directory) fillPairs(values);
    },
  };
}
