"""The citizen FAQ, agent and editor pages, their static files, and the server-rendered search results and
article pages (both complete without JavaScript)."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from chalice import Blueprint, Response

from chalicelib import wiring
from chalicelib.errors import NotFound
from chalicelib.knowledge.frontmatter import front_matter_fields
from chalicelib.knowledge.models.content import SLUG_PATTERN
from chalicelib.knowledge.models.reading import ArticleListParams, SearchParams, SearchResult
from chalicelib.knowledge.parsing import ANSWER
from chalicelib.knowledge.rendering import summary
from chalicelib.people.access import ANONYMOUS, Reader
from chalicelib.people.directory import Department
from chalicelib.web import callers, faq

pages = Blueprint(__name__)
STATIC_DIR = Path(__file__).with_name("static")

# Pages run only our own files: no inline script or style, nothing from elsewhere, no framing. They talk to
# our API and, to sign people in, to the identity provider (its discovery, keys and token endpoint).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{provider}; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def page_csp(issuer: str | None) -> str:
    """The pages' policy for a stage with this identity provider (None: API keys only)."""
    if not issuer:
        return PAGE_CSP.format(provider="")
    parts = urlsplit(issuer)
    return PAGE_CSP.format(provider=f" {parts.scheme}://{parts.netloc}")


_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_STATIC_NAME = re.compile(r"^[a-z0-9-]+\.(css|js)$")
_SLUG = re.compile(SLUG_PATTERN)
# Every page route, as the API document lists it beside the JSON operations: path, summary, and the
# content types of its replies by status.
_PAGE = {"200": ["text/html"]}
PAGES = [
    ("/", "The citizen FAQ page", _PAGE),
    ("/search", "Search results for citizens (?q=), rendered on the server: the FAQ form without JavaScript", _PAGE),
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
        "Content-Security-Policy": page_csp(wiring.settings().oidc_issuer),
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
  <form class="mini-search" action="{{root}}search" method="get" role="search">
    <label for="q" class="sr-only">搜索问题</label>
    <input id="q" name="q" type="search" placeholder="搜索其他问题" autocomplete="off" maxlength="200">{{district}}
    <button type="submit">搜索</button>
  </form>"""
_FOOTER = '<footer class="foot">没有找到答案？请拨打 <a href="tel:12345">12345</a> 政务服务便民热线（24小时）</footer>'
_FAQ = _Page("12345 知答 - 政务服务常见问题", "faq.js")
# Never the query in the title: browsers keep titles in their history, and a query may hold a phone number.
_RESULTS = _Page("搜索结果 - 12345 知答", "faq.js")
_FAQ_DESCRIPTION = "12345 政务服务便民热线常见问题：供暖、社保、水电燃气、企业办事等，搜索即可查看标准答复和办理须知。"
_AGENT = _Page("知答 话务台", "agent.js", console="知答 话务台", tools=_SIGNOUT)
_EDITOR = _Page("知答 编辑台", "editor.js", console="知答 编辑台", tools='\n  <span id="whoami"></span>' + _SIGNOUT)
_ARTICLE = _Page("{title} - 12345 知答", "article.js", tools=_MINI_SEARCH)


def _render(
    page: _Page,
    main: str,
    root: str,
    title: str = "",
    article_id: str = "",
    description: str = "",
    district: str | None = None,
) -> str:
    """The page in the one shell: citizen pages link the brand home and end with the hotline; consoles do not. An
    article page read for a `district` searches for it too."""
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
            "head": f'<meta name="description" content="{escape(description)}">\n' if description else "",
            "script": page.script,
            "audience": "console" if page.console else "citizen",
            "brand": brand,
            "tools": _fill(page.tools, {"root": r, "district": faq.district_field(district)}),
            "main": main.rstrip("\n"),
            "footer": "" if page.console else _FOOTER + "\n",
        },
    )


def _static_page(page: _Page, name: str, root: str = "") -> Response:
    return _html(_render(page, _fill(_template(name), {"root": escape(root)}), root))


@pages.route("/")
def faq_page() -> Response:
    root = _stage_root()
    return _html(_render(_FAQ, _faq(root, districts=_districts()), root, description=_FAQ_DESCRIPTION))


@pages.route("/search")
def search_page() -> Response:
    """The FAQ page with one search's results in it: a settled search, logged as the API logs one."""
    params: dict[str, str] = dict(pages.current_request.query_params or {})
    query = params.get("q", "").strip()[:200]
    root = "./"  # not "": the brand's link home would then be this very page
    district = _district()  # the form's 所在区, kept chosen on the results
    if not query:
        return _html(_render(_FAQ, _faq(root, None, _districts(), district), root, description=_FAQ_DESCRIPTION))
    result = wiring.knowledge().search(SearchParams(q=query, limit=8, district=district), Reader.CITIZEN)
    wiring.desk().log_search(query, result, ANONYMOUS, callers.client_of(pages.current_request))
    return _html(_render(_RESULTS, _faq(root, result, _districts(), district), root))


@pages.route("/agent")
def agent_page() -> Response:
    return _static_page(_AGENT, "agent.html")


@pages.route("/editor")
def editor_page() -> Response:
    return _static_page(_EDITOR, "editor.html")


@pages.route("/static/{name}")
def static_file(name: str) -> Response:
    if name in _GENERATED:
        return Response(body=_GENERATED[name](), headers=_headers(_STATIC_TYPES[".js"]))
    if not _STATIC_NAME.match(name) or not (STATIC_DIR / name).is_file():
        return Response(body="not found", status_code=404, headers=_headers("text/plain; charset=utf-8"))
    return Response(body=_template(name), headers=_headers(_STATIC_TYPES[Path(name).suffix]))


@cache
def _fields_module() -> str:
    """static/fields.js: the front matter's fields, from the model lint reads them with (no copy in the page)."""
    fields = json.dumps(front_matter_fields(), ensure_ascii=False)
    return f"// Made by the server from the article model.\nexport const FIELDS = {fields};\n"


_GENERATED = {"fields.js": _fields_module}


@pages.route("/faq/{article_id}")
def article_page(article_id: str) -> Response:
    """The article as citizens see it, complete without JavaScript, so a shared link always works."""
    root = _root(1)
    knowledge = wiring.knowledge()
    try:
        if not _SLUG.match(article_id) or len(article_id) > 80:
            raise NotFound(f"no article with id '{article_id}'", field="id")
        view = knowledge.article(article_id, Reader.CITIZEN, district=_district())
    except NotFound:
        return _html(_render(_ARTICLE, faq.missing(root), root, title="没有找到这篇文章"), status=404)
    visible = knowledge.articles(ArticleListParams(), Reader.CITIZEN)  # what cross-references may link to
    found = knowledge.search(SearchParams(q=view.title, limit=8), Reader.CITIZEN).hits  # not logged: no one asked
    category = {c.id: c.name for c in knowledge.categories(Reader.CITIZEN)}.get(view.category, view.category)
    main = faq.article(view, root, category, visible, found)
    description = summary(view.sections.get(ANSWER, "")) or view.title
    district = view.district.code if view.district else None
    return _html(_render(_ARTICLE, main, root, view.title, view.id, description, district))


def _district() -> str | None:
    """The citizen's `?district=` (a district's code, name or alias) if the directory knows it; else the city's."""
    params: dict[str, str] = dict(pages.current_request.query_params or {})
    key = params.get("district", "").strip()[:40]
    district = wiring.knowledge().directory().district(key) if key else None
    return district.code if district else None


def _districts() -> list[Department]:
    return wiring.knowledge().directory().districts()


def _faq(
    root: str, result: SearchResult | None = None, districts: Sequence[Department] = (), chosen: str | None = None
) -> str:
    """faq.html, empty (faq.js fills the landing) or with a search's results in it, decided as faq.js decides; its
    所在区 offers `districts`, `chosen` (a code) selected."""
    values = {
        "root": escape(root),
        "districts": faq.district_options(districts, chosen),
        "district_row": "" if districts else " hidden",
        "district": "",
        "query": "",
        "status": "",
        "answer": " hidden",
        "emergency": "",
        "emergency_hidden": " hidden",
        "way": faq.way_forward(None),
        "hotline": " hidden",
        "results_class": "sr-only",
        "results_title": "搜索结果",
        "results": "",
    }
    if result is not None:
        urgent = result.referral if faq.is_emergency(result.referral) else None
        results_class, results_title = faq.results_title(result)
        values |= {
            "query": escape(result.query),
            "status": escape(faq.said(result)),
            "answer": "",
            "emergency": faq.emergency(urgent) if urgent else "",
            "emergency_hidden": "" if urgent else " hidden",
            "way": faq.way_forward(None if urgent else result.referral),
            "hotline": "" if faq.shows_way_forward(result) else " hidden",
            "results_class": results_class,
            "results_title": results_title,
            "results": faq.hits(result.hits, root, result.district.code if result.district else None),
            "district": escape(result.district.code) if result.district else "",  # what the hits were shown for
        }
    return _fill(_template("faq.html"), values)
