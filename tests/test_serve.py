"""`make run` underneath: kb serve starts the embedded DynamoDB, loads knowledge/ and answers HTTP."""

import functools
import json
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from tests.conftest import SERVER_EXITS, all_at_once, article_text, running_server, server_keys


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_readme_search_finds_the_heating_article(live_server: str):
    status, body = fetch(f"{live_server}/api/search?q={quote('暖气不热')}")
    assert status == 200 and body["hits"][0]["id"] == "heating-radiator-not-warm"


def test_the_access_log_never_holds_what_was_searched(live_server: str):
    from tests.conftest import LIVE_SERVER_LOGS

    status, _ = fetch(f"{live_server}/api/search?q={quote('我的电话13812345678暖气不热')}")
    assert status == 200
    printed = LIVE_SERVER_LOGS[live_server].read_text(encoding="utf-8")
    assert '"GET /api/search" 200' in printed and "13812345678" not in printed and "%E6%9A%96" not in printed


def test_an_internal_article_is_404_for_an_anonymous_caller(live_server: str):
    status, body = fetch(f"{live_server}/api/articles/center-repair-request")
    assert status == 404 and body["error"]["code"] == "not_found"


def _call(url: str, key: str, method: str = "GET", body: object | None = None, etag: str | None = None):
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        **({"If-Match": etag} if etag else {}),
    }
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=30) as response:
        return json.loads(response.read()), response.headers.get("ETag")


def test_the_consoles_work_survives_ctrl_c_and_a_new_run(tmp_path: Path):
    """A new draft stays a draft, an archived article stays archived, and the demo editor is the same holder."""
    data = tmp_path / "local.jsonl"
    markdown = article_text("heating-restart-check", title="重启以后还在吗")
    with running_server(data, stop_signal=signal.SIGINT) as url:
        keys = server_keys(url)
        _call(f"{url}/api/articles", keys["editor"], "POST", {"markdown": markdown})
        article = f"{url}/api/articles/heating-fee-payment"
        _, etag = _call(f"{article}/archive", keys["admin"], "POST", {"comment": "已停办"})  # one asks,
        _call(f"{article}/approve", keys["reviewer"], "POST", {}, etag)  # another confirms
        first_editor = _call(f"{url}/api/me", keys["editor"])[0]["principal"]
    assert data.is_file()
    with running_server(data) as url:
        keys = server_keys(url)
        draft, _ = _call(f"{url}/api/articles/heating-restart-check/draft", keys["editor"])
        archived, _ = _call(f"{url}/api/articles/heating-fee-payment/draft", keys["admin"])
        assert fetch(f"{url}/api/articles/heating-fee-payment")[0] == 404
        assert _call(f"{url}/api/me", keys["editor"])[0]["principal"] == first_editor
    assert draft["markdown"] == markdown and draft["state"] == "draft" and draft["updated_by"] == "demo editor"
    assert [c["principal"] for c in draft["contributors"]] == [first_editor]
    assert archived["state"] == "archived"


def test_a_second_signal_while_stopping_does_not_cut_the_last_save(tmp_path: Path):
    data = tmp_path / "local.jsonl"
    with running_server(data, stop_signal=signal.SIGTERM, signals=3) as url:
        assert fetch(f"{url}/api/health")[0] == 200
    status, printed = SERVER_EXITS[url]
    assert status == 0, printed
    assert printed.rstrip().endswith(f"local data saved to {data}") and "Traceback" not in printed


def test_a_sigkill_keeps_an_edit_and_feedback_made_a_second_and_a_half_before(tmp_path: Path):
    """No Ctrl-C, no last save: what was written more than a second before the kill is in the data file."""
    data = tmp_path / "local.jsonl"
    markdown = article_text("heating-kill-check", title="强行关掉以后还在吗")
    with running_server(data, stop_signal=signal.SIGKILL) as url:
        keys = server_keys(url)
        _call(f"{url}/api/articles", keys["editor"], "POST", {"markdown": markdown})
        _call(
            f"{url}/api/feedback", keys["agent"], "POST", {"article_id": "heating-radiator-not-warm", "helpful": False}
        )
        time.sleep(1.5)  # the promise: a SIGKILL loses at most the last second
    with running_server(data) as url:
        keys = server_keys(url)
        draft, _ = _call(f"{url}/api/articles/heating-kill-check/draft", keys["editor"])
        feedback, _ = _call(f"{url}/api/articles/heating-radiator-not-warm/feedback", keys["editor"])
    assert draft["markdown"] == markdown and draft["state"] == "draft"
    assert feedback["unhelpful"] == 1


def test_editors_racing_over_http_never_lose_an_update(live_server: str, demo_keys: dict[str, str]):
    """Many trials: the demo editor and reviewer save the same revision at the same moment; one wins, one is told."""
    url = f"{live_server}/api/articles/heating-private-modification/draft"
    people = [demo_keys["editor"], demo_keys["reviewer"]]
    for trial in range(10):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {people[0]}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            base, etag = json.loads(response.read()), response.headers["ETag"]
        texts = [base["markdown"].replace("## 标准答复\n\n", f"## 标准答复\n\n第{trial}轮{who}。", 1) for who in "甲乙"]
        statuses = _put_at_once(url, etag, list(zip(people, texts, strict=True)))
        assert sorted(statuses) == [200, 409], statuses
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {people[0]}"})) as r:
            after = json.loads(r.read())
        assert after["markdown"] == texts[statuses.index(200)] and after["version"] == base["version"] + 1


def _put_at_once(url: str, etag: str, edits: list[tuple[str, str]]) -> list[int]:
    """PUT each (key, markdown) with the same If-Match, all released at the same moment; their statuses."""

    def save(key: str, markdown: str) -> int:
        body = json.dumps({"markdown": markdown}, ensure_ascii=False).encode("utf-8")
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "If-Match": etag}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="PUT"), timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code

    return [int(s) for s in all_at_once([functools.partial(save, *edit) for edit in edits])]
