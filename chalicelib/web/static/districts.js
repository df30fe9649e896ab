// The city's districts, as the directory lists them (GET /api/departments, kind "district"), for the agent's
// one-key chooser and the citizen's district choice. The page sends a district's code as `district=`; the server
// decides what it means for the answer and the dispatch unit.
import { el } from "./common.js";

// The districts not retired, in the directory's order (by code): [{code, name, aliases}].
export async function loadDistricts(call) {
  const { departments } = await call("departments");
  return departments
    .filter((d) => d.kind === "district" && !d.retired)
    .map((d) => ({ code: d.code, name: d.name, aliases: d.aliases || [] }));
}

// A select's district options, after its own first ones (全市): offered once, when first asked (the promise); on a
// failure asked again next time. An option an address chose before they came keeps its place and gets its name.
export function districtOptions(select, call) {
  let offered = null;
  return () =>
    (offered ||= loadDistricts(call).then(
      (found) => {
        for (const d of found) {
          const named = [...select.options].find((option) => option.value === d.code);
          if (named) named.textContent = d.name;
          else select.append(el("option", { value: d.code }, d.name));
        }
      },
      () => (offered = null),
    ));
}

// The districts a typed text may mean, best first: its name, an alias or its code (pinyin) equal to the text,
// then beginning with it, then holding it. "河西" finds 河西区, "滨海" and "binhai" 滨海新区; "" finds them all.
export function matching(districts, text) {
  const typed = text.trim().toLowerCase();
  if (!typed) return districts;
  const rank = (d) => {
    const names = [d.name, d.code, ...d.aliases].map((n) => n.toLowerCase());
    if (names.includes(typed)) return 0;
    if (names.some((n) => n.startsWith(typed))) return 1;
    return names.some((n) => n.includes(typed)) ? 2 : 3;
  };
  return districts
    .map((d, i) => ({ d, i, r: rank(d) }))
    .filter((x) => x.r < 3)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.d);
}
