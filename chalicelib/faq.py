"""What citizens read, as HTML the server sends: search results and the article page. Pure.

Every value is escaped here; the article's body is markdown-it's, raw HTML off (rendering.py).
"""

from html import escape

from chalicelib.models.reading import ArticleSummary, ArticleView, SearchHit, SearchResult
from chalicelib.rendering import Resolve, reference_key, render_linked

RELATED = 6
RELATED_SCORE = 0.2  # below it, a search over the title finds words in common, not the same matter


def said(result: SearchResult) -> str:
    """What the page says about a search's results (faq.js says the same after a search of its own)."""
    if result.answered:
        return f"找到 {len(result.hits)} 条相关问题"
    return "没有确切答案，请拨打 12345。您是不是想问：" if result.hits else "没有找到相关问题，请拨打 12345。"


def hits(found: list[SearchHit], root: str) -> str:
    """The results list's items: each title links to its article, the snippet has its matched words marked."""
    return "".join(
        f'\n      <li><a href="{escape(root)}faq/{escape(hit.id)}" data-id="{escape(hit.id)}">'
        f'<span class="title">{escape(hit.title)}</span><span class="snippet">{_marked(hit.snippet, hit.marks)}</span>'
        "</a></li>"
        for hit in found
    )


def _marked(text: str, marks: list[list[int]]) -> str:
    """Marks count code points, as Python's strings do."""
    out, at = [], 0
    for start, end in sorted(marks):
        if start < at or end <= start:
            continue
        out += [escape(text[at:start]), f"<mark>{escape(text[start:end])}</mark>"]
        at = end
    return "".join(out) + escape(text[at:])


def references(article_id: str, visible: list[ArticleSummary], root: str) -> Resolve:
    """A quoted title or id of another article citizens may open -> its page; any other name stays text."""
    ids = {reference_key(name): a.id for a in visible if a.id != article_id for name in (a.title, a.id)}

    def resolve(name: str) -> str | None:
        target = ids.get(reference_key(name))
        return f"{root}faq/{target}" if target else None

    return resolve


def related(view: ArticleView, visible: list[ArticleSummary], found: list[SearchHit]) -> list[tuple[str, str]]:
    """(id, title) of what a search over the title found, then the rest of the category: at most RELATED."""
    close = [(h.id, h.title) for h in found if h.score >= RELATED_SCORE]
    same = [(a.id, a.title) for a in visible if a.category == view.category]
    return [item for item in dict.fromkeys(close + same) if item[0] != view.id][:RELATED]


def article(view: ArticleView, root: str, category: str, visible: list[ArticleSummary], found: list[SearchHit]) -> str:
    """The article page's main content: breadcrumb, the answer with its cross-references, 好差评, related questions."""
    r = escape(root)
    phone = f'<a href="tel:{escape(view.phone)}">{escape(view.phone)}</a>' if view.phone else "12345"
    body = render_linked(view.sections, references(view.id, visible, root))
    nearby = related(view, visible, found)
    links = "".join(f'\n    <li><a href="{r}faq/{escape(i)}">{escape(title)}</a></li>' for i, title in nearby)
    related_section = f"""
<section class="related" aria-labelledby="related-title">
  <h2 id="related-title">相关问题</h2>
  <ul class="list">{links}
  </ul>
</section>"""
    return f"""<nav class="crumbs" aria-label="您的位置">
  <ol>
    <li><a href="{r}">首页</a></li>
    <li><a href="{r}?category={escape(view.category)}">{escape(category)}</a></li>
    <li aria-current="page">{escape(view.title)}</li>
  </ol>
</nav>
<p class="back" id="back" hidden><a href="{r}">‹ 返回搜索结果</a></p>
<article class="article" aria-labelledby="title">
  <h1 id="title">{escape(view.title)}</h1>
  <p class="meta">承办单位：{escape(view.department_name)} · 咨询电话：{phone}
    · 自 {view.effective_from.isoformat()} 起执行</p>
  <div class="answer-body">{body}</div>
</article>
<section class="feedback" id="feedback" aria-labelledby="feedback-title" hidden>
  <h2 id="feedback-title">这个回答对您有帮助吗？</h2>
  <div class="votes" role="group" aria-label="好差评">
    <button type="button" class="vote" data-helpful="true" aria-pressed="false">有帮助</button>
    <button type="button" class="vote" data-helpful="false" aria-pressed="false">没帮助</button>
  </div>
  <form class="comment" id="feedback-form" hidden>
    <label for="comment">补充意见（选填，最多 500 字）</label>
    <textarea id="comment" maxlength="500" rows="3"></textarea>
    <button type="submit">提交意见</button>
  </form>
  <p class="status" id="feedback-status" role="status" aria-live="polite"></p>
</section>
<noscript><p class="hint">评价功能需要启用 JavaScript。</p></noscript>{related_section if nearby else ""}"""


def missing(root: str) -> str:
    return f"""<section class="missing">
  <h1>没有找到这篇文章</h1>
  <p>文章可能已经调整或下线。您可以<a href="{escape(root)}">返回首页搜索</a>，
    或拨打 <a href="tel:12345">12345</a> 咨询。</p>
</section>"""
