"""kb package refuses compiled code that Lambda's python3.13 might not load, instead of shipping it."""

import subprocess
import zipfile
from pathlib import Path

import pytest

from tools.kb import package
from tools.kb.package import build_package, foreign_binaries, loadable, staged_project


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _wheel(dist: str, tags: list[str], library: str) -> dict[str, str]:
    metadata = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n" + "".join(f"Tag: {tag}\n" for tag in tags)
    return {f"{dist}/WHEEL": metadata, f"{dist}/RECORD": f"{library},sha256=x,1\n{dist}/WHEEL,,\n", library: "ELF"}


def test_manylinux_wheels_up_to_lambdas_glibc_are_loadable():
    assert loadable("cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64")
    assert loadable("cp313-cp313-manylinux2014_x86_64") and loadable("py3-none-manylinux_2_17_x86_64")
    assert loadable("cp39-abi3-manylinux_2_34_x86_64")


def test_local_builds_newer_glibcs_other_pythons_and_arm_are_not():
    assert not loadable("cp313-cp313-linux_x86_64")  # what chalice builds from an sdist on this machine
    assert not loadable("cp313-cp313-manylinux_2_35_x86_64")
    assert not loadable("cp311-cp311-manylinux_2_17_x86_64")
    assert not loadable("cp313-cp313-manylinux_2_17_aarch64")


def test_a_package_built_from_source_is_named(tmp_path: Path):
    zipped = _zip(
        tmp_path / "deployment.zip",
        {
            **_wheel("numpy-2.4.6.dist-info", ["cp313-cp313-manylinux_2_28_x86_64"], "numpy/_core/umath.so"),
            **_wheel("rapidfuzz-3.14.6.dist-info", ["cp313-cp313-linux_x86_64"], "rapidfuzz/fuzz_cpp.so"),
            "app.py": "",
        },
    )
    problems = foreign_binaries(zipped)
    assert len(problems) == 2 and "rapidfuzz-3.14.6.dist-info" in problems[0]
    assert problems[1] == "rapidfuzz/fuzz_cpp.so: in no checked wheel"


def test_a_library_no_wheel_accounts_for_is_named(tmp_path: Path):
    zipped = _zip(tmp_path / "deployment.zip", {"vendored/libfast.so.1": "ELF", "app.py": ""})
    assert foreign_binaries(zipped) == ["vendored/libfast.so.1: in no checked wheel"]


def test_chalices_missing_dependency_warning_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "chalice").touch()
    monkeypatch.setattr(package, "PACKAGE_VENV", tmp_path)
    warned = subprocess.CompletedProcess([], 0, "Could not install dependencies:\nrapidfuzz==3.14.6\n", "")
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: warned)
    with pytest.raises(SystemExit, match="rapidfuzz==3.14.6"):
        build_package("prod", tmp_path / "out")


def test_packaging_without_the_python313_venv_says_how_to_make_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(package, "PACKAGE_VENV", tmp_path / "missing")
    with pytest.raises(SystemExit, match="make package-venv"):
        build_package("prod", tmp_path / "out")


def test_each_build_starts_without_chalices_cache_and_without_bytecode(tmp_path: Path):
    """chalice reuses .chalice/deployments/<hash of the app>.zip as it finds it: one half-written zip there broke
    every later build of the same code in CI. Each build stages its own, empty."""
    project = staged_project(tmp_path)
    assert (project / "app.py").is_file() and (project / ".chalice" / "config.json").is_file()
    assert not (project / ".chalice" / "deployments").exists()
    assert not list(project.rglob("__pycache__"))
