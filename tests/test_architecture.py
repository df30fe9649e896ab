"""The layout holds itself: no module grows past the size a newcomer reads in one sitting, and the strict
type checks cover the pure search library and every models module, new ones included. (The layers are
import-linter's contracts in pyproject.toml, checked by `make check`.)"""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from tests.conftest import PROJECT_DIR

LONGEST = 350  # lines: split a module before it passes this (docs/architecture.md)


def python_modules() -> list[Path]:
    return [
        PROJECT_DIR / "app.py",
        *sorted((PROJECT_DIR / "chalicelib").rglob("*.py")),
        *sorted((PROJECT_DIR / "tools").rglob("*.py")),
    ]


def dotted(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_DIR).with_suffix("").parts).removesuffix(".__init__")


def test_no_module_is_longer_than_350_lines():
    lengths = {dotted(path): len(path.read_text(encoding="utf-8").splitlines()) for path in python_modules()}
    assert len(lengths) > 80  # the walk still finds the code
    assert not {name: n for name, n in lengths.items() if n > LONGEST}


def test_the_search_library_and_every_models_module_are_checked_strictly():
    overrides = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["overrides"]
    strict = next(override for override in overrides if override.get("disallow_untyped_defs"))
    assert strict["disallow_any_generics"] and strict["warn_return_any"] and strict["disallow_untyped_calls"]
    pure = [
        dotted(path)
        for path in sorted((PROJECT_DIR / "chalicelib").rglob("*.py"))
        if path.parts[-2] == "search" or "models" in path.parts or path.stem == "models"
    ]
    assert "chalicelib.search.index" in pure and "chalicelib.people.models" in pure
    unchecked = [
        name for name in pure if not any(fnmatch(name, p) or name == p.removesuffix(".*") for p in strict["module"])
    ]
    assert not unchecked, f"add to the strict mypy override in pyproject.toml: {unchecked}"
