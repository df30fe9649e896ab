// The citizen FAQ: results as you type, categories and their questions, the hotline when there is no answer.
// The same script runs on the server-rendered results page (/search?q=…), taking over the results it shows.
import { apiUrl, client, debounce, dropped, el, highlighted, pageUrl, say } from "./common.js";

const input = document.getElementById("q");
const status = document.getElementById("search-status");
const answer = document.getElementById("answer");
const hotline = document.getElementById("hotline");
const hotlineWhy = document.getElementById("hotline-why");
const results = document.getElementById("results");
const landing = document.getElementById("landing");
const categoriesList = document.getElementById("categories");
const list = document.getElementById("list");
const listTitle = document.getElementById("list-title");
const listStatus = document.getElementById("list-status");
const popularBlock = document.getElementById("popular-block");
const popularList = document.getElementById("popular");

const { call, drop } = client();
const SETTLE_MS = 1500; // a pause in typing this long settles the search
const NO_ANSWER = hotlineWhy.textContent;
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

function articleLink(id) {
  return pageUrl("faq/" + encodeURIComponent(id)).href;
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
  try {
    // purpose "search" (common.js): each search numbered, the one before aborted and its late reply dropped,
    // and given up after 8 s (window.zhidaTimeLimitMs in tests) as an ApiError with the code "timeout".
    const result = await call("search", {
      params: { q: query, limit: 8, settled: settled ? "true" : undefined },
      purpose: "search",
      pending: [status, "正在搜索…"],
    });
    render(query, result);
  } catch (problem) {
    // A dropped one was overtaken by a newer search, which says what came of it. A settled search that failed
    // stays settled: the server may have logged it all the same (counted once, as in the agent console).
    if (!dropped(problem)) failed(problem.code === "timeout");
  }
}

// Nothing from a failed search stays on screen: no older results that might answer another question.
function failed(timedOut) {
  landing.hidden = true;
  answer.hidden = false;
  results.replaceChildren();
  results.dataset.query = "";
  hotlineWhy.textContent = FAILED;
  hotline.hidden = false;
  const what = timedOut ? "搜索超时" : "搜索失败";
  say(status, `${what}，没有得到结果。请稍后再试，或拨打 12345。`, true);
}

function render(query, result) {
  landing.hidden = true;
  answer.hidden = false;
  hotlineWhy.textContent = NO_ANSWER;
  hotline.hidden = result.answered;
  results.dataset.query = query;
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
  if (result.answered) say(status, `找到 ${result.hits.length} 条相关问题`);
  else if (result.hits.length) say(status, "没有确切答案，请拨打 12345。您是不是想问：");
  else say(status, "没有找到相关问题，请拨打 12345。");
}

// As you type: a search 250 ms after each keystroke; a settled one once typing pauses for SETTLE_MS.
const searchSoon = debounce((query) => search(query), 250);
const settleSoon = debounce((query) => {
  if (query && query !== settledQuery) search(query, { settled: true });
}, SETTLE_MS);
input.addEventListener("input", () => {
  searchSoon(input.value.trim());
  settleSoon(input.value.trim());
});
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
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

const params = new URLSearchParams(location.search);
loadPopular();
loadCategories(params.get("category"));
if (results.dataset.query) {
  // Results the server rendered (/search?q=…): a settled search it has logged. Only the address changes.
  settledQuery = results.dataset.query;
  writeAddress(settledQuery);
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
