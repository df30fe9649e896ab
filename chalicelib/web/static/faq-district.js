// The citizen's district: a choice of the city's districts (or none), remembered on this device (localStorage) and
// sent as `district=` with searches and article reads, and with the click on a hit and the 好差评 on an answer shown
// for it (a district is one of sixteen, not a person); never with a comment or anything else a citizen writes.
// Article pages take it as ?district= (the server renders that district's wording and unit).
import { base } from "./common.js";
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

// The FAQ page's select (#district, its districts rendered by the server from the directory, so that the form sends
// one without JavaScript too); `changed()` after the citizen picks another. Returns districtReady(): the code to
// send (undefined for none).
export function districtChoice(changed) {
  const select = document.getElementById("district");
  const listed = [...select.options].map((option) => option.value).filter(Boolean);
  // Results the server rendered for a district the address named (the form, sent before this script ran): a device
  // that chose none takes it. A district the directory no longer lists is forgotten.
  if (select.value && !chosenDistrict()) localStorage.setItem(KEPT, select.value);
  if (!listed.includes(chosenDistrict())) localStorage.removeItem(KEPT);
  select.value = chosenDistrict();
  relink(chosenDistrict()); // results the server rendered (/search?q=) link to the articles for it too
  select.addEventListener("change", () => {
    if (select.value) localStorage.setItem(KEPT, select.value);
    else localStorage.removeItem(KEPT);
    relink(select.value);
    changed();
  });
  return () => chosenDistrict() || undefined;
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
