"""kb chaos: the real service on the embedded DynamoDB, with faults injected under botocore.

Faults go in at botocore's HTTP layer, below its retries and everything of ours: throttling and 5xx
answers, connection resets, timeouts before the request reached the table, and lost answers (the
write landed, the answer never came back). Some faults are brief (botocore's retry absorbs them), some
persist past every retry, as an outage would. Editors save, submit, approve and publish, citizens
search and rate, and the maintenance job runs, one request at a time; every write carries a marker of
its own. With the faults off, the table is then read to count what went wrong:

- `server_errors`: replies of 5xx other than 503 (and maintenance rounds that failed otherwise than
  with a table error, which the next round retries);
- `half_written`: articles whose working copy, versions and live article disagree, or a search index
  that cannot be loaded;
- `applied_but_reported_failed`: writes answered with an error although their change is in the table;
- `lost_updates`: writes answered 2xx whose change is not in the table.
"""

import datetime as dt
import json
import logging
import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

from chalicelib.store.table import ensure_table
from tools.kb.knowledge import article_files, load_knowledge

log = logging.getLogger(__name__)
_MARKER_LINE = re.compile(r"\n+核对记录 chaos[0-9]+。\n*$")

FAULTS = ("throttle", "server_error", "reset", "timeout", "lost_answer")
PERSISTENT_ATTEMPTS = 4  # more than botocore's 3 attempts: the fault reaches our code
_DYNAMODB_ERRORS = {
    "throttle": (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "server_error": (500, "InternalServerError", "Internal server error"),
}


class FaultyHttp:
    """Stands in for a botocore client's HTTP session: passes a request on, or fails it as AWS might."""

    def __init__(
        self, session: Any, rng: random.Random, rate: float, persistent: float, faults: tuple[str, ...] = FAULTS
    ) -> None:
        self._session = session
        self._faults = faults
        self._rng = rng
        self._rate = rate
        self._persistent = persistent
        self._pending: list[str] = []  # faults still due for the next requests (a persisting one)
        self.enabled = False
        self.injected = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def send(self, request: Any) -> Any:
        fault = self._fault() if self.enabled else None
        if fault is None:
            return self._session.send(request)
        self.injected += 1
        if fault in _DYNAMODB_ERRORS:
            status, code, message = _DYNAMODB_ERRORS[fault]
            body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message})
            return AWSResponse(request.url, status, HeadersDict({"x-amzn-requestid": "chaos"}), _Raw(body.encode()))
        if fault == "reset":
            raise ConnectionClosedError(endpoint_url=request.url)
        if fault == "lost_answer":
            self._session.send(request)  # it reaches the table and is applied; its answer is lost
        raise ReadTimeoutError(endpoint_url=request.url)

    def _fault(self) -> str | None:
        if self._pending:
            return self._pending.pop()
        if self._rng.random() >= self._rate:
            return None
        fault = self._rng.choice(self._faults)
        if self._rng.random() < self._persistent:
            self._pending = [fault] * (PERSISTENT_ATTEMPTS - 1)
        return fault


class _Raw:
    """The body of a made-up answer, as botocore reads a urllib3 one."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class Write:
    """One write sent, its reply, and how to tell afterwards whether its change is in the table."""

    kind: str
    article_id: str
    marker: str
    status: int

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.article_id, self.marker)


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0
    writes: list[Write] = field(default_factory=list)

    def reply(self, status: int) -> int:
        self.requests += 1
        if status >= 500 and status != 503:
            self.server_errors += 1
        return status


def run_chaos(
    knowledge_dir: Path,
    requests: int,
    seed: int,
    rate: float,
    persistent: float,
    faults: tuple[str, ...] = FAULTS,
) -> dict[str, int]:
    """Drive the service under faults for about `requests` requests; the counts of what went wrong."""
    from chalice.test import Client

    from app import app
    from chalicelib import wiring
    from tools.kb.local import embedded_dynamodb
    from tools.kb.sync import sync_knowledge

    loaded = load_knowledge(knowledge_dir)
    if loaded.problems:
        raise SystemExit("\n".join(loaded.problems))
    rng = random.Random(seed)
    with embedded_dynamodb("dev"):
        wiring.reset()
        _fresh_table(wiring.dynamodb(), wiring.settings().table_name)
        now = dt.datetime.now(dt.UTC)
        sync_knowledge(wiring.store(), loaded, now, publish=True)
        articles = sorted(article.id for article in loaded.articles)
        departments = {article.id: article.department for article in loaded.articles}
        people = _people(wiring.keys(), set(departments.values()), now)
        with Client(app, stage_name="dev") as client:
            http = wiring.dynamodb().meta.client._endpoint
            faulty = FaultyHttp(http.http_session, rng, rate, persistent, faults)
            http.http_session = faulty
            tally = Tally()
            driver = _Driver(client, tally, people, departments, rng)
            faulty.enabled = True
            while tally.requests < requests:
                driver.step(rng.choice(articles))
            faulty.enabled = False
            wiring.reset()  # what is left is read afresh, as a new container would
            counts = _check(wiring, client, articles, tally)
        return {"requests": tally.requests, "faults_injected": faulty.injected, **counts}


def _fresh_table(dynamodb: Any, name: str) -> None:
    """An empty table: moto's data lives as long as the process, and an earlier run's would mix in."""
    if name in dynamodb.meta.client.list_tables()["TableNames"]:
        dynamodb.Table(name).delete()
    ensure_table(dynamodb, name)


def _people(ring: Any, departments: set[str], now: dt.datetime) -> dict[tuple[str, str], dict[str, str]]:
    """Authorization headers of one editor and one reviewer per department."""
    return {
        (role, department): {
            "Authorization": f"Bearer {ring.create(role, f'chaos {role} {department}', [department], now)[1]}"
        }
        for department in sorted(departments)
        for role in ("editor", "reviewer")
    }


class _Driver:
    """Moves articles through their editorial life, searches and rates, one request at a time."""

    def __init__(self, client: Any, tally: Tally, people: dict, departments: dict[str, str], rng: random.Random):
        self._client = client
        self._tally = tally
        self._people = people
        self._departments = departments
        self._rng = rng
        self._markers = 0

    def step(self, article_id: str) -> None:
        roll = self._rng.random()
        if roll < 0.2:
            self._search(article_id)
        elif roll < 0.3:
            self._feedback(article_id)
        elif roll < 0.35:
            self._maintenance()
        else:
            self._edit(article_id)

    def _marker(self) -> str:
        self._markers += 1
        return f"chaos{self._markers:05d}"

    def _call(self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        send = getattr(self._client.http, method.lower())
        if method in ("POST", "PUT"):
            reply = send(path, headers={"Content-Type": "application/json", **(headers or {})}, body=data)
        else:
            reply = send(path, headers=headers or {})
        self._tally.reply(reply.status_code)
        return reply

    def _search(self, article_id: str) -> None:
        self._call("GET", f"/api/search?q={self._rng.choice(['暖气不热', '停水', '社保转移', '护照'])}")
        self._call("GET", f"/api/articles/{article_id}")

    def _feedback(self, article_id: str) -> None:
        marker = self._marker()
        body = {"article_id": article_id, "helpful": self._rng.random() < 0.5, "comment": marker}
        reply = self._call("POST", "/api/feedback", None, body)
        self._tally.writes.append(Write("feedback", article_id, marker, reply.status_code))

    def _maintenance(self) -> None:
        from chalicelib import wiring
        from chalicelib.store.table import ConcurrentWrite

        self._tally.requests += 1
        try:
            wiring.maintenance()
        except (BotoCoreError, ClientError, ConcurrentWrite):
            pass  # the table was unwell: the next round (a minute later on AWS) does it
        except Exception:  # noqa: BLE001 - anything else is a bug this run is here to count
            self._tally.server_errors += 1

    def _edit(self, article_id: str) -> None:
        """The next step of the article's life: publish what is approved, approve what is in review, ..."""
        department = self._departments[article_id]
        editor, reviewer = self._people[("editor", department)], self._people[("reviewer", department)]
        path = f"/api/articles/{article_id}"
        loaded = self._call("GET", f"{path}/draft", editor)
        if loaded.status_code != 200:
            return
        draft = loaded.json_body
        revision = {"If-Match": loaded.headers["ETag"]}
        marker = self._marker()
        if draft["state"] == "in_review":
            reply = self._call("POST", f"{path}/approve", {**reviewer, **revision}, {"comment": marker})
            self._tally.writes.append(Write("approve", article_id, marker, reply.status_code))
        elif draft["state"] == "approved":
            reply = self._call("POST", f"{path}/publish", {**reviewer, **revision}, {})
            self._tally.writes.append(Write("publish", article_id, f"v{draft['version']}", reply.status_code))
        elif draft["state"] == "draft" and not draft["problems"]:
            reply = self._call("POST", f"{path}/submit", {**editor, **revision}, {"comment": marker})
            self._tally.writes.append(Write("submit", article_id, marker, reply.status_code))
        else:
            # Each version holds one marker: the previous save's is replaced.
            markdown = _MARKER_LINE.sub("", draft["markdown"]).rstrip("\n") + f"\n\n核对记录 {marker}。\n"
            reply = self._call("PUT", f"{path}/draft", {**editor, **revision}, {"markdown": markdown})
            self._tally.writes.append(Write("save", article_id, marker, reply.status_code))


def _check(wiring: Any, client: Any, articles: list[str], tally: Tally) -> dict[str, int]:
    """With the faults off: which writes landed, and whether every article still holds together.

    Writes are grouped by what they leave in the table: a marker of their own, or for a publish the
    version it made live (a publish answered 503 and tried again makes the same version live once).
    """
    stores = wiring.store()
    answered_ok: Counter[tuple[str, str, str]] = Counter()
    for write in tally.writes:
        answered_ok[write.key] += 200 <= write.status < 300
    applied_but_failed = lost = 0
    for key, ok in answered_ok.items():
        landed = _landed(stores, *key)
        applied_but_failed += max(0, landed - ok)
        lost += max(0, ok - landed)
        if landed != ok:
            log.warning("%s of %s (%s): %d answered 2xx, %d in the table", *key, ok, landed)
    half_written = sum(not _whole(stores.articles, article_id) for article_id in articles)
    half_written += client.http.get("/api/search?q=暖气").status_code != 200
    return {
        "server_errors": tally.server_errors,
        "half_written": half_written,
        "applied_but_reported_failed": applied_but_failed,
        "lost_updates": lost,
    }


def _landed(stores: Any, kind: str, article_id: str, marker: str) -> int:
    """How many times a write's change is in the table."""
    if kind == "feedback":
        return sum(vote.comment == marker for vote in stores.desk_log.votes(article_id))
    if kind == "save":
        versions = (stores.articles.version(article_id, info.version) for info in stores.articles.versions(article_id))
        return sum(version is not None and marker in version.markdown for version in versions)
    entries = stores.articles.audit(article_id, limit=100_000)
    if kind == "publish":
        return sum(e.action == "publish" and f"v{e.version}" == marker for e in entries)
    return sum(e.action == kind and e.comment == marker for e in entries)


def _whole(articles: Any, article_id: str) -> bool:
    """The working copy's versions run 1..latest, and the live article is the version it says it is."""
    head = articles.head(article_id)
    if head is None:
        return False
    numbers = sorted(info.version for info in articles.versions(article_id))
    if numbers != list(range(1, head.version + 1)):
        return False
    live = articles.live(article_id)
    if head.published_version is None:
        return live is None or live.version is None
    version = articles.version(article_id, head.published_version)
    return (
        live is not None
        and live.version == head.published_version
        and version is not None
        and (live.content_hash == version.content_hash)
    )


@contextmanager
def sample_knowledge(knowledge_dir: Path, articles: int) -> Iterator[Path]:
    """A copy of the knowledge folder with its lexicon and only its first `articles` articles."""
    with tempfile.TemporaryDirectory(prefix="kb-chaos-") as folder:
        target = Path(folder) / "knowledge"
        shutil.copytree(knowledge_dir / "_lexicon", target / "_lexicon")
        for path in article_files(knowledge_dir)[:articles]:
            destination = target / path.relative_to(knowledge_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)
        yield target
