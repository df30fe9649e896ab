// A server-rendered article page: adds 好差评 (helpful / not helpful, with an optional comment).
import { client, say } from "./common.js";

const { call } = client();
const articleId = document.documentElement.dataset.article;
const section = document.getElementById("feedback");
const form = document.getElementById("feedback-form");
const comment = document.getElementById("comment");
const status = document.getElementById("feedback-status");
const votes = [...document.querySelectorAll(".vote")];
// The search that led here, if any: it tells editors which question the answer was judged against.
const query = (new URLSearchParams(location.search).get("q") || "").trim().slice(0, 200);

if (articleId && section) {
  section.hidden = false;
  let helpful = null;
  for (const vote of votes) {
    vote.addEventListener("click", () => {
      helpful = vote.dataset.helpful === "true";
      votes.forEach((v) => v.setAttribute("aria-pressed", String(v === vote)));
      form.hidden = false;
      say(status, helpful ? "感谢肯定！可以补充意见后提交。" : "抱歉没能帮到您，可以写下哪里不清楚后提交。");
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (helpful === null) return;
    const body = { article_id: articleId, helpful };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (query) body.query = query;
    try {
      await call("feedback", { method: "POST", body });
    } catch (problem) {
      say(status, problem.message, true);
      return;
    }
    form.hidden = true;
    votes.forEach((v) => (v.disabled = true));
    say(status, "感谢您的评价，我们会据此改进答复。");
  });
}
