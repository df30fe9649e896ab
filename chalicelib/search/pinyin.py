"""Toneless pinyin for Chinese characters, and splitting typed pinyin into syllables. Pure.

The reading table is pypinyin's character dictionary, read as JSON: importing pypinyin itself costs
~0.2 s of cold start, the file ~20 ms.
"""

import importlib.util
import json
import unicodedata
from functools import cache
from pathlib import Path

MAX_SYLLABLE = 6  # "zhuang"


@cache
def _readings() -> dict[int, str]:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        raise RuntimeError("pypinyin is not installed; it is in requirements.txt")
    table = json.loads((Path(spec.origin).parent / "pinyin_dict.json").read_text(encoding="utf-8"))
    return {int(code): readings for code, readings in table.items()}


def _toneless(reading: str) -> str:
    """ "lǜ" -> "lv": drop tone marks, keep the diaeresis, and write ü as v the way people type it."""
    decomposed = unicodedata.normalize("NFD", reading)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0308")
    return unicodedata.normalize("NFC", kept).replace("ü", "v").lower()


@cache
def syllable(char: str) -> str | None:
    """The most common toneless reading of a character (行 -> xing), or None if it has none."""
    readings = _readings().get(ord(char))
    return _toneless(readings.split(",")[0]) if readings else None


@cache
def _syllable_set() -> frozenset[str]:
    return frozenset(_toneless(r) for readings in _readings().values() for r in readings.split(","))


def split_syllables(letters: str) -> list[str] | None:
    """Split a run of latin letters into the fewest pinyin syllables ("ranqi" -> ran, qi), or None."""
    known = _syllable_set()
    best: list[list[str] | None] = [None] * (len(letters) + 1)
    best[0] = []
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - MAX_SYLLABLE), end):
            before = best[start]
            if before is not None and letters[start:end] in known:
                candidate = [*before, letters[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(letters)]
