"""kb chaos at a small size: under injected DynamoDB faults nothing is half-written, lost or misreported."""

import json

import pytest

from chalicelib import wiring
from chalicelib.store.table import TableStore
from tests.conftest import KNOWLEDGE_DIR
from tests.test_kb_cli import kb
from tools.kb.chaos import run_chaos, sample_knowledge

pytestmark = pytest.mark.slow


@pytest.fixture
def sample():
    with sample_knowledge(KNOWLEDGE_DIR, 3) as folder:
        yield folder
    wiring.reset()


def test_faults_injected_into_every_kind_of_request_leave_nothing_wrong() -> None:
    # as docs/failure-modes.md shows it, at a small size: three articles, 80 requests
    ran = kb("chaos", "--requests", "80", "--articles", "3", "--fault-rate", "0.1", "--persistent", "0.3", "--seed=7")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    counts = json.loads(ran.stdout.splitlines()[-1])

    assert counts["requests"] >= 80
    assert counts["faults_injected"] > 20
    assert {name: counts[name] for name in counts if name not in ("requests", "faults_injected")} == {
        "server_errors": 0,
        "half_written": 0,
        "applied_but_reported_failed": 0,
        "lost_updates": 0,
    }


def test_chaos_catches_a_change_reported_failed_when_its_lost_answer_is_not_checked(
    sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the read-back, a transaction whose answer was lost (and botocore's retry refused) is a 409 or 503."""
    monkeypatch.setattr(TableStore, "_landed", lambda self, key, holds: False)

    counts = run_chaos(sample, requests=40, seed=1, rate=0.2, persistent=0, faults=("lost_answer",))

    assert counts["applied_but_reported_failed"] > 0
