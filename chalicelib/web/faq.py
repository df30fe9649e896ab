"""What citizens read, as HTML the server sends: search results and the article page. Pure.

Every value is escaped here; the article's body is markdown-it's, raw HTML off (rendering.py). The results page
decides what to show from the reply's state, hits and referral exactly as faq.js does after a search of its own:
an emergency above everything, the way forward (a referral, else 12345) whenever no article answers, candidates
labelled as possibly related, and the hits in the server's order.
"""

import re
from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from chalicelib.knowledge.models.reading import ArticleSummary, ArticleView, Referral, SearchHit, SearchResult
from chalicelib.knowledge.rendering import Resolve, reference_key, render_linked
from chalicelib.people.directory import Department

RELATED = 6
RELATED_SCORE = 0.2  # below it, a search over the title finds words in common, not the same matter
HOTLINE = "12345"
NO_ANSWER = "我们没有找到能确切回答这个问题的内容。请拨打 12345 政务服务便民热线（24小时），由话务员为您解答。"


def is_emergency(referral: Referral | None) -> bool:
    return referral is not None and referral.kind == "emergency"


def shows_way_forward(result: SearchResult) -> bool:
    """The referral or 12345 box: whenever no article answers, or the server names a referral all the same."""
    return not is_emergency(result.referral) and (result.state != "answered" or result.referral is not None)


def said(result: SearchResult) -> str:
    """The status line about a search's results, which screen readers read out."""
    referral, found = result.referral, f"找到 {len(result.hits)} 条相关问题"
    if referral is not None and referral.kind == "emergency":
        call = (
            f"紧急情况，请立即拨打 {referral.phone}"
            if referral.phone
            else f"紧急情况，请立即联系{referral.name}（电话未登记，请拨打 {HOTLINE} 转办）"
        )
        return f"{call}。{found}" if result.hits else call
    if result.state == "answered":
        return found
    missing = "没有找到确切答案" if result.state == "doubtful" else "没有找到相关问题"
    if referral is None:
        return f"{missing}，请拨打 {HOTLINE}。"
    return f"{missing}，请拨打 {referral.phone}。" if referral.phone else f"{missing}，请拨打 {HOTLINE} 转办。"


def results_title(result: SearchResult) -> tuple[str, str]:
    """(class, text) of the heading over the hits: candidates are labelled as such; answers need no label."""
    return ("candidates-title", "可能相关的问题") if result.state == "doubtful" else ("sr-only", "搜索结果")


def _tel(phone: str) -> str:
    """The number a phone dials: digits and + only (a directory may write 0431-8888 1234); an extension (12345 转 2,
    022-12345678-8001) after a comma, the pause phones dial it after."""
    main, extension = phone.split("转", 1) if "转" in phone else (phone, "")
    groups = main.split("-")
    if not extension and len(groups) > 1 and re.fullmatch(r"[0-9]{7,8}", groups[-2]):  # a local number, then a group
        main, extension = "-".join(groups[:-1]), groups[-1]
    dialled = re.sub(r"[^0-9+]", "", main) + ("," + re.sub(r"[^0-9]", "", extension) if extension else "")
    return escape("tel:" + dialled)


def _dial(phone: str) -> str:
    return f'<a href="{_tel(phone)}">{escape(phone)}</a>'


def way_forward(referral: Referral | None, why: str = NO_ANSWER) -> str:
    """Where a question no article answers goes on: who handles it and their number, else 12345."""
    if referral is None:
        return f"<p><strong>请拨打 {_dial(HOTLINE)}</strong></p><p>{escape(why)}</p>"
    call = f"电话{_dial(referral.phone)}" if referral.phone else f"电话未登记，请拨打 {_dial(HOTLINE)} 转办"
    return f"<p><strong>这个问题由{escape(referral.name)}办理，{call}</strong></p><p>{escape(referral.say)}</p>"


def emergency(referral: Referral) -> str:
    """The emergency block, above every article: the number to call now, big, as a link a phone dials."""
    if referral.phone:
        call = f'<a href="{_tel(referral.phone)}">请立即拨打 <span class="number">{escape(referral.phone)}</span></a>'
    else:
        call = f"请立即联系{escape(referral.name)}，电话未登记，请拨打 {_dial(HOTLINE)} 转办"
    return (
        f'<h2 id="emergency-title">紧急情况：{escape(referral.topic)}</h2>'
        f'<p class="call">{call}</p><p>{escape(referral.say)}</p>'
    )


def hits(found: list[SearchHit], root: str, district: str | None = None) -> str:
    """The results list's items: each title links to its article (as the search's district reads it), the snippet
    has its matched words marked."""
    shown_for = f"?district={quote(district)}" if district else ""
    return "".join(
        f'\n      <li><a href="{escape(root)}faq/{escape(hit.id)}{escape(shown_for)}" data-id="{escape(hit.id)}">'
        f'<span class="title">{escape(hit.title)}</span><span class="snippet">{_marked(hit.snippet, hit.marks)}</span>'
        "</a></li>"
        for hit in found
    )


def district_options(districts: Sequence[Department], chosen: str | None) -> str:
    """The 所在区 choices after 不选, as the directory lists them; `chosen` (a code) selected."""
    return "".join(
        f'\n          <option value="{escape(d.code)}"{" selected" * (d.code == chosen)}>{escape(d.name)}</option>'
        for d in districts
    )


def district_field(district: str | None) -> str:
    """The district a page was read for, as a hidden field of its search form (a search from it answers for it)."""
    return f'\n    <input type="hidden" name="district" value="{escape(district)}">' if district else ""


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
  <p class="meta">{_district_note(view)}承办单位：{escape(view.department_name)} · 咨询电话：{phone}
    · 自 {view.effective_from.isoformat()} 起执行</p>
  <div class="answer-body">{body}</div>
</article>
<section class="feedback" id="feedback" aria-labelledby="feedback-title" data-district="{_shown_for(view)}" hidden>
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


def _shown_for(view: ArticleView) -> str:
    """The code of the district the page answers for (its 好差评 counts for it too), or nothing: the city's."""
    return escape(view.district.code) if view.district else ""


def _district_note(view: ArticleView) -> str:
    """Which district the page answers for, and whether the district has its own unit or wording here."""
    if view.district is None:
        return ""
    own = view.dispatch_scope == "district" or view.wording_scope == "district"
    return f"按{escape(view.district.name)}{'答复' if own else '查看（本文全市通用）'} · "


def missing(root: str) -> str:
    return f"""<section class="missing">
  <h1>没有找到这篇文章</h1>
  <p>文章可能已经调整或下线。您可以<a href="{escape(root)}">返回首页搜索</a>，
    或拨打 <a href="tel:12345">12345</a> 咨询。</p>
</section>"""
