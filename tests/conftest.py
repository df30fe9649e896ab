"""Shared fixtures: moto in process, a real table, the real knowledge folder."""

import base64
import datetime as dt
import hashlib
import http.cookiejar
import json
import multiprocessing
import os
import pickle
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.config import DefaultConfig
from moto.dynamodb.models import dynamodb_backends
from moto.server import ThreadedMotoServer

from chalicelib import wiring
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.reading import KnowledgeService
from chalicelib.store.table import ensure_table
from chalicelib.wiring import Stores, stores_with_bucket
from tools.kb.knowledge import LoadedKnowledge, load_knowledge
from tools.kb.moto_fixes import make_moto_queries_read_one_partition, make_moto_writes_atomic
from tools.kb.sync import sync_knowledge
from tools.kb.vectors import remembered_vectors

PROJECT_DIR = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
REGION = "cn-north-1"
OPERATOR = "oidc:ops-wang"  # the principal the tests' kb commands run as
TABLE_NAME = "zhida-dev"  # the dev stage's table in .chalice/config.json, which chalice.test.Client applies
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
T = TypeVar("T")
make_moto_writes_atomic()  # DynamoDB's writes are atomic; moto's, across threads, are not
make_moto_queries_read_one_partition()  # and a query reads one partition, not the whole table


SERVER_FIXTURES = {"live_server", "demo_keys"}
PACKAGE_FIXTURES = {"packaged", "template"}  # test_deployment's one `kb package` build


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser tests, the tests that start a server and those on the package, so that the inner loop
    can leave them out.

    The tests on the session's one live server run in one xdist worker, so there is one such server; so do
    the tests on the package, which is built once.
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        if SERVER_FIXTURES & fixtures or "test_serve" in item.path.name:
            item.add_marker(pytest.mark.server)
        if SERVER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.xdist_group("live_server"))
        if PACKAGE_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("package"))


def _embed_share(share: int, shares: int) -> None:
    """Compute one share of the knowledge folder's vectors into the disk cache."""
    loaded = load_knowledge(KNOWLEDGE_DIR)
    with remembered_vectors():
        engine = SearchEngine(loaded.lexicon)
        for article in loaded.articles[share::shares]:
            engine.index_article(article)
        engine.embedder.queries(engine.listed_texts[share::shares])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Before xdist starts its workers: the knowledge folder's vectors into the disk cache, computed once on up
    to four cores (a fresh clone: 25 s on two cores, 43 s on one; afterwards about 3 s), instead of by each
    worker and `kb serve` at the same time. A run in one process computes them as it needs them."""
    if hasattr(session.config, "workerinput") or not getattr(session.config.option, "numprocesses", None):
        return
    shares = min(os.cpu_count() or 1, 4)  # each process holds the model (about 200 MB)
    with ProcessPoolExecutor(shares, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_embed_share, range(shares), [shares] * shares))


@pytest.fixture(scope="session", autouse=True)
def _vectors_on_disk() -> Iterator[None]:
    """Tests share the tools' disk cache of vectors, so the knowledge folder is embedded once per machine."""
    with remembered_vectors():
        yield


@pytest.fixture(autouse=True)
def _keys_checked_at_the_tests_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys made in process at NOW expire a year after it: checked against the real clock, they would all be
    refused from NOW + 365 days on. In process, a key's expiry is checked at NOW (tests of expiry set a clock)."""
    monkeypatch.setattr("chalicelib.people.keys.utc_now", lambda: NOW)


@pytest.fixture(autouse=True)
def _an_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who runs the kb commands that change a table (kb sync, import, keys), as an operator's shell would say."""
    monkeypatch.setenv("ZHIDA_OPERATOR", OPERATOR)


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real AWS account: fake credentials, a fixed region, no local endpoint."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("DYNAMODB_ENDPOINT", raising=False)


# boto3's default session lives across tests: a new one per test re-read botocore's service models from
# disk, about 0.2 s for each table and each app a test made.
KEEP_SESSION: DefaultConfig = {"core": {"reset_boto3_session": False}}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(config=KEEP_SESSION):
        wiring.reset()
        yield
        wiring.reset()


@pytest.fixture
def local_dynamodb() -> Iterator[str]:
    """moto's server on a free loopback port, as `make run` embeds it: its endpoint, for the kb commands."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = "http://{}:{}".format(*server.get_host_and_port())
    # moto's state lives in this process, not in the server: without a reset the server would serve the tables
    # an earlier test left (mock_aws's `zhida-dev`, with today's report hours already summarised, empty).
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=30)
    try:
        yield endpoint
    finally:
        urllib.request.urlopen(reset, timeout=30)
        server.stop()


@pytest.fixture
def store(aws: None) -> Stores:
    return stores_with_bucket(ensure_table(boto3.resource("dynamodb", region_name=REGION), TABLE_NAME), s3_client())


@pytest.fixture(scope="session")
def knowledge() -> LoadedKnowledge:
    loaded = load_knowledge(KNOWLEDGE_DIR)
    assert not loaded.problems, loaded.problems
    return loaded


def s3_client() -> Any:
    return boto3.client("s3", region_name=REGION)


def synced_table_of(knowledge: LoadedKnowledge) -> bytes:
    """The table after `kb sync --publish` of that knowledge, kept as moto's own table object, and the snapshot
    bucket's objects, pickled: a test gets its own copy in about 25 ms, where writing the items again took 170."""
    with mock_aws(config=KEEP_SESSION):
        table = ensure_table(boto3.resource("dynamodb", region_name=REGION), TABLE_NAME)
        stores = stores_with_bucket(table, s3_client())
        sync_knowledge(stores, knowledge, NOW, publish=True)
        listed = s3_client().list_objects_v2(Bucket=stores.bucket.name).get("Contents", [])
        objects = {
            o["Key"]: s3_client().get_object(Bucket=stores.bucket.name, Key=o["Key"])["Body"].read() for o in listed
        }
        return pickle.dumps((dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[TABLE_NAME], objects))


def store_copy(synced: bytes) -> Stores:
    """A test's own copy of a pickled table and its bucket (inside the test's mock)."""
    table, objects = pickle.loads(synced)
    dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[TABLE_NAME] = table
    stores = stores_with_bucket(boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAME), s3_client())
    for key, data in objects.items():
        stores.bucket.client.put_object(Bucket=stores.bucket.name, Key=key, Body=data)
    return stores


def a_few_articles(knowledge: LoadedKnowledge, ids: set[str]) -> LoadedKnowledge:
    """The same folder with only these articles: for tests whose cost grows with the number of articles."""
    chosen = [article for article in knowledge.articles if article.id in ids]
    assert len(chosen) == len(ids), ids - {article.id for article in chosen}
    return replace(knowledge, articles=chosen)


@pytest.fixture(scope="session")
def synced_table(knowledge: LoadedKnowledge) -> bytes:
    """knowledge/ synced, once per worker."""
    return synced_table_of(knowledge)


@pytest.fixture
def synced_store(aws: None, synced_table: bytes) -> Stores:
    return store_copy(synced_table)


def knowledge_service(store: Stores, today: Callable[[], dt.date] | None = None, **options) -> KnowledgeService:
    """A reader's service on the families of a test's table, as wiring builds it (options: the live index's)."""
    live = LiveIndex(store.articles, store.snapshots, store.lexicon, store.directory, **options)
    return KnowledgeService(live, store.articles, **({"today": today} if today else {}))


def editorial_service(store: Stores, **options) -> EditorialService:
    """The editorial service on the families of a test's table, the directory read afresh each time."""
    return EditorialService(store.articles, store.lexicon, store.directory.departments, **options)


def article_text(article_id: str = "test-article", **overrides: str) -> str:
    """A valid article file; keyword arguments replace whole front-matter lines or sections."""
    fields = {
        "id": article_id,
        "title": "暖气不热怎么办",
        "category": "heating",
        "audience": "public",
        "department": "heating-company",
        "phone": '"12345"',
        "questions": "[暖气片不热, 屋里不暖和]",
        "keywords": "[暖气, 截门]",
        "effective_from": "2025-10-01",
        "review_by": "2026-10-01",
    }
    fields.update({k: v for k, v in overrides.items() if k in fields or k in ("expires", "source")})
    answer = overrides.get(
        "answer",
        "您好，暖气不热请先打开进水和回水截门，再听一听暖气片里有没有水流声；如果上热下凉，多半是存了空气，"
        "可以用放风阀排气。自查后仍不热，请拨打所属供热站的报修电话，或拨打12345，由我们派单给供热企业上门检查。",
    )
    header = "\n".join(f"{k}: {v}" for k, v in fields.items())
    default_body = (
        f"## 标准答复\n\n{answer}\n\n## 一次性告知\n\n- 报修时说明楼号和门牌号。\n\n"
        "## 内部提示\n\n- 整栋楼不热按紧急派单。\n"
    )
    body = overrides.get("body", default_body)
    return f"---\n{header}\n---\n\n{body}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LIVE_SERVER_LOGS: dict[str, Path] = {}  # each live server's log by its URL, for fixtures that read what it printed
SERVER_EXITS: dict[str, tuple[int, str]] = {}  # each stopped server's exit status and everything it printed


@contextmanager
def running_server(data: Path, stop_signal: int = signal.SIGTERM, signals: int = 1) -> Iterator[str]:
    """`python -m tools.kb serve` on a free port, keeping its data in `data`: what `make run` starts."""
    port = free_port()
    # The server's log goes to a file: an unread pipe would fill up and stall the server.
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="kb-serve-")
    process = subprocess.Popen(
        # -u: each line reaches the log as it is printed (demo_keys reads the keys from it).
        [
            sys.executable,
            "-X",
            "faulthandler",
            "-u",
            "-m",
            "tools.kb",
            "serve",
            "--port",
            str(port),
            "--idp-port",
            "0",  # the identity provider on any free port: the port after ours may be another server's
            "--data",
            str(data),
        ],
        cwd=PROJECT_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url + "/api/health", timeout=2)
            break
        except OSError:
            assert process.poll() is None, Path(log.name).read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the server did not start within 180 s"
            time.sleep(0.2)
    LIVE_SERVER_LOGS[url] = Path(log.name)
    try:
        yield url
    finally:
        for _ in range(signals):  # more than one: an impatient Ctrl-C, or a supervisor that insists
            process.send_signal(stop_signal)
            time.sleep(0.1)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            # Where it hangs: faulthandler writes every thread's stack to the log on SIGABRT.
            process.send_signal(signal.SIGABRT)
            process.wait(timeout=10)
            raise AssertionError("the server did not stop within 120 s:\n" + Path(log.name).read_text()) from None
        log.seek(0)
        SERVER_EXITS[url] = (process.returncode, log.read())
        log.close()


def server_keys(url: str) -> dict[str, str]:
    """A live server's demo API keys by role, from its lines `demo key ROLE DEPARTMENT: KEY`."""
    printed = LIVE_SERVER_LOGS[url].read_text(encoding="utf-8")
    keys = dict(re.findall(r"^demo key (\S+) \S+: (\S+)$", printed, flags=re.MULTILINE))
    assert {"agent", "editor", "reviewer", "admin"} <= set(keys), printed
    return keys


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the whole session, its local data in a temporary folder."""
    with running_server(tmp_path_factory.mktemp("serve") / "local.jsonl") as url:
        yield url


@pytest.fixture(scope="session")
def demo_keys(live_server: str) -> dict[str, str]:
    return server_keys(live_server)


class Clock:
    """A settable clock for a service's `now` (a datetime) or `monotonic` (seconds): call it to read it."""

    def __init__(self, now: Any = NOW) -> None:
        self.now = now

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(synced_store: Stores) -> Iterator[Any]:
    """chalice's test client on the app, over a table synced from knowledge/."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="dev") as chalice_client:
        yield chalice_client


def all_at_once(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Run every call in its own thread, all released at the same moment; each result (or error), in order."""
    start = threading.Barrier(len(calls))
    results: list[T | Exception] = [RuntimeError("did not finish")] * len(calls)

    def run(n: int, call: Callable[[], T]) -> None:
        start.wait()
        try:
            results[n] = call()
        except Exception as error:  # noqa: BLE001 - the caller looks at each outcome
            results[n] = error

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def provider_tokens(issuer: str, username: str, password: str, redirect_uri: str) -> dict[str, Any]:
    """The tokens a page gets from an OIDC provider for this person: the authorization code flow with PKCE, as
    signin.js runs it, through the provider's own sign-in form (its session cookie kept)."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # the redirect back to the page is read, not followed

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": "zhida-local",
        "redirect_uri": redirect_uri,
        "scope": "openid profile groups",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    try:
        opener.open(f"{issuer}/authorize?{urllib.parse.urlencode(query)}", data=form, timeout=10)
        raise AssertionError("the provider did not send the browser back to the page")
    except urllib.error.HTTPError as redirect:
        back = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect.headers["Location"]).query)
    assert back["state"] == [query["state"]], back
    exchange = {
        "grant_type": "authorization_code",
        "code": back["code"][0],
        "redirect_uri": redirect_uri,
        "client_id": "zhida-local",
        "code_verifier": verifier,
    }
    with opener.open(f"{issuer}/token", data=urllib.parse.urlencode(exchange).encode(), timeout=10) as reply:
        return json.loads(reply.read())
