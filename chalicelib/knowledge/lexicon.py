"""The domain lexicon: dictionary words, synonym groups, banned phrases, category names, the referral list. Pure."""

import re

import yaml
from pydantic import BaseModel, ValidationError

from chalicelib.knowledge.models.content import SLUG_PATTERN
from chalicelib.search.referrals import REFERRALS_FILE, ReferralGroup, question_groups

DICTIONARY_FILE = "dictionary.txt"
SYNONYMS_FILE = "synonyms.txt"
BANNED_FILE = "banned_phrases.txt"
CATEGORIES_FILE = "categories.yaml"
LEXICON_FILES = (DICTIONARY_FILE, SYNONYMS_FILE, BANNED_FILE, CATEGORIES_FILE, REFERRALS_FILE)
MAX_NOT_COVERED = 2000  # each listed question is embedded once per lexicon and compared with every query


class Lexicon(BaseModel):
    """Data editors maintain beside the articles; the index and the lint read it."""

    terms: list[str] = []
    synonyms: list[list[str]] = []
    banned_phrases: list[str] = []
    categories: dict[str, str] = {}
    # Who handles what this knowledge base does not answer (another line, an emergency service, a department),
    # with the callers' questions each is known by: a query closer to one of those than to any article gets the
    # referral, not a near miss.
    referrals: list[ReferralGroup] = []

    @property
    def not_covered(self) -> list[str]:
        """Every question the referral list names, in file order."""
        return question_groups(self.referrals)[0]


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
    referrals = _referrals(files.get(REFERRALS_FILE, ""), problems)
    if problems:
        raise LexiconInvalid(problems)
    return Lexicon(terms=terms, synonyms=synonyms, banned_phrases=banned, categories=categories, referrals=referrals)


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


def referral_lines(text: str) -> list[int]:
    """The line each group of a valid referrals.yaml starts at, in order (for problems found beside other files)."""
    root = yaml.compose(text)
    return [node.start_mark.line + 1 for node in root.value] if isinstance(root, yaml.SequenceNode) else []


def _referrals(text: str, problems: list) -> list[ReferralGroup]:
    """The referral groups, each checked on its own so that every problem is reported with its line."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append((REFERRALS_FILE, mark.line + 1 if mark else 1, f"not valid YAML: {error}"))
        return []
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        problems.append((REFERRALS_FILE, root.start_mark.line + 1, "must be a list of referral groups"))
        return []
    groups: list[ReferralGroup] = []
    topics: dict[str, int] = {}
    questions: dict[str, int] = {}
    for node in root.value:
        line = node.start_mark.line + 1
        try:
            group = ReferralGroup.model_validate(yaml.safe_load(yaml.serialize(node)))
        except ValidationError as invalid:
            for wrong in invalid.errors():
                where = ".".join(str(part) for part in wrong["loc"])
                problems.append((REFERRALS_FILE, line, f"{where}: {wrong['msg']}" if where else wrong["msg"]))
            continue
        if group.topic in topics:
            problems.append((REFERRALS_FILE, line, f"topic '{group.topic}' is already at line {topics[group.topic]}"))
        topics.setdefault(group.topic, line)
        for question in group.questions:
            if question in questions:
                problems.append((REFERRALS_FILE, line, f"'{question}' is already listed at line {questions[question]}"))
            questions.setdefault(question, line)
        groups.append(group)
    if len(questions) > MAX_NOT_COVERED:
        problems.append((REFERRALS_FILE, 1, f"at most {MAX_NOT_COVERED} questions in all"))
    return groups


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
