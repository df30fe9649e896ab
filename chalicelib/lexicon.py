"""The domain lexicon: dictionary words, synonym groups, banned phrases, category names. Pure."""

import re

import yaml
from pydantic import BaseModel

from chalicelib.models.content import SLUG_PATTERN

DICTIONARY_FILE = "dictionary.txt"
SYNONYMS_FILE = "synonyms.txt"
BANNED_FILE = "banned_phrases.txt"
CATEGORIES_FILE = "categories.yaml"
NOT_COVERED_FILE = "not_covered.txt"
LEXICON_FILES = (DICTIONARY_FILE, SYNONYMS_FILE, BANNED_FILE, CATEGORIES_FILE, NOT_COVERED_FILE)
MAX_NOT_COVERED = 2000  # each is embedded once per lexicon and compared with every query


class Lexicon(BaseModel):
    """Data editors maintain beside the articles; the index and the lint read it."""

    terms: list[str] = []
    synonyms: list[list[str]] = []
    banned_phrases: list[str] = []
    categories: dict[str, str] = {}
    # Questions callers ask that this knowledge base does not answer (another line or office does): a query
    # closer to one of these than to any article is answered with the hotline, not with a near miss.
    not_covered: list[str] = []


class LexiconInvalid(Exception):
    """A lexicon file is malformed; `problems` holds (file name, line, message)."""

    def __init__(self, problems: list[tuple[str, int, str]]) -> None:
        super().__init__("; ".join(f"{f}:{line}: {m}" for f, line, m in problems))
        self.problems = problems


def parse_lexicon(files: dict[str, str]) -> Lexicon:
    """Build a Lexicon from the text of its files (name -> text); missing files count as empty."""
    problems: list[tuple[str, int, str]] = []
    terms = _words(DICTIONARY_FILE, files.get(DICTIONARY_FILE, ""), problems)
    banned = _words(BANNED_FILE, files.get(BANNED_FILE, ""), problems)
    synonyms = _synonym_groups(files.get(SYNONYMS_FILE, ""), problems)
    categories = _categories(files.get(CATEGORIES_FILE, ""), problems)
    not_covered = _questions(NOT_COVERED_FILE, files.get(NOT_COVERED_FILE, ""), problems)
    if problems:
        raise LexiconInvalid(problems)
    return Lexicon(
        terms=terms, synonyms=synonyms, banned_phrases=banned, categories=categories, not_covered=not_covered
    )


def _content_lines(text: str):
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def _words(name: str, text: str, problems: list) -> list[str]:
    seen: dict[str, int] = {}
    for number, line in _content_lines(text):
        if " " in line or "\t" in line:
            problems.append((name, number, f"one entry per line, without spaces: '{line}'"))
        elif line in seen:
            problems.append((name, number, f"'{line}' is already listed at line {seen[line]}"))
        else:
            seen[line] = number
    return list(seen)


def _questions(name: str, text: str, problems: list) -> list[str]:
    seen: dict[str, int] = {}
    for number, line in _content_lines(text):
        if line in seen:
            problems.append((name, number, f"'{line}' is already listed at line {seen[line]}"))
        elif len(line) > 200:
            problems.append((name, number, "a question of at most 200 characters"))
        elif len(seen) == MAX_NOT_COVERED:
            problems.append((name, number, f"at most {MAX_NOT_COVERED} questions"))
        else:
            seen[line] = number
    return list(seen)


def _synonym_groups(text: str, problems: list) -> list[list[str]]:
    groups: list[list[str]] = []
    first_seen: dict[str, int] = {}
    for number, line in _content_lines(text):
        words = line.split()
        if len(words) < 2:
            problems.append((SYNONYMS_FILE, number, "a synonym group needs at least two words"))
            continue
        for word in words:
            if word in first_seen:
                problems.append((SYNONYMS_FILE, number, f"'{word}' is already in the group at line {first_seen[word]}"))
            first_seen.setdefault(word, number)
        groups.append(words)
    return groups


def _categories(text: str, problems: list) -> dict[str, str]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append((CATEGORIES_FILE, mark.line + 1 if mark else 1, f"not valid YAML: {error}"))
        return {}
    if not isinstance(data, dict):
        problems.append((CATEGORIES_FILE, 1, "must map each category slug to its display name"))
        return {}
    for slug, display in data.items():
        if not isinstance(slug, str) or not re.match(SLUG_PATTERN, slug) or not isinstance(display, str):
            problems.append((CATEGORIES_FILE, 1, f"'{slug}: {display}' must be 'slug: 名称'"))
    return {str(k): str(v) for k, v in data.items()}
