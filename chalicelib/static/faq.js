// The citizen FAQ: results as you type, categories and their questions, the hotline when there is no answer.
import { ApiError, client, debounce, dropped, el, highlighted, pageUrl, say } from "./common.js";

const input = document.getElementById("q");
const status = document.getElementById("search-status");
const answer = document.getElementById("answer");
const hotline = document.getElementById("hotline");
const results = document.getElementById("results");
const landing = document.getElementById("landing");
const categoriesList = document.getElementById("categories");
const list = document.getElementById("list");
const listTitle = document.getElementById("list-title");
const listStatus = document.getElementById("list-status");
const popularBlock = document.getElementById("popular-block");
const popularList = document.getElementById("popular");

const { call, drop } = client();

function articleLink(id, query) {
  const url = pageUrl("faq/" + encodeURIComponent(id));
  if (query) url.searchParams.set("q", query);
  return url.href;
}

function showLanding() {
  answer.hidden = true;
  landing.hidden = false;
  say(status, "");
}

async function search(query) {
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url); // the back button returns to these results
  if (!query) {
    drop("search");
    return showLanding();
  }
  try {
    const result = await call("search", {
      params: { q: query, limit: 8 },
      purpose: "search",
      pending: [status, "正在搜索…"],
    });
    render(result);
  } catch (problem) {
    if (dropped(problem)) return;
    say(status, problem instanceof ApiError ? problem.message : "搜索失败，请稍后再试。", true);
  }
}

function render(result) {
  landing.hidden = true;
  answer.hidden = false;
  hotline.hidden = result.answered;
  results.replaceChildren(
    ...result.hits.map((hit) =>
      el(
        "li",
        {},
        el(
          "a",
          { href: articleLink(hit.id, result.query) },
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

const searchSoon = debounce((query) => search(query), 250);
input.addEventListener("input", () => searchSoon(input.value.trim()));
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  searchSoon.cancel();
  search(input.value.trim());
});

async function loadCategories() {
  let categories;
  try {
    categories = (await call("categories")).categories;
  } catch (problem) {
    say(listStatus, problem.message, true);
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
  if (categories.length) buttons[0].click();
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
      say(listStatus, problem.message, true);
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

loadPopular();
loadCategories();
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  search(initial.trim());
}
