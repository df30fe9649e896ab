"""`district=` on search and articles, a district named in the query, and the district in the query log: through
the app, on a table of our own with a small directory."""

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.clock import china_today, utc_now
from chalicelib.people.store.directory import StoredDirectory
from chalicelib.wiring import Stores
from tests.conftest import article_text
from tests.test_article_variants import BINHAI_ANSWER, CITY_ANSWER, variant_article
from tests.test_districts import CITY
from tests.test_service import publish

ARTICLE = "biz-registration"


@pytest.fixture
def city(store: Stores) -> Stores:
    """The variant article and one without variants, published, over the small directory of test_districts."""
    store.directory.save(StoredDirectory(CITY))
    publish(store, variant_article())
    park = article_text("binhai-park-hours", title="滨海新区公园几点开门", department="district-amr")
    publish(store, park.replace("heating", "public-services"))
    return store


@pytest.fixture
def app_client(city: Stores) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="dev") as client:
        yield client


def get(client: Client, path: str) -> tuple[int, dict]:
    reply = client.http.get(path)
    return reply.status_code, json.loads(reply.body)


def search(client: Client, q: str, extra: str = "") -> dict:
    status, body = get(client, f"/api/search?q={quote(q)}{extra}")
    assert status == 200, body
    return body


def test_a_search_for_a_district_carries_its_units_and_says_so(app_client: Client):
    reply = search(app_client, "办营业执照", "&district=binhai")
    assert reply["district"] == {"code": "binhai", "name": "滨海新区", "source": "param"}
    top = reply["hits"][0]
    assert (top["id"], top["department"], top["department_name"]) == (ARTICLE, "binhai-approval", "滨海新区行政审批局")
    assert top["dispatch_scope"] == "district"
    hexi = search(app_client, "办营业执照", "&district=河西")["hits"][0]  # the article's override, by name or alias
    assert (hexi["department"], hexi["dispatch_scope"]) == ("hexi-amr", "district")
    city = search(app_client, "办营业执照")
    assert city["district"] is None
    assert (city["hits"][0]["department"], city["hits"][0]["dispatch_scope"]) == ("district-amr-registration", "city")


def test_a_district_named_in_the_query_is_used_and_its_words_are_not_searched(app_client: Client):
    named = search(app_client, "滨海新区开公司办营业执照")
    assert named["query"] == "滨海新区开公司办营业执照"
    assert named["district"] == {"code": "binhai", "name": "滨海新区", "source": "query"}
    assert named["hits"][0]["department"] == "binhai-approval"
    given = search(app_client, "开公司办营业执照", "&district=binhai")
    bracketed = search(app_client, "开公司办营业执照（滨海新区）")  # and the brackets it leaves empty
    for other in (named, bracketed):
        assert [(h["id"], h["score"]) for h in other["hits"]] == [(h["id"], h["score"]) for h in given["hits"]]
    alone = search(app_client, "滨海新区")  # nothing else to search: the words stay
    assert alone["district"]["code"] == "binhai" and alone["hits"]


def test_an_unknown_district_is_refused_naming_the_field(app_client: Client):
    for path in (f"/api/search?q={quote('营业执照')}&district=nankai", f"/api/articles/{ARTICLE}?district=南开区"):
        status, body = get(app_client, path)
        assert status == 400 and body["error"]["field"] == "district", body


def test_an_article_for_a_district_carries_its_wording_and_unit(app_client: Client):
    status, view = get(app_client, f"/api/articles/{ARTICLE}?district={quote('滨海')}")
    assert status == 200
    assert view["district"] == {"code": "binhai", "name": "滨海新区", "source": "param"}
    assert (view["department"], view["department_name"], view["dispatch"]["code"]) == (
        "binhai-approval",
        "滨海新区行政审批局",
        "binhai-approval",
    )
    assert (view["dispatch_scope"], view["wording_scope"]) == ("district", "district")
    assert view["sections"]["标准答复"] == BINHAI_ANSWER and BINHAI_ANSWER in view["html"]
    assert view["sections"]["一次性告知"].endswith("- 营业执照由滨海新区行政审批局核发。")
    assert "### " not in view["html"] and "districts" not in view and "variants" not in view


def test_an_article_without_a_district_or_with_no_wording_of_its_own_is_the_citys(app_client: Client):
    _, city = get(app_client, f"/api/articles/{ARTICLE}")
    assert city["district"] is None and (city["dispatch_scope"], city["wording_scope"]) == ("city", "city")
    assert city["sections"]["标准答复"] == CITY_ANSWER and city["department"] == "district-amr-registration"
    assert "营业执照由滨海新区行政审批局核发" not in city["html"]
    _, hexi = get(app_client, f"/api/articles/{ARTICLE}?district=hexi")
    assert (hexi["department"], hexi["dispatch_scope"], hexi["wording_scope"]) == ("hexi-amr", "district", "city")
    assert hexi["sections"]["标准答复"] == CITY_ANSWER


def test_the_query_log_keeps_the_district_of_each_settled_search(app_client: Client, city: Stores):
    search(app_client, "办营业执照", "&settled=true&district=binhai")
    search(app_client, "河西区办营业执照", "&settled=true")
    search(app_client, "办营业执照", "&settled=true")
    logged = {(s.query, s.district) for s in city.desk_log.searches(china_today())}
    assert logged == {("办营业执照", "binhai"), ("河西区办营业执照", "hexi"), ("办营业执照", None)}


def test_a_query_log_record_from_before_districts_reads_as_the_citys(city: Stores):
    day = china_today()
    old = {"query": "暖气不热", "answered": True, "top": "x", "hits": 1, "role": "citizen", "client": "c"}
    city.records.add(f"QUERYLOG#{day.isoformat()}", old, utc_now(), ttl_days=1)  # as an older release wrote it
    assert [(s.query, s.district) for s in city.desk_log.searches(day)] == [("暖气不热", None)]


def test_a_click_that_settles_a_search_logs_it_for_its_district(app_client: Client, city: Stores):
    click = {"query": "办营业执照", "article_id": ARTICLE, "position": 1, "settles": True, "district": "binhai"}
    reply = app_client.http.post(
        "/api/clicks", headers={"Content-Type": "application/json"}, body=json.dumps(click).encode()
    )
    assert reply.status_code in (200, 201, 202), reply.body
    assert [s.district for s in city.desk_log.searches(china_today())] == ["binhai"]


def test_the_citizens_pages_take_a_district_and_ignore_one_they_do_not_know(app_client: Client):
    results = app_client.http.get(f"/search?q={quote('滨海新区办营业执照')}").body.decode()
    assert f"faq/{ARTICLE}?district=binhai" in results
    page = app_client.http.get(f"/faq/{ARTICLE}?district=binhai").body.decode()
    assert "滨海新区行政审批局" in page and "按滨海新区答复" in page and BINHAI_ANSWER[:20] in page
    for unknown in ("", "?district=nankai"):
        plain = app_client.http.get(f"/faq/{ARTICLE}{unknown}")
        assert plain.status_code == 200 and CITY_ANSWER[:20] in plain.body.decode()
        assert "按滨海新区" not in plain.body.decode()
