"""Reading: search, suggestions, articles, popular questions, categories. Each route a record and one service call."""

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.knowledge.models.reading import (
    ArticleListParams,
    ArticleParams,
    ArticleSummary,
    ArticleView,
    Category,
    PopularArticle,
    PopularParams,
    SearchParams,
    SearchResult,
    SuggestParams,
    SuggestResult,
)
from chalicelib.people.access import Principal
from chalicelib.web.http_api import JsonApi
from chalicelib.web.operations import ARTICLE, Listing, Operation

routes = Blueprint(__name__)
api = JsonApi(routes)


@api.route(Operation("GET", "/api/search", "Search the knowledge base", SearchResult))
def search(caller: Principal, query: SearchParams, client: str):
    result = wiring.knowledge().search(query, caller.reader)
    if query.settled:  # as-you-type searches are never logged or counted
        wiring.desk().log_search(query.q, result, caller, client)
    return result


@api.route(Operation("GET", "/api/suggest", "Autocomplete from titles and phrasings", SuggestResult))
def suggest(caller: Principal, query: SuggestParams):
    return wiring.knowledge().suggest(query, caller.reader)


@api.route(
    Operation(
        "GET",
        "/api/articles",
        "Every article the caller may see, optionally in one category",
        Listing("articles", ArticleSummary),
    )
)
def articles(caller: Principal, query: ArticleListParams):
    return wiring.knowledge().articles(query, caller.reader)


@api.route(
    Operation(
        "GET",
        "/api/popular",
        "Hot questions: the articles that answered most searches in the last 7 days",
        Listing("articles", PopularArticle),
    )
)
def popular(caller: Principal, query: PopularParams):
    return wiring.desk().popular(caller.reader, query.limit)


@api.route(
    Operation(
        "GET",
        ARTICLE,
        "One article, as the caller may see it (as_of: as published then; district: for a caller of that district)",
        ArticleView,
        errors=(404,),
    )
)
def article(article_id: str, caller: Principal, query: ArticleParams):
    return wiring.knowledge().article(article_id, caller.reader, query.as_of, query.district)


@api.route(
    Operation(
        "GET",
        "/api/categories",
        "Categories with the number of articles the caller may see",
        Listing("categories", Category),
    )
)
def categories(caller: Principal):
    return wiring.knowledge().categories(caller.reader)
