"""The kb command line, run as a user runs it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from chalicelib.people.store.changes import ChangeStore
from tests.conftest import KNOWLEDGE_DIR, OPERATOR, PROJECT_DIR, article_text
from tools.kb.local import LOCAL_REGION

EVAL_KEYS = {
    "n",
    "in_scope",
    "out_of_scope",
    "recall_at_1",
    "recall_at_3",
    "recall_at_10",
    "mrr",
    "abstain_accuracy",
    "false_abstain_rate",
    "p50_ms",
    "p99_ms",
    "by_kind",
}


def kb(*args: str, operator: bool = True) -> subprocess.CompletedProcess:
    """`python -m tools.kb ARGS` as a newcomer runs it: from a shell that exports no AWS settings at all (and,
    without `operator`, does not say who they are)."""
    newcomers_shell = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    if not operator:
        newcomers_shell.pop("ZHIDA_OPERATOR")
    return subprocess.run(
        [sys.executable, "-m", "tools.kb", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        env=newcomers_shell,
    )


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def some_sections(tmp_path: Path, *sections: str) -> Path:
    """The knowledge folder with its lexicon (referrals, emergencies) and only the named sections' articles:
    what a command costs grows with the articles (each one synced into moto, indexed, embedded)."""
    folder = tmp_path / "knowledge"
    for section in ("_lexicon", *sections):
        shutil.copytree(KNOWLEDGE_DIR / section, folder / section)
    return folder


def test_lint_passes_on_the_knowledge_base():
    result = kb("lint", "knowledge/")
    assert result.returncode == 0, result.stdout


def test_lint_reports_each_problem_as_file_line_message(tmp_path: Path):
    folder = copy_knowledge(tmp_path)
    broken = folder / "heating" / "broken-article.md"
    broken.write_text(article_text("wrong-id", audience="everyone"), encoding="utf-8")
    expired = folder / "heating" / "expired-article.md"
    expired.write_text(article_text("expired-article", expires="2020-01-01"), encoding="utf-8")
    duplicate = folder / "utilities" / "heating-radiator-not-warm.md"
    duplicate.write_text(
        (folder / "heating" / "heating-radiator-not-warm.md")
        .read_text(encoding="utf-8")
        .replace("category: heating", "category: utilities"),
        encoding="utf-8",
    )
    result = kb("lint", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{broken}:5: 适用对象只能是 public（公众可见）或 internal（仅坐席）" in lines
    assert f"{expired}:12: 失效日期“2020-01-01”要晚于生效日期“2025-10-01”" in lines
    assert any(
        line.startswith(f"{duplicate}:") and "duplicate id 'heating-radiator-not-warm'" in line for line in lines
    )


def test_lint_warns_of_each_department_without_a_phone_and_still_passes(tmp_path: Path):
    folder = copy_knowledge(tmp_path)
    directory = folder / "_lexicon" / "departments.yaml"
    text = directory.read_text(encoding="utf-8").rstrip("\n")
    entry = "- code: heating-company-north\n  name: 供热企业北区供热站\n  parent: heating-company\n"
    directory.write_text(f"{text}\n\n{entry}", encoding="utf-8")
    result = kb("lint", str(folder))
    assert result.returncode == 0, result.stdout
    line = len(text.splitlines()) + 2
    warning = f"{directory}:{line}: heating-company-north 供热企业北区供热站: 电话未登记 — 派单时显示“电话未登记”"
    assert warning in result.stdout.splitlines()
    warned = {line.split(": ")[1].split()[0] for line in result.stdout.splitlines() if line.startswith(f"{directory}:")}
    assert "bus-company" in warned and "tax" not in warned  # tax has its 12366; a phone is never made up


def test_lint_reports_a_bad_lexicon_line(tmp_path: Path):
    folder = copy_knowledge(tmp_path)
    synonyms = folder / "_lexicon" / "synonyms.txt"
    synonyms.write_text(synonyms.read_text(encoding="utf-8") + "孤零零\n", encoding="utf-8")
    result = kb("lint", str(folder))
    count = len(synonyms.read_text(encoding="utf-8").splitlines())
    assert result.returncode == 1
    assert f"{synonyms}:{count}: a synonym group needs at least two words" in result.stdout


def test_sync_refuses_a_broken_folder_and_writes_nothing(tmp_path: Path):
    folder = copy_knowledge(tmp_path)
    (folder / "heating" / "heating-season-dates.md").write_text("no front matter", encoding="utf-8")
    result = kb("sync", str(folder), "--endpoint", "http://127.0.0.1:9")  # nothing listens there
    assert result.returncode == 1
    assert "heating-season-dates.md:1:" in result.stdout and "nothing synced" in result.stderr


@pytest.mark.slow
def test_eval_prints_the_agreed_json(tmp_path: Path):
    queries = tmp_path / "queries.jsonl"
    rows = [
        {"query": "暖气不热", "expected": ["heating-radiator-not-warm"], "kind": "colloquial"},
        {"query": "社保卡丢了", "expected": ["si-card-loss-report"], "kind": "colloquial"},
        {"query": "火星移民签证", "expected": [], "kind": "out_of_scope"},
    ]
    queries.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    folder = some_sections(tmp_path, "heating", "social-insurance")
    result = kb("eval", "--queries", str(queries), "--knowledge", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert EVAL_KEYS <= set(report)
    assert (report["n"], report["in_scope"], report["out_of_scope"]) == (3, 2, 1)
    assert report["recall_at_1"] == 1.0 and report["abstain_accuracy"] == 1.0
    assert report["answer_precision"] == 1.0 and report["answered_share"] == 0.6667  # risk and coverage
    assert set(report["by_kind"]) == {"colloquial"}  # out-of-scope questions are measured by abstain_accuracy
    assert all(isinstance(k["recall_at_1"], float) for k in report["by_kind"].values())


@pytest.mark.slow
def test_eval_counts_referrals_and_confident_wrong_answers(tmp_path: Path):
    queries = tmp_path / "referrals.jsonl"
    rows = [
        {"query": "家里着火了", "refer_to": "119", "kind": "emergency"},
        {"query": "护照丢了去哪补办", "refer_to": "12367", "kind": "referral"},
        {"query": "护照丢了去哪补办", "refer_to": "12345", "kind": "referral"},  # a wrong line on purpose
        {"query": "暖气不热", "expected": ["heating-radiator-not-warm"]},
    ]
    queries.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    folder = some_sections(tmp_path, "heating")
    result = kb("eval", "--queries", str(queries), "--knowledge", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    referrals = report["referrals"]
    assert (referrals["labelled"], referrals["right"], referrals["wrong"], referrals["none"]) == (3, 2, 1, 0)
    assert (referrals["emergencies"], referrals["emergency_right"]) == (1, 1)
    assert referrals["in_scope_referred"] == 0 and report["confident_wrong"] == 0
    table = kb("eval", "--queries", str(queries), "--knowledge", str(folder), "--format", "table")
    assert "confident wrong" in table.stdout and "referrals: labelled 3, right 2, wrong 1" in table.stdout


@pytest.mark.slow
def test_eval_measures_the_right_unit_for_the_right_district(tmp_path: Path):
    """A third of the district set (a district given, named in the question, or none; each with its unit), on the
    sections its articles are in: the figure stays above a floor (the whole set's is in docs/search.md)."""
    rows = (PROJECT_DIR / "tools" / "eval" / "queries-district.jsonl").read_text(encoding="utf-8").splitlines()[::3]
    queries = tmp_path / "district.jsonl"
    queries.write_text("\n".join(rows), encoding="utf-8")
    folder = some_sections(tmp_path, "heating", "business-permits", "social-insurance")
    result = kb("eval", "--queries", str(queries), "--knowledge", str(folder), "--format", "json")
    assert result.returncode == 0, result.stderr
    dispatch = json.loads(result.stdout)["dispatch"]
    assert dispatch["labelled"] == len(rows) >= 16
    assert dispatch["right_district"] >= 0.95 and dispatch["right_unit"] >= 0.85, dispatch


def test_eval_runs_on_an_external_style_corpus(tmp_path: Path):
    corpus = tmp_path / "faq.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"id": "f1", "question": "信用卡怎么还款", "answer": ""},
                {"id": "f2", "question": "", "answer": "复工企业可以申请社保费减免，按月返还。"},
            ]
        ),
        encoding="utf-8",
    )
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        '{"query": "如何还信用卡", "expected": ["f1"]}\n{"query": "复工企业社保减免", "expected": ["f2"]}\n',
        encoding="utf-8",
    )
    result = kb("eval", "--corpus", str(corpus), "--queries", str(queries), "--format", "table")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[:3] == ["all", "2", "1.000"]


def test_eval_names_the_line_of_a_bad_query_file(tmp_path: Path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"query": "暖气", "expected": []}\n{broken\n', encoding="utf-8")
    result = kb("eval", "--queries", str(queries))
    assert result.returncode == 1 and f"{queries}:2: not valid JSON" in result.stderr


@pytest.mark.slow
def test_keys_are_created_listed_and_revoked_from_the_command_line(local_dynamodb: str):
    endpoint = local_dynamodb
    created = kb("keys", "--endpoint", endpoint, "create", "--role", "admin", "--name", "李管理", "--department", "*")
    assert created.returncode == 0, created.stderr
    key_id = created.stdout.split()[2]
    assert created.stdout.splitlines()[1].startswith(f"zk_{key_id}_")
    refused_days = kb("keys", "--endpoint", endpoint, "create", "--role", "agent", "--name", "脚本", "--days", "0")
    assert refused_days.returncode == 2 and "1 to 730 days" in refused_days.stderr
    listed = kb("keys", "--endpoint", endpoint, "list")
    assert key_id in listed.stdout and "active" in listed.stdout and "[*]" in listed.stdout
    again = kb("keys", "--endpoint", endpoint, "create", "--role", "admin", "--name", "李管理", "--department", "*")
    assert again.returncode == 2 and "unique" in again.stderr
    rotated = kb("keys", "--endpoint", endpoint, "rotate", "--name", "李管理")
    assert rotated.returncode == 0 and rotated.stdout.split()[2] != key_id
    assert f"{key_id}  admin     revoked" in kb("keys", "--endpoint", endpoint, "list").stdout
    for departments in ([], ["--department", "供热企业"], ["--department", ""]):
        refused = kb("keys", "--endpoint", endpoint, "create", "--role", "editor", "--name", "编辑", *departments)
        assert refused.returncode == 2 and "department" in refused.stderr, departments
    # Who made each change is in the admin audit log; a change by nobody in particular is not made.
    table = boto3.resource("dynamodb", region_name=LOCAL_REGION, endpoint_url=endpoint).Table("zhida-dev")
    recorded = [c for c in ChangeStore(table).page(10, None).items if c.subject.startswith("key:")]
    assert sorted((c.action, c.actor) for c in recorded) == [("create", OPERATOR), ("rotate", OPERATOR)]
    assert {(c.subject_name, c.summary[:23]) for c in recorded} == {
        ("李管理", "持有人 李管理（管理员，全部单位）；有效期至 ")
    }
    anonymous = kb("keys", "--endpoint", endpoint, "revoke", key_id, operator=False)
    assert anonymous.returncode == 2 and "pass --operator or set ZHIDA_OPERATOR" in anonymous.stderr
    named = kb("keys", "--endpoint", endpoint, "revoke", "--operator", "somebody", key_id, operator=False)
    assert named.returncode == 2 and "'somebody' is not a principal" in named.stderr


@pytest.mark.slow
def test_sync_import_backup_restore_and_export_from_the_command_line(tmp_path: Path, local_dynamodb: str):
    endpoint = local_dynamodb
    synced = kb("sync", "knowledge/", "--publish", "--endpoint", endpoint)
    assert synced.returncode == 0 and "added 50" in synced.stdout, synced.stdout + synced.stderr

    rows = tmp_path / "faq.jsonl"
    rows.write_text('{"id": "ev-charger", "question1": "充电桩怎么装"}\nnot json\n', encoding="utf-8")
    imported = kb("import", str(rows), "--endpoint", endpoint)
    assert imported.returncode == 1 and "nothing imported" in imported.stderr
    assert f"{rows}:2: not valid JSON" in imported.stdout

    saved = tmp_path / "backup.jsonl"
    assert kb("backup", "--out", str(saved), "--endpoint", endpoint).returncode == 0
    refused = kb("restore", str(saved), "--endpoint", endpoint)
    assert refused.returncode == 1 and "not empty" in refused.stderr

    exported = tmp_path / "exported"
    assert kb("export", str(exported), "--endpoint", endpoint).returncode == 0
    source = {str(p.relative_to(KNOWLEDGE_DIR)) for p in KNOWLEDGE_DIR.rglob("*") if p.is_file()}
    assert {str(p.relative_to(exported)) for p in exported.rglob("*") if p.is_file()} == source


def test_lint_refuses_a_referral_question_that_asks_what_an_article_answers(tmp_path: Path):
    folder = copy_knowledge(tmp_path)
    listed = folder / "_lexicon" / "referrals.yaml"
    text = listed.read_text(encoding="utf-8")
    listed.write_text(text.replace("  questions:\n", "  questions:\n    - 暖气不热咋办\n", 1), encoding="utf-8")
    result = kb("lint", str(folder))
    assert result.returncode == 1
    line = listed.read_text(encoding="utf-8").splitlines().index("    - 暖气不热咋办") + 1
    assert any(
        problem.startswith(f"{listed}:{line}: '暖气不热咋办' asks what") and "heating-radiator-not-warm.md" in problem
        for problem in result.stdout.splitlines()
    ), result.stdout


def test_lint_names_the_line_of_a_referral_to_a_department_the_directory_lacks(tmp_path: Path):
    folder = copy_knowledge(tmp_path)
    listed = folder / "_lexicon" / "referrals.yaml"
    text = listed.read_text(encoding="utf-8")
    listed.write_text(text.replace("department: tax", "department: no-such-unit", 1), encoding="utf-8")
    result = kb("lint", str(folder))
    assert result.returncode == 1
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if row == "- topic: 税务")
    assert f"{listed}:{line}: department 'no-such-unit' is not in the directory" in result.stdout


def test_demo_traffic_refuses_any_endpoint_but_the_embedded_one():
    refused = kb("demo-traffic", "--days", "2", "--endpoint", "https://dynamodb.cn-north-1.amazonaws.com.cn")
    assert refused.returncode == 1
    assert "embedded DynamoDB" in refused.stderr and "nothing was written" in refused.stderr


def test_demo_traffic_refuses_a_table_the_environment_points_elsewhere():
    env = {**os.environ, "DYNAMODB_ENDPOINT": "http://10.0.3.7:8000"}
    refused = subprocess.run(
        [sys.executable, "-m", "tools.kb", "demo-traffic", "--days", "2"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert refused.returncode == 1 and "10.0.3.7" in refused.stderr


def test_only_loopback_endpoints_count_as_local():
    from tools.kb.demo_traffic import NotLocal, require_local

    assert require_local("http://127.0.0.1:41234") and require_local("http://localhost:8000")
    for endpoint in (None, "", "http://127.0.0.1.example.com:80", "https://dynamodb.cn-north-1.amazonaws.com.cn"):
        with pytest.raises(NotLocal):
            require_local(endpoint)
