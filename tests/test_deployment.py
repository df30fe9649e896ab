"""The Lambda package builds, and the table the template declares is the one the store expects."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from chalicelib.store import table_definition
from tests.conftest import PROJECT_DIR


def test_the_template_declares_the_table_the_store_uses():
    template = json.loads((PROJECT_DIR / ".chalice" / "table.json").read_text(encoding="utf-8"))
    declared = template["Resources"]["KnowledgeTable"]["Properties"]
    expected = table_definition("ignored")
    for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode"):
        assert declared[key] == expected[key]


def test_chalice_packages_the_app_with_its_table(tmp_path: Path):
    out = tmp_path / "out"
    chalice = Path(sys.executable).with_name("chalice")
    result = subprocess.run(
        [str(chalice), "package", "--stage", "prod", "--merge-template", ".chalice/table.json", str(out)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "AWS_DEFAULT_REGION": "cn-north-1"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    template = json.loads((out / "sam.json").read_text(encoding="utf-8"))
    assert template["Resources"]["KnowledgeTable"]["Type"] == "AWS::DynamoDB::Table"
    for function in ("APIHandler", "Maintenance"):  # the API, and the scheduled job that publishes what is due
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["TABLE_NAME"] == {"Ref": "KnowledgeTable"}
    throttling = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"][0]
    assert throttling["ThrottlingRateLimit"] > 0 and throttling["ThrottlingBurstLimit"] > 0
    names = zipfile.ZipFile(out / "deployment.zip").namelist()
    assert "app.py" in names and "chalicelib/search.py" in names
    assert {"chalicelib/pages.py", "chalicelib/static/faq.html", "chalicelib/static/agent.js"} <= set(names)
    assert any(n.startswith("rapidfuzz-3.13.0.dist-info/") for n in names)
    assert any(n.startswith("jieba/") for n in names)
    assert not any(n.startswith(("knowledge/", "tests/", "tools/", "moto/", "boto3/")) for n in names)
