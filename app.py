"""HTTP routes: parse and validate, make one service call, return JSON. Nothing else lives here."""

import functools
from typing import Any, TypeVar

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from chalicelib import wiring
from chalicelib.errors import InvalidInput, ZhidaError
from chalicelib.models import Reader, SearchParams, SuggestParams

app = Chalice(app_name="zhida")
BaseModelT = TypeVar("BaseModelT", bound=BaseModel)


def _error_response(error: ZhidaError) -> Response:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    return Response(body={"error": body}, status_code=error.status)


def api(path: str, **options: Any):
    """app.route, with every domain error answered as one JSON shape instead of a 500."""

    def register(view):
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return view(*args, **kwargs)
            except ZhidaError as error:
                return _error_response(error)

        return app.route(path, **options)(guarded)

    return register


def _parse(model: type[BaseModelT], data: dict[str, Any] | None) -> BaseModelT:
    try:
        return model.model_validate(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}" if field else first["msg"], field=field) from None


def _reader() -> Reader:
    # Until API keys exist every caller is an anonymous citizen.
    return Reader.CITIZEN


def _json(model: BaseModel | list[BaseModel]) -> Any:
    if isinstance(model, list):
        return [m.model_dump(mode="json") for m in model]
    return model.model_dump(mode="json")


@api("/api/search")
def search():
    params = _parse(SearchParams, app.current_request.query_params)
    return _json(wiring.knowledge().search(params, _reader()))


@api("/api/suggest")
def suggest():
    params = _parse(SuggestParams, app.current_request.query_params)
    return _json(wiring.knowledge().suggest(params, _reader()))


@api("/api/articles/{article_id}")
def article(article_id: str):
    return _json(wiring.knowledge().article(article_id, _reader()))


@api("/api/categories")
def categories():
    return {"categories": _json(wiring.knowledge().categories(_reader()))}


@api("/api/health")
def health():
    return {"status": "ok", "generation": wiring.knowledge().generation()}
