// The editor console's keyboard paths. One table of keys: the handler reads it and the console's help (快捷键) lists
// it, so the two cannot drift apart. A key presses the button it stands for, so it does just what a click does; when
// that button does not apply now, or is not allowed, the key says why instead.
import { el, say } from "./common.js";

const $ = (id) => document.getElementById(id);
const MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

// Ctrl on a PC, ⌘ on a Mac; Alt is never part of it (AltGr is Ctrl+Alt on some keyboards).
const command = (event) => (event.ctrlKey || event.metaKey) && !event.altKey;

// name and mac: the key as written on a PC and on a Mac; does: what it does; aria: aria-keyshortcuts; press: the
// buttons it stands for (the first one shown is pressed); verb: what could not be done when none can be pressed;
// test(event): whether a keydown is this key. A row without `test` is handled where it applies, and only listed here.
export const KEYS = [
  {
    name: "Alt+N",
    mac: "⌥N",
    does: "打开列表里的下一篇：工作列表的下一篇，或待办任务里下一个待处理的问题",
    test: (e) => e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === "KeyN",
  },
  {
    name: "Ctrl+S",
    mac: "⌘S",
    does: "保存草稿（在派单目录的单位表单里：保存单位）",
    aria: "Control+S Meta+S",
    press: ["save"],
    verb: "没有需要保存的修改",
    test: (e) => command(e) && e.key.toLowerCase() === "s",
  },
  {
    name: "Ctrl+Enter",
    mac: "⌘Enter",
    does: "提交审核",
    aria: "Control+Enter Meta+Enter",
    press: ["submit"],
    verb: "现在不能提交审核",
    test: (e) => command(e) && !e.shiftKey && e.key === "Enter",
  },
  {
    name: "Ctrl+Shift+Enter",
    mac: "⌘⇧Enter",
    does: "审核通过（下线申请：确认下线）",
    aria: "Control+Shift+Enter Meta+Shift+Enter",
    press: ["approve", "confirm-archive"],
    verb: "现在不能审核通过",
    test: (e) => command(e) && e.shiftKey && e.key === "Enter",
  },
  { name: "Enter", mac: "Enter", does: "在常见问法、关键词的一行里：在下面添加一行" },
  { name: "Tab", mac: "Tab", does: "依次走过每个按钮和输入框（橙色框是焦点所在）" },
];

// The lists whose items open an article, by view: the item opened last is remembered, so Alt+N goes on from it.
const LISTS = ["worklist", "tasks"];
let last = { list: "", key: "", index: -1 };

// What opens an item: a worklist entry's button, a task's 打开文章 (its address, the task marked, the article beside).
const opener = (item) => item.querySelector("button[data-id], a.button") || item.querySelector("a[href], button");
const keyOf = (item, index) => item.dataset.task || opener(item)?.dataset.id || String(index);
const isCurrent = (item) => item.matches('[aria-current="true"]') || Boolean(item.querySelector('[aria-current="true"]'));

function remember(list, item, items) {
  const index = items.indexOf(item);
  last = { list, key: keyOf(item, index), index };
}

// The next item of the list on screen after the one open now (or opened last); a done task is passed over.
function openNext(status) {
  const list = LISTS.find((name) => !$(`${name}-box`).hidden);
  if (!list) {
    say(status, "Alt+N 打开工作列表或待办任务里的下一篇：先切换到其中一个列表");
    return;
  }
  const items = [...$(list).children];
  let at = items.findIndex(isCurrent);
  if (at < 0 && last.list === list) {
    at = items.findIndex((item, index) => keyOf(item, index) === last.key);
    // Gone from the list (approved, say, under a 待审核 filter): the item now in its place comes next.
    if (at < 0) at = last.index - 1;
  }
  const next = items.slice(at + 1).find((item) => item.dataset.status !== "done" && opener(item));
  if (!next) {
    say($(`${list}-status`), "已是列表里的最后一篇");
    return;
  }
  remember(list, next, items);
  const button = opener(next);
  button.click();
  button.focus({ preventScroll: true });
  next.scrollIntoView({ block: "nearest" });
}

// Presses the first of the key's buttons that is shown; says why when none can be pressed now.
function press(key, status) {
  if (!$("work").getClientRects().length) return; // no article on screen (none open, or the report in its place)
  const button = key.press.map($).find((b) => !b.closest("[hidden]"));
  if (button && !button.disabled) {
    button.click();
    return;
  }
  const why = button?.getAttribute("aria-describedby");
  say(status, (why && $(why).textContent) || key.verb, Boolean(button && why));
}

// status: where the console says what happened (the action bar's status line).
export function keyboardPaths(status) {
  $("keys-list").replaceChildren(
    ...KEYS.flatMap((key) => [el("dt", {}, el("kbd", {}, MAC ? key.mac : key.name)), el("dd", {}, key.does)]),
  );
  for (const key of KEYS) {
    for (const id of key.press || []) {
      $(id).setAttribute("aria-keyshortcuts", key.aria);
      $(id).title = MAC ? key.mac : key.name;
    }
  }
  for (const list of LISTS) {
    $(list).addEventListener("click", (event) => {
      const item = event.target.closest("li");
      if (item && opener(item)?.contains(event.target)) remember(list, item, [...$(list).children]);
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return; // a Chinese input method's keys
    const key = KEYS.find((k) => k.test?.(event));
    if (!key) return;
    event.preventDefault(); // the browser's own "save page" too
    if ($("desk").hidden) return;
    if (!key.press) openNext(status);
    else if (key.press[0] === "save" && event.target.closest?.("#department-form")) $("department-form").requestSubmit();
    else press(key, status);
  });
}
