"""The citizen FAQ, agent and editor pages, their static files, and server-rendered article pages."""

import re
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib import wiring
from chalicelib.errors import NotFound
from chalicelib.models.content import SLUG_PATTERN, Reader
from chalicelib.models.reading import ArticleView

pages = Blueprint(__name__)
STATIC_DIR = Path(__file__).with_name("static")

# Pages run only our own files: no inline script or style, nothing from elsewhere, no framing.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_STATIC_NAME = re.compile(r"^[a-z0-9-]+\.(css|js)$")
_SLUG = re.compile(SLUG_PATTERN)
# Every page route, as the API document lists it beside the JSON operations: path, summary, and the
# content types of its replies by status.
_PAGE = {"200": ["text/html"]}
PAGES = [
    ("/", "The citizen FAQ page", _PAGE),
    ("/agent", "The agent console", _PAGE),
    ("/editor", "The editor console", _PAGE),
    (
        "/static/{name}",
        "The pages' own scripts and styles",
        {"200": ["text/css", "text/javascript"], "404": ["text/plain"]},
    ),
    (
        "/faq/{article_id}",
        "One article for citizens, rendered on the server (works without JavaScript)",
        {"200": ["text/html"], "404": ["text/html"]},
    ),
]


def _headers(content_type: str) -> dict[str, str | list[str]]:
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": PAGE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        # Pages change with every deployment and article publish; the browser must ask again each time.
        "Cache-Control": "no-cache",
    }


def _html(body: str, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=_headers("text/html; charset=utf-8"))


def _root(depth: int) -> str:
    """The relative way back to the app's root from a page `depth` folders below it.

    Behind API Gateway the app lives under a stage prefix (/api/), so no page may use an absolute path.
    """
    return "../" * depth


def _stage_root() -> str:
    """The way from the app's root page to the app's root: the page may be asked for without its
    trailing slash (/api), and relative links would then resolve beside the stage instead of inside it."""
    full_path = (pages.current_request.context or {}).get("path") or "/"
    return "" if full_path.endswith("/") else full_path.rsplit("/", 1)[-1] + "/"


@cache
def _template(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _fill(template: str, values: dict[str, str]) -> str:
    """One pass, so a value (an article's text, say) is never read as a placeholder itself."""
    return _PLACEHOLDER.sub(lambda match: values[match[1]], template)


@dataclass(frozen=True)
class _Page:
    """What differs between the pages around their main content; the rest is static/shell.html."""

    title: str
    script: str
    console: str = ""  # its name; a citizen page has none: its brand leads home and it ends with the hotline
    tools: str = ""  # what the header holds beside the brand, as HTML with {{root}}


_SIGNOUT = '\n  <button type="button" id="signout" hidden>退出</button>'
_MINI_SEARCH = """
  <form class="mini-search" action="{{root}}" method="get" role="search">
    <label for="q" class="sr-only">搜索问题</label>
    <input id="q" name="q" type="search" placeholder="搜索其他问题" autocomplete="off" maxlength="200">
    <button type="submit">搜索</button>
  </form>"""
_FOOTER = '<footer class="foot">没有找到答案？请拨打 <a href="tel:12345">12345</a> 政务服务便民热线（24小时）</footer>'
_FAQ = _Page("12345 知答 - 政务服务常见问题", "faq.js")
_AGENT = _Page("知答 话务台", "agent.js", console="知答 话务台", tools=_SIGNOUT)
_EDITOR = _Page("知答 编辑台", "editor.js", console="知答 编辑台", tools='\n  <span id="whoami"></span>' + _SIGNOUT)
_ARTICLE = _Page("{title} - 12345 知答", "article.js", tools=_MINI_SEARCH)


def _render(page: _Page, main: str, root: str, title: str = "", article_id: str = "") -> str:
    """The page in the one shell: citizen pages link the brand home and end with the hotline; consoles do not."""
    r = escape(root)
    brand = (
        f'<span class="brand">{escape(page.console)}</span>'
        if page.console
        else f'<a class="brand" href="{r}">12345 知答</a>'
    )
    return _fill(
        _template("shell.html"),
        {
            "root": r,
            "article": escape(article_id),
            "title": escape(page.title.format(title=title)),
            "script": page.script,
            "audience": "console" if page.console else "citizen",
            "brand": brand,
            "tools": _fill(page.tools, {"root": r}),
            "main": main.rstrip("\n"),
            "footer": "" if page.console else _FOOTER + "\n",
        },
    )


def _static_page(page: _Page, name: str, root: str = "") -> Response:
    return _html(_render(page, _fill(_template(name), {"root": escape(root)}), root))


@pages.route("/")
def faq_page() -> Response:
    return _static_page(_FAQ, "faq.html", _stage_root())


@pages.route("/agent")
def agent_page() -> Response:
    return _static_page(_AGENT, "agent.html")


@pages.route("/editor")
def editor_page() -> Response:
    return _static_page(_EDITOR, "editor.html")


@pages.route("/static/{name}")
def static_file(name: str) -> Response:
    if not _STATIC_NAME.match(name) or not (STATIC_DIR / name).is_file():
        return Response(body="not found", status_code=404, headers=_headers("text/plain; charset=utf-8"))
    return Response(body=_template(name), headers=_headers(_STATIC_TYPES[Path(name).suffix]))


@pages.route("/faq/{article_id}")
def article_page(article_id: str) -> Response:
    """The article as citizens see it, complete without JavaScript, so a shared link always works."""
    root = _root(1)
    try:
        if not _SLUG.match(article_id) or len(article_id) > 80:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        view = wiring.knowledge().article(article_id, Reader.CITIZEN)
    except NotFound:
        return _html(_render(_ARTICLE, _missing(root), root, title="没有找到这篇文章"), status=404)
    return _html(_render(_ARTICLE, _article(view, root), root, title=view.title, article_id=view.id))


def _article(view: ArticleView, root: str) -> str:
    phone = f'<a href="tel:{escape(view.phone)}">{escape(view.phone)}</a>' if view.phone else "12345"
    # ArticleView.html is rendered by markdown-it with raw HTML disabled and unsafe links refused: it is safe.
    return f"""<article class="article" aria-labelledby="title">
  <p class="crumb"><a href="{escape(root)}">返回首页</a></p>
  <h1 id="title">{escape(view.title)}</h1>
  <p class="meta">承办单位：{escape(view.department_name)} · 咨询电话：{phone}
    · 自 {view.effective_from.isoformat()} 起执行</p>
  <div class="answer-body">{view.html}</div>
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
    <button type="submit">提交评价</button>
  </form>
  <p class="status" id="feedback-status" role="status" aria-live="polite"></p>
</section>
<noscript><p class="hint">评价功能需要启用 JavaScript。</p></noscript>"""


def _missing(root: str) -> str:
    return f"""<section class="missing">
  <h1>没有找到这篇文章</h1>
  <p>文章可能已经调整或下线。您可以<a href="{escape(root)}">返回首页搜索</a>，
    或拨打 <a href="tel:12345">12345</a> 咨询。</p>
</section>"""
