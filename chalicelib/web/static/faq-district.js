// The citizen's district: a choice of the city's districts (or none), remembered on this device (localStorage) and
// sent as `district=` with searches and article reads only, never with a rating, a comment or anything else a
// citizen writes. Article pages take it as ?district= (the server renders that district's wording and unit).
import { base, el } from "./common.js";
import { loadDistricts } from "./districts.js";

const KEPT = "zhida.district";

// The district code chosen on this device ("" for none).
export const chosenDistrict = () => localStorage.getItem(KEPT) || "";

export function withDistrict(url, code) {
  if (code) url.searchParams.set("district", code);
  else url.searchParams.delete("district");
  return url;
}

// Every link to an article page on this page, for the district chosen now.
function relink(code) {
  for (const link of document.querySelectorAll("a[href]")) {
    const url = new URL(link.href, location.href);
    if (url.origin === base.origin && url.pathname.startsWith(base.pathname + "faq/")) {
      link.href = withDistrict(url, code).href;
    }
  }
}

// The districts the directory lists; a remembered district it no longer lists is forgotten. null if unreadable.
async function known(call) {
  let districts;
  try {
    districts = await loadDistricts(call);
  } catch {
    return null;
  }
  if (chosenDistrict() && !districts.some((d) => d.code === chosenDistrict())) {
    localStorage.removeItem(KEPT);
    relink("");
  }
  return districts;
}

// The FAQ page's select (#district); `changed()` after the citizen picks another. Returns districtReady(): the code
// to send once the list is known (undefined for none, or while the directory cannot be read).
export function districtChoice(call, changed) {
  const select = document.getElementById("district");
  const ready = known(call).then((districts) => {
    if (!districts?.length) return false;
    select.append(...districts.map((d) => el("option", { value: d.code }, d.name)));
    select.value = chosenDistrict();
    document.getElementById("district-row").hidden = false;
    relink(chosenDistrict()); // results the server rendered (/search?q=) link to the articles for it too
    return true;
  });
  select.addEventListener("change", () => {
    if (select.value) localStorage.setItem(KEPT, select.value);
    else localStorage.removeItem(KEPT);
    relink(select.value);
    changed();
  });
  return async () => ((await ready) && chosenDistrict()) || undefined;
}

// An article page opened without the district this device chose (a shared link): opened again with it, so the
// citizen reads the district's wording; links to other articles carry it too.
export async function articleForDistrict(call) {
  const code = chosenDistrict();
  if (!code) return;
  relink(code);
  const here = new URL(location.href);
  if (here.searchParams.get("district") === code) return;
  const districts = await known(call);
  if (districts?.some((d) => d.code === code)) location.replace(withDistrict(here, code).href);
}
