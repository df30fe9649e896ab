// The caller's district in the agent console: set with one key (F4: a small chooser to type into, 河西 + Enter),
// shown as a badge beside the search box, kept for the call (the tab, until Esc twice or signing out), and sent
// with every search and article read. A district the server read from the question (河西区暖气不热) is shown the
// same way at once and kept for the call once the search is settled (Enter, a pause, a click): a prefix typed on
// the way (河西 of 河西务镇) never sticks. agent.js asks `current()` for the code and is told through `changed` to
// search again.
import { el } from "./common.js";
import { loadDistricts, matching } from "./districts.js";

const KEPT = "zhida.agent.district"; // {code, name, source}: the call's district, for the tab only
const $ = (id) => document.getElementById(id);

export function districtChooser({ call, changed }) {
  const badge = $("district");
  const chooser = $("district-chooser");
  const field = $("district-q");
  const list = $("district-options");
  let districts = null; // loaded when first opened
  let options = [];
  let active = 0;
  let returnTo = null; // where the focus goes back to when the chooser closes
  let named = null; // {code, name}: the district the question on screen names, not kept until it is settled

  function kept() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(KEPT) || "null");
      return stored && typeof stored.code === "string" && typeof stored.name === "string" ? stored : null;
    } catch {
      return null;
    }
  }

  function show() {
    const district = named || kept();
    badge.replaceChildren(
      district ? el("strong", {}, district.name) : el("span", { class: "hint" }, "未选区"),
      el("span", { class: "key" }, "F4"),
    );
    badge.dataset.district = district ? district.code : "";
    badge.setAttribute("aria-label", district ? `来电人所在区：${district.name}（F4 更改，搜索框为空时按 Esc 清除）` : "来电人所在区：未选（F4 选择）");
  }

  // source: "agent" (chosen here) or "query" (the server read it from the question). Unchanged: nothing happens.
  function set(district, source = "agent") {
    const before = kept();
    if ((before?.code || null) === (district?.code || null)) return;
    if (district) sessionStorage.setItem(KEPT, JSON.stringify({ code: district.code, name: district.name, source }));
    else sessionStorage.removeItem(KEPT);
    show();
    if (source === "agent") changed();
  }

  function render() {
    options = matching(districts || [], field.value);
    active = Math.min(active, Math.max(options.length - 1, 0));
    list.replaceChildren(
      ...options.map((d, i) =>
        el("li", { id: "district-option-" + i, role: "option", "aria-selected": String(i === active), "data-code": d.code }, d.name),
      ),
    );
    if (options.length) field.setAttribute("aria-activedescendant", "district-option-" + active);
    else field.removeAttribute("aria-activedescendant");
    $("district-none").textContent = "没有这个区。";
    $("district-none").hidden = Boolean(options.length) || !districts;
  }

  async function open() {
    returnTo = document.activeElement;
    chooser.hidden = false;
    badge.setAttribute("aria-expanded", "true");
    field.value = "";
    active = 0;
    field.focus();
    if (!districts) {
      try {
        districts = await loadDistricts(call);
      } catch {
        districts = null;
        $("district-none").hidden = false;
        $("district-none").textContent = "区列表没有加载成功，请稍后再按 F4。";
        return;
      }
    }
    render();
  }

  // refocus: back to where the agent was (the search box, mostly); not when the focus has gone elsewhere already.
  function close({ refocus = true } = {}) {
    chooser.hidden = true;
    badge.setAttribute("aria-expanded", "false");
    if (refocus) (returnTo && returnTo !== field && returnTo !== document.body ? returnTo : $("q")).focus();
  }

  function choose(index) {
    const district = options[index];
    if (!district) return;
    close();
    set(district);
  }

  field.addEventListener("input", () => {
    active = 0;
    render();
  });
  field.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = Math.min(Math.max(active + step, 0), Math.max(options.length - 1, 0));
      render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" || event.key === "F4") {
      event.preventDefault(); // the chooser closes; the district stays as it was
      close();
    }
  });
  list.addEventListener("mousedown", (event) => event.preventDefault()); // the field keeps the focus
  list.addEventListener("click", (event) => {
    const item = event.target.closest("li[role=option]");
    if (item) choose([...list.children].indexOf(item));
  });
  field.addEventListener("blur", () => {
    if (!chooser.hidden) close({ refocus: false });
  });
  badge.addEventListener("mousedown", (event) => {
    if (!chooser.hidden) event.preventDefault(); // the field keeps the focus, so this click closes the chooser
  });
  badge.addEventListener("click", () => (chooser.hidden ? open() : close()));
  show();

  return {
    open,
    isOpen: () => !chooser.hidden,
    current: () => kept()?.code,
    // What a search said: a district it read from the question is kept for the call, as if the agent had set it.
    noted(result) {
      named = result?.district?.source === "query" ? { code: result.district.code, name: result.district.name } : null;
      show();
    },
    // The search on screen is settled: the district its question named is the caller's for the rest of the call.
    settled() {
      if (named) set(named, "query");
      named = null;
      show();
    },
    clear: () => set(null),
    forget() {
      named = null;
      sessionStorage.removeItem(KEPT);
      if (!chooser.hidden) chooser.hidden = true;
      show();
    },
  };
}
