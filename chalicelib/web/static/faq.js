// The citizen FAQ: results as you type, categories and their questions, and a way forward for every question: an
// emergency line above everything, the line or department that handles what no article answers, else 12345.
// The same script runs on the server-rendered results page (/search?q=…), taking over the results it shows; both
// decide what to show from the reply's state, hits and referral alike (faq.py), and list the hits in its order.
import { apiUrl, client, debounce, dropped, el, highlighted, pageUrl, say } from "./common.js";
import { chosenDistrict, districtChoice, withDistrict } from "./faq-district.js";

const input = document.getElementById("q");
const status = document.getElementById("search-status");
const answer = document.getElementById("answer");
const emergencyBlock = document.getElementById("emergency");
const hotline = document.getElementById("hotline");
const results = document.getElementById("results");
const resultsTitle = document.getElementById("results-title");
const landing = document.getElementById("landing");
const categoriesList = document.getElementById("categories");
const list = document.getElementById("list");
const listTitle = document.getElementById("list-title");
const listStatus = document.getElementById("list-status");
const popularBlock = document.getElementById("popular-block");
const popularList = document.getElementById("popular");

const { call, drop } = client();
const SETTLE_MS = 1500; // a pause in typing this long settles the search
const HOTLINE = "12345";
const NO_ANSWER = "我们没有找到能确切回答这个问题的内容。请拨打 12345 政务服务便民热线（24小时），由话务员为您解答。";
const FAILED = "搜索暂时没有结果返回。请稍后再试，或拨打 12345 政务服务便民热线（24小时），由话务员为您解答。";
// The search that led to an article, for its 返回搜索结果 link and its 好差评 (article.js); never in a URL.
const LAST_SEARCH = "zhida.search";

// A phone, ID or card number (seven digits or more, maybe split by spaces or dashes) or an e-mail address:
// such a query is never written into the address, which browsers keep in their history.
const PERSONAL = /\d(?:[\s\-.()]{0,2}\d){6,}|[^\s@]+@[^\s@]+\.[a-z]{2,}/i;
const personal = (text) => PERSONAL.test(text.normalize("NFKC"));

function writeAddress(query) {
  const url = pageUrl("./");
  if (query && !personal(query)) url.searchParams.set("q", query);
  history.replaceState(null, "", url); // the back button returns to these results
}

// An article's page, for the district chosen on this device (its wording and unit), if any.
function articleLink(id) {
  return withDistrict(pageUrl("faq/" + encodeURIComponent(id)), chosenDistrict()).href;
}

function showLanding() {
  answer.hidden = true;
  landing.hidden = false;
  say(status, "");
}

let settledQuery = null; // the last query sent with settled=true: the server has logged it

async function search(query, { settled = false } = {}) {
  writeAddress(query);
  if (!query) {
    drop("search"); // a reply still on its way is dropped
    settledQuery = null; // the box cleared: the same question asked again counts again
    return showLanding();
  }
  if (settled) settledQuery = query;
  const district = districtReady(); // sent with searches, article reads, clicks and 好差评 only (faq-district.js)
  try {
    // purpose "search" (common.js): each search numbered, the one before aborted and its late reply dropped,
    // and given up after 8 s (window.zhidaTimeLimitMs in tests) as an ApiError with the code "timeout".
    const result = await call("search", {
      params: { q: query, limit: 8, settled: settled ? "true" : undefined, district },
      purpose: "search",
      pending: [status, "正在搜索…"],
    });
    // The box may hold another question by now, typed while this one was on its way and not sent yet: what came of
    // this one ("没有找到…" for its first character, say) would read as said of that one. Its own search follows.
    if (query === input.value.trim()) render(query, result);
  } catch (problem) {
    // A dropped one was overtaken by a newer search, which says what came of it. A settled search that failed
    // stays settled: the server may have logged it all the same (counted once, as in the agent console).
    if (!dropped(problem) && query === input.value.trim()) failed(problem.code === "timeout");
  }
}

// Nothing from a failed search stays on screen: no older results that might answer another question.
function failed(timedOut) {
  landing.hidden = true;
  answer.hidden = false;
  results.replaceChildren();
  results.dataset.query = "";
  titleResults("sr-only", "搜索结果");
  emergencyBlock.replaceChildren();
  emergencyBlock.hidden = true;
  hotline.replaceChildren(...wayForward(null, FAILED));
  hotline.hidden = false;
  const what = timedOut ? "搜索超时" : "搜索失败";
  say(status, `${what}，没有得到结果。请稍后再试，或拨打 12345。`, true);
}

// ---- what a reply shows: faq.py renders the same for /search?q= without JavaScript

const isEmergency = (referral) => referral?.kind === "emergency";
// The referral or 12345 box: whenever no article answers, or the server names a referral all the same.
const showsWayForward = (result) => !isEmergency(result.referral) && (result.state !== "answered" || !!result.referral);

// The status line about a search's results, which screen readers read out.
function said(result) {
  const referral = result.referral;
  const found = `找到 ${result.hits.length} 条相关问题`;
  if (isEmergency(referral)) {
    const call = referral.phone
      ? `紧急情况，请立即拨打 ${referral.phone}`
      : `紧急情况，请立即联系${referral.name}（电话未登记，请拨打 ${HOTLINE} 转办）`;
    return result.hits.length ? `${call}。${found}` : call;
  }
  if (result.state === "answered") return found;
  const missing = result.state === "doubtful" ? "没有找到确切答案" : "没有找到相关问题";
  if (!referral) return `${missing}，请拨打 ${HOTLINE}。`;
  return referral.phone ? `${missing}，请拨打 ${referral.phone}。` : `${missing}，请拨打 ${HOTLINE} 转办。`;
}

// The number a phone dials: digits and + only (a directory may write 0431-8888 1234); an extension (12345 转 2,
// 022-12345678-8001) after a comma, the pause phones dial it after. As faq.py's _tel.
function tel(phone) {
  let [main, extension = ""] = phone.split("转");
  const groups = main.split("-");
  if (!extension && groups.length > 1 && /^[0-9]{7,8}$/.test(groups.at(-2))) {
    extension = groups.pop();
    main = groups.join("-");
  }
  return "tel:" + main.replace(/[^0-9+]/g, "") + (extension ? "," + extension.replace(/[^0-9]/g, "") : "");
}
const dial = (phone) => el("a", { href: tel(phone) }, phone);

// Where a question no article answers goes on: who handles it and their number, else 12345.
function wayForward(referral, why = NO_ANSWER) {
  if (!referral) return [el("p", {}, el("strong", {}, "请拨打 ", dial(HOTLINE))), el("p", {}, why)];
  const call = referral.phone ? ["电话", dial(referral.phone)] : ["电话未登记，请拨打 ", dial(HOTLINE), " 转办"];
  return [el("p", {}, el("strong", {}, `这个问题由${referral.name}办理，`, ...call)), el("p", {}, referral.say)];
}

// The emergency block, above every article: the number to call now, big, as a link a phone dials.
function emergencyParts(referral) {
  const call = referral.phone
    ? [el("a", { href: tel(referral.phone) }, "请立即拨打 ", el("span", { class: "number" }, referral.phone))]
    : [`请立即联系${referral.name}，电话未登记，请拨打 `, dial(HOTLINE), " 转办"];
  return [
    el("h2", { id: "emergency-title" }, `紧急情况：${referral.topic}`),
    el("p", { class: "call" }, ...call),
    el("p", {}, referral.say),
  ];
}

function titleResults(className, text) {
  resultsTitle.className = className;
  resultsTitle.textContent = text;
}

function render(query, result) {
  const referral = result.referral || null;
  const urgent = isEmergency(referral);
  landing.hidden = true;
  answer.hidden = false;
  emergencyBlock.replaceChildren(...(urgent ? emergencyParts(referral) : []));
  emergencyBlock.hidden = !urgent;
  hotline.replaceChildren(...wayForward(urgent ? null : referral));
  hotline.hidden = !showsWayForward(result);
  // Candidates are labelled as only possibly related; the hits of an answer need no label.
  if (result.state === "doubtful") titleResults("candidates-title", "可能相关的问题");
  else titleResults("sr-only", "搜索结果");
  results.dataset.query = query;
  // The district the hits were shown for (the one chosen, or the one the question names): a click counts for it, and
  // settles the search made for it.
  results.dataset.district = result.district?.code || "";
  results.replaceChildren(
    ...result.hits.map((hit) =>
      el(
        "li",
        {},
        el(
          "a",
          { href: articleLink(hit.id), "data-id": hit.id },
          el("span", { class: "title" }, hit.title),
          el("span", { class: "snippet" }, highlighted(hit.snippet, hit.marks)),
        ),
      ),
    ),
  );
  say(status, said(result));
}

// As you type: a search 250 ms after each keystroke; a settled one once typing pauses for SETTLE_MS.
const searchSoon = debounce((query) => search(query), 250);
const settleSoon = debounce((query) => {
  if (query && query !== settledQuery) search(query, { settled: true });
}, SETTLE_MS);
function typed() {
  searchSoon(input.value.trim());
  settleSoon(input.value.trim());
}
// With an input method the letters being composed ("nuanqi") are no question yet: nothing is searched, let alone
// settled, until the characters are chosen (compositionend); the Enter that chooses them sends nothing.
let composing = false;
input.addEventListener("compositionstart", () => {
  composing = true;
  searchSoon.cancel();
  settleSoon.cancel();
});
input.addEventListener("compositionend", () => {
  composing = false;
  typed();
});
input.addEventListener("input", (event) => {
  if (!composing && !event.isComposing) typed();
});
input.addEventListener("keydown", (event) => {
  // Safari ends the composition before the Enter that chose the characters arrives; keyCode 229 still marks it.
  if (event.key === "Enter" && (composing || event.isComposing || event.keyCode === 229)) event.preventDefault();
});
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (composing) return;
  searchSoon.cancel();
  settleSoon.cancel();
  const query = input.value.trim();
  search(query, { settled: query !== settledQuery });
});

// A click on a hit: which one, for the editors; it settles the search if nothing had (the server logs it then).
// keepalive: the request outlives the page, which is navigating away; a failure changes nothing for the reader.
results.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-id]");
  const query = results.dataset.query;
  if (!link || !query) return;
  const position = [...results.querySelectorAll("a[data-id]")].indexOf(link) + 1;
  const body = { query, article_id: link.dataset.id, position, settles: query !== settledQuery };
  if (results.dataset.district) body.district = results.dataset.district;
  settledQuery = query;
  searchSoon.cancel();
  settleSoon.cancel();
  sessionStorage.setItem(LAST_SEARCH, query);
  fetch(apiUrl("clicks"), {
    method: "POST",
    keepalive: true,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }).catch(() => {});
});
// An article opened from the landing lists came from no search.
landing.addEventListener("click", (event) => {
  if (event.target.closest("a")) sessionStorage.removeItem(LAST_SEARCH);
});

async function loadCategories(chosen) {
  let categories;
  try {
    categories = (await call("categories")).categories;
  } catch {
    say(listStatus, "类别没有加载成功，请稍后刷新页面，或直接搜索。", true);
    return;
  }
  const buttons = categories.map((category) =>
    el("button", { type: "button", "aria-pressed": "false", "data-id": category.id },
      category.name, " ", el("span", { class: "count" }, `(${category.articles})`)),
  );
  buttons.forEach((button, i) => {
    button.addEventListener("click", () => {
      buttons.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      showCategory(categories[i]);
    });
  });
  categoriesList.replaceChildren(...buttons.map((button) => el("li", {}, button)));
  // The breadcrumb of an article links here with ?category=: its category, else the first.
  (buttons.find((button) => button.dataset.id === chosen) || buttons[0])?.click();
}

async function showCategory(category) {
  listTitle.textContent = `${category.name}常见问题`;
  let items;
  try {
    const listing = await call("articles", {
      params: { category: category.id },
      purpose: "category", // a category clicked since wins
      pending: [listStatus, "正在加载…"],
    });
    items = listing.articles.map((a) => ({ id: a.id, title: a.title }));
  } catch (problem) {
    if (dropped(problem)) return;
    // Without the listing, the category's best matches for its own name are the next best thing.
    try {
      const found = await call("search", {
        params: { q: category.name, category: category.id, limit: 20 },
        purpose: "category",
      });
      items = found.hits.map((hit) => ({ id: hit.id, title: hit.title }));
    } catch (problem) {
      if (dropped(problem)) return;
      say(listStatus, "这个类别的问题没有加载成功，请稍后再试，或直接搜索。", true);
      return;
    }
  }
  list.replaceChildren(...items.map((item) => el("li", {}, el("a", { href: articleLink(item.id) }, item.title))));
  say(listStatus, items.length ? "" : "这个类别暂时没有问题。");
}

async function loadPopular() {
  // What searches answered most this week; a new installation has none yet, and then the block stays hidden.
  try {
    const { articles } = await call("popular", { params: { limit: 8 } });
    popularList.replaceChildren(...articles.map((a) => el("li", {}, el("a", { href: articleLink(a.id) }, a.title))));
    popularBlock.hidden = articles.length === 0;
  } catch {
    popularBlock.hidden = true;
  }
}

// The district choice, as the server rendered it; a new choice shows the question's answer for it (not counted).
const renderedFor = document.getElementById("district").value; // what the server answered the results below for
const districtReady = districtChoice(() => {
  const query = input.value.trim();
  if (query) search(query);
});

const params = new URLSearchParams(location.search);
loadPopular();
loadCategories(params.get("category"));
if (results.dataset.query) {
  // Results the server rendered (/search?q=…): a settled search it has logged. Only the address changes, unless this
  // device chose another district than the address named: then they are that district's (not counted again).
  settledQuery = results.dataset.query;
  writeAddress(settledQuery);
  if ((districtReady() || "") !== renderedFor) search(settledQuery);
} else {
  // A search in the address (a shared link, a reload), or the one 返回搜索结果 came back for (#results; a query
  // with a number in it is in no address). Either repeats a search already made: it is not settled again.
  const initial = (params.get("q") || (location.hash === "#results" && sessionStorage.getItem(LAST_SEARCH)) || "").trim();
  if (initial) {
    input.value = initial;
    search(initial);
  } else {
    landing.hidden = false;
  }
}
