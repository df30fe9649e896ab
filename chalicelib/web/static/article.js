// A server-rendered article page: one-tap 好差评 with an optional comment, and 返回搜索结果 after a search.
import { base, client, say } from "./common.js";
import { articleForDistrict } from "./faq-district.js";

const { call } = client();
const articleId = document.documentElement.dataset.article;
const section = document.getElementById("feedback");
const form = document.getElementById("feedback-form");
const comment = document.getElementById("comment");
const status = document.getElementById("feedback-status");
const votes = [...document.querySelectorAll(".vote")];

// The search that led here, kept by faq.js for the tab (sessionStorage, "zhida.search"), never in a URL; it
// counts only when this page was opened from the FAQ page's results (the referrer is that page's address).
function searchThatLedHere() {
  const query = (sessionStorage.getItem("zhida.search") || "").trim().slice(0, 200);
  if (!query || !document.referrer) return null;
  const from = new URL(document.referrer);
  const fromFaq = from.origin === base.origin && [base.pathname, base.pathname + "search"].includes(from.pathname);
  return fromFaq ? { query, from } : null;
}
const led = searchThatLedHere();
const query = led ? led.query : "";

const back = document.getElementById("back"); // a missing article's page has none
if (led && back) {
  led.from.hash = "results"; // faq.js runs the kept search again when the address holds none
  back.querySelector("a").href = led.from.href;
  back.hidden = false;
}

// Links made when article addresses still carried the search (?q=) keep working, but the query leaves history.
if (new URLSearchParams(location.search).has("q")) {
  const address = new URL(location.href);
  address.search = "";
  const district = new URLSearchParams(location.search).get("district");
  if (district) address.searchParams.set("district", district);
  history.replaceState(null, "", address.href);
}
// The district this device chose: its wording and unit, and links to other articles for it too.
if (articleId) articleForDistrict(call);

// A failure without a message meant for people (the network, say) gets a plain one; never "HTTP 0".
const plain = (problem, fallback) => (problem.code ? problem.message : fallback);

if (articleId && section) {
  section.hidden = false;
  let rating = null; // the id of this page's 好差评, which the comment is added to
  for (const vote of votes) {
    vote.addEventListener("click", async () => {
      const helpful = vote.dataset.helpful === "true";
      votes.forEach((v) => (v.disabled = true)); // one vote: no second tap while this one is on its way
      say(status, "正在提交…");
      const body = { article_id: articleId, helpful };
      if (query) body.query = query;
      // The district this page was read for (rendered by the server): the vote counts for it. Never with the comment.
      if (section.dataset.district) body.district = section.dataset.district;
      try {
        rating = (await call("feedback", { method: "POST", body })).id;
      } catch (problem) {
        votes.forEach((v) => (v.disabled = false));
        say(status, plain(problem, "评价没有提交成功，请检查网络后再点一次。"), true);
        return;
      }
      vote.setAttribute("aria-pressed", "true");
      form.hidden = false;
      say(status, helpful ? "感谢您的评价！如愿意，可以再补充几句。" : "感谢您的评价，抱歉没能帮到您。可以写下哪里不清楚，帮助我们改进。");
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = comment.value.trim();
    if (!rating) return;
    if (!text) {
      say(status, "请先写下您的意见。", true);
      return;
    }
    try {
      await call(`feedback/${encodeURIComponent(rating)}/comment`, { method: "POST", body: { comment: text } });
    } catch (problem) {
      say(status, plain(problem, "意见没有提交成功，请检查网络后再试。"), true);
      return;
    }
    form.hidden = true;
    say(status, "感谢您的补充意见，我们会据此改进答复。");
  });
}
