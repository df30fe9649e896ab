"""Every `kb` command that README.md and docs/ show runs in the suite at a small size, so none can rot.

The commands already run elsewhere are named in SMALL_RUNS; the rest run here, each on a few articles,
questions or a day of traffic, in a shell that exports no AWS settings (as a newcomer's).
"""

import ast
import json
import re
from pathlib import Path

import boto3
import pytest

from tests.conftest import PROJECT_DIR
from tests.test_kb_cli import kb, some_sections

DOCUMENTS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
# `python -m tools.kb CMD` or `kb CMD`, not a path or a word that merely ends in kb
COMMAND = re.compile(r"(?:tools\.kb|(?<![\w./-])kb) ([a-z][a-z-]+)")
OWN_QUERIES = PROJECT_DIR / "tools" / "eval" / "queries-own.jsonl"

# Each documented command, and the test that runs it (file, function): that test's source names it in quotes.
SMALL_RUNS = {
    "serve": ("tests/conftest.py", "running_server"),
    "lint": ("tests/test_kb_cli.py", "test_lint_passes_on_the_knowledge_base"),
    "eval": ("tests/test_kb_cli.py", "test_eval_prints_the_agreed_json"),
    "keys": ("tests/test_kb_cli.py", "test_keys_are_created_listed_and_revoked_from_the_command_line"),
    **{
        command: ("tests/test_kb_cli.py", "test_sync_import_backup_restore_and_export_from_the_command_line")
        for command in ("sync", "import", "backup", "restore", "export")
    },
    "package": ("tests/test_deployment.py", "packaged"),
    "bench": ("tests/test_documented_commands.py", "test_bench_at_a_small_size"),
    "ablation": ("tests/test_documented_commands.py", "test_ablation_and_calibrate_on_a_few_questions"),
    "calibrate": ("tests/test_documented_commands.py", "test_ablation_and_calibrate_on_a_few_questions"),
    "chaos": ("tests/test_chaos.py", "test_faults_injected_into_every_kind_of_request_leave_nothing_wrong"),
    "demo-traffic": ("tests/test_documented_commands.py", "test_a_day_of_demo_traffic_and_its_reports"),
    "report": ("tests/test_documented_commands.py", "test_a_day_of_demo_traffic_and_its_reports"),
}


def documented_commands() -> dict[str, str]:
    """Each kb command the documents show, and the first document showing it."""
    found: dict[str, str] = {}
    for document in DOCUMENTS:
        for command in COMMAND.findall(document.read_text(encoding="utf-8")):
            found.setdefault(command, document.name)
    return found


def function_source(file: str, name: str) -> str:
    source = (PROJECT_DIR / file).read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node) or ""
    raise AssertionError(f"{file} has no function {name}")


def test_every_documented_command_has_a_small_run_in_the_suite():
    documented = documented_commands()
    assert {"serve", "sync", "bench", "demo-traffic", "report"} <= documented.keys()  # the pattern still finds them
    missing = {command: where for command, where in documented.items() if command not in SMALL_RUNS}
    assert not missing, f"documented but never run by the suite: {missing}"
    for command, (file, name) in SMALL_RUNS.items():
        assert f'"{command}"' in function_source(file, name), f"{file}::{name} does not run kb {command}"


def a_few_questions(path: Path, count: int) -> Path:
    """The first questions of our own set about heating (or about nothing we answer), one per article."""
    chosen, articles = [], set()
    for line in OWN_QUERIES.read_text(encoding="utf-8").splitlines():
        expected = set(json.loads(line)["expected"])
        if all(a.startswith("heating-") for a in expected) and not articles & expected and len(chosen) < count:
            chosen.append(line)
            articles.update(expected)
    path.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_bench_at_a_small_size(tmp_path: Path):
    questions = a_few_questions(tmp_path / "questions.jsonl", 8)
    folder = some_sections(tmp_path, "heating")
    ran = kb(
        *("bench", "--articles", "40", "--searches", "200", "--publishes", "2", "--format", "json"),
        *("--queries", str(questions), "--knowledge", str(folder)),
    )
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["articles"] == 40 and report["publishes"] == 2
    assert 0 < report["search_p50_ms"] <= report["search_p99_ms"] and report["cold_start_ms"] > 0
    assert report["first_short_search_p99_ms"] > 0
    assert report["snapshot_mb"] > 0 and report["rss_mb"] > 0 and report["visible_max_ms"] >= report["visible_p50_ms"]


@pytest.mark.slow
def test_ablation_and_calibrate_on_a_few_questions(tmp_path: Path):
    questions = a_few_questions(tmp_path / "questions.jsonl", 12)
    no_eval_sets = tmp_path / "eval"  # no dev or external sets: the own questions alone
    no_eval_sets.mkdir()
    folder = some_sections(tmp_path, "heating")
    ablation = kb(
        *("ablation", "--eval-dir", str(no_eval_sets), "--format", "json"),
        *("--queries", str(questions), "--knowledge", str(folder)),
    )
    assert ablation.returncode == 0, ablation.stderr
    rows = json.loads(ablation.stdout)
    assert rows[0]["variant"].startswith("full") and rows[0]["own"]["recall_at_1"] > 0.5, rows[0]
    assert len({row["variant"] for row in rows}) == len(rows) > 3
    calibrated = kb("calibrate", "--queries", str(questions), "--knowledge", str(folder))
    assert calibrated.returncode == 0, calibrated.stderr
    assert re.search(r"^HYBRID_CONFIDENCE = Confidence\(\(-?\d", calibrated.stdout, re.MULTILINE), calibrated.stdout
    assert "LEXICAL_CONFIDENCE = Confidence(" in calibrated.stdout


def summaries_on(endpoint: str) -> list[tuple[str, str, int]]:
    """What the report summaries hold on a local table (for a failure's note): key, and searches or records."""
    table = boto3.resource("dynamodb", region_name="cn-north-1", endpoint_url=endpoint).Table("zhida-dev")
    found = []
    for item in table.scan()["Items"]:
        if item["pk"].startswith(("REPORT", "QUERYLOG")):
            data = json.loads(item.get("data", "{}"))
            searches = data.get("searches", sum(d.get("searches", 0) for d in data.get("departments", {}).values()))
            found.append((item["pk"], item["sk"][:40], searches))
    return sorted(found)


@pytest.mark.slow
def test_a_day_of_demo_traffic_and_its_reports(tmp_path: Path, local_dynamodb: str):
    from openpyxl import load_workbook

    # into a running `make run` (here its embedded DynamoDB alone), from a shell with no AWS settings
    folder = some_sections(tmp_path, "heating")  # the traffic asks about the articles that are live
    synced = kb("sync", str(folder), "--publish", "--endpoint", local_dynamodb)
    assert synced.returncode == 0, synced.stderr
    traffic = kb("demo-traffic", "--days", "1", "--endpoint", local_dynamodb)
    assert traffic.returncode == 0, traffic.stderr
    searches = int(re.search(r"(\d+) searches", traffic.stdout).group(1))  # type: ignore[union-attr]
    assert searches > 0, traffic.stdout
    page, book = tmp_path / "report.html", tmp_path / "report.xlsx"
    html = kb("report", "--period", "week", "--format", "html", "--out", str(page), "--endpoint", local_dynamodb)
    assert html.returncode == 0, html.stderr
    assert "<svg" in page.read_text(encoding="utf-8")
    sheet = kb("report", "--period", "week", "--format", "xlsx", "--out", str(book), "--endpoint", local_dynamodb)
    assert sheet.returncode == 0, sheet.stderr
    workbook = load_workbook(book)
    assert workbook["概览"]["B4"].value >= searches, (traffic.stdout, summaries_on(local_dynamodb))

    # without --endpoint: into a local data file that `make run` then serves
    data = tmp_path / "local-dev.jsonl"
    local = kb("demo-traffic", "--days", "2", "--per-day", "300", "--data", str(data), "--knowledge", str(folder))
    assert local.returncode == 0, local.stderr
    # yesterday whole (at least 300 x 0.85 x 0.5 on a Sunday), whatever the hour is today
    assert int(re.search(r"(\d+) searches", local.stdout).group(1)) > 120  # type: ignore[union-attr]
    assert f"saved to {data}" in local.stdout and data.stat().st_size > 0

    # and each report timed on that file, with its DynamoDB calls
    timed = kb("bench", "--reports", "--data", str(data), "--format", "json")
    assert timed.returncode == 0, timed.stderr
    figures = json.loads(timed.stdout)
    assert figures["items"] > 0 and set(figures["reports"]) >= {
        "day, today",
        "month, the last",
        "/api/unanswered (7 days)",
    }
    assert all(0 < row["calls"] <= 25 for row in figures["reports"].values()), figures
