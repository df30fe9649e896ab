"""Reading the knowledge/ folder: articles and lexicon, with every problem reported as file:line."""

from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.knowledge.lexicon import (
    CATEGORIES_FILE,
    LEXICON_FILES,
    Lexicon,
    LexiconInvalid,
    parse_lexicon,
    referral_lines,
)
from chalicelib.knowledge.lint import lint_article
from chalicelib.knowledge.models.content import Article
from chalicelib.people.directory import (
    DIRECTORY_FILE,
    NO_PHONE,
    Directory,
    DirectoryInvalid,
    department_lines,
    parse_directory,
    phone_gaps,
)
from chalicelib.search.referrals import REFERRALS_FILE

LEXICON_DIR = "_lexicon"


@dataclass
class LoadedKnowledge:
    """The articles, lexicon and department directory of a knowledge folder, and what is wrong with them."""

    articles: list[Article] = field(default_factory=list)
    lexicon: Lexicon = field(default_factory=Lexicon)
    problems: list[str] = field(default_factory=list)
    lexicon_files: dict[str, str] = field(default_factory=dict)  # name -> text, kept for `kb export`
    directory: Directory = field(default_factory=Directory)
    directory_text: str = ""  # the directory file as written, kept for `kb export`
    # 'file:line: note: …' (slips read as meant, city-level departments missing a district's unit) and the
    # departments without a phone: never a failure
    notices: list[str] = field(default_factory=list)


def article_files(root: Path) -> list[Path]:
    """Article files: Markdown under a category folder; folders starting with '_' hold data, not articles."""
    return sorted(p for p in root.rglob("*.md") if not any(part.startswith("_") for part in p.relative_to(root).parts))


def lexicon_texts(root: Path) -> dict[str, str]:
    folder = root / LEXICON_DIR
    return {name: (folder / name).read_text(encoding="utf-8") for name in LEXICON_FILES if (folder / name).is_file()}


def load_lexicon(root: Path) -> tuple[Lexicon, list[str]]:
    folder = root / LEXICON_DIR
    texts = lexicon_texts(root)
    try:
        return parse_lexicon(texts), []
    except LexiconInvalid as invalid:
        return Lexicon(), [f"{folder / name}:{line}: {message}" for name, line, message in invalid.problems]


def load_directory(root: Path) -> tuple[Directory | None, str, list[str]]:
    """The department directory, its text and its problems; None (no department check) without the file."""
    path = root / LEXICON_DIR / DIRECTORY_FILE
    if not path.is_file():
        return None, "", []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, "", [f"{path}:1: not UTF-8 text ({error.reason})"]
    try:
        return parse_directory(text), text, []
    except DirectoryInvalid as invalid:
        return None, text, [f"{path}:{line}: {message}" for line, message in invalid.problems]


def load_knowledge(root: Path) -> LoadedKnowledge:
    """Parse and lint everything under root; problems are 'file:line: message' strings."""
    loaded = LoadedKnowledge()
    if not root.is_dir():
        loaded.problems.append(f"{root}: not a folder")
        return loaded
    loaded.lexicon, loaded.problems = load_lexicon(root)
    loaded.lexicon_files = lexicon_texts(root)
    if not loaded.lexicon.categories:
        loaded.problems.append(f"{root / LEXICON_DIR / CATEGORIES_FILE}:1: no categories are defined")
    directory, loaded.directory_text, problems = load_directory(root)
    loaded.problems.extend(problems)
    loaded.directory = directory or Directory()
    if directory is not None:
        path = root / LEXICON_DIR / DIRECTORY_FILE
        gaps = phone_gaps(loaded.directory_text, directory)
        loaded.notices.extend(
            f"{path}:{line}: {d.code} {d.name}: {NO_PHONE} — 派单时显示“{NO_PHONE}”"
            for line, d in gaps
            if not d.district
        )
        # A district's units, one note per city-level department: sixteen lines saying the same would bury the rest.
        by_parent: dict[str, list[tuple[int, str]]] = {}
        for line, department in gaps:
            if department.district:
                by_parent.setdefault(department.parent or "", []).append((line, department.code))
        loaded.notices.extend(
            f"{path}:{units[0][0]}: {len(units)} 个区级单位（{directory.name_of(parent)}下）{NO_PHONE}："
            f"{units[0][1]} 等，派单时显示“{NO_PHONE}”"
            for parent, units in by_parent.items()
        )
        loaded.notices.extend(district_gap_notes(path, loaded.directory_text, directory))
    first_seen: dict[str, Path] = {}
    for path in article_files(root):
        relative = path.relative_to(root)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            loaded.problems.append(f"{path}:1: not UTF-8 text ({error.reason})")
            continue
        category = relative.parts[0] if len(relative.parts) == 2 else None
        if category is None:
            loaded.problems.append(f"{path}:1: articles live in knowledge/<category>/<id>.md")
        linted = lint_article(
            text, loaded.lexicon, expected_id=path.stem, expected_category=category, directory=directory
        )
        loaded.problems.extend(f"{path}:{p.line}: {p.message}" for p in linted.problems)
        loaded.notices.extend(f"{path}:{n.line}: note: {n.message}" for n in linted.notices)
        article = linted.article
        if article is None:
            continue
        if article.id in first_seen:
            loaded.problems.append(f"{path}:2: duplicate id '{article.id}', also in {first_seen[article.id]}")
            continue
        first_seen[article.id] = path
        loaded.articles.append(article)
    check_referrals(root, loaded, directory)
    return loaded


def district_gap_notes(path: Path, text: str, directory: Directory) -> list[str]:
    """A note at each city-level department that has units for some districts but not all: callers of the others
    are dispatched to the city-level department itself."""
    lines = department_lines(text)
    gaps = sorted(directory.district_gaps(), key=lambda gap: lines.get(gap[0].code, 1))
    return [
        f"{path}:{lines.get(d.code, 1)}: note: 承办单位 {d.name}（{d.code}）在 {'、'.join(m.name for m in missing)} "
        "没有下属单位，这些区的来电按市级单位派单"
        for d, missing in gaps
    ]


def check_referrals(root: Path, loaded: LoadedKnowledge, directory: Directory | None) -> None:
    """What the referral list names that does not exist: a department or a cue of two groups is a problem; an
    article not in the folder only a note (a folder holding part of the articles is still one to sync)."""
    path = root / LEXICON_DIR / REFERRALS_FILE
    if not loaded.lexicon.referrals:
        return
    lines = referral_lines(loaded.lexicon_files.get(REFERRALS_FILE, ""))
    articles = {a.id for a in loaded.articles}
    problems = loaded.problems
    cue_group: dict[str, str] = {}
    for group, line in zip(loaded.lexicon.referrals, lines, strict=True):
        if group.department and directory is not None and group.department not in directory:
            problems.append(f"{path}:{line}: department '{group.department}' is not in the directory")
        for article_id in group.articles:
            if article_id not in articles:
                loaded.notices.append(
                    f"{path}:{line}: note: no article with id '{article_id}': nothing stays under this line"
                )
        for cue in group.cues:
            if cue in cue_group:
                problems.append(f"{path}:{line}: cue '{cue}' is already a cue of '{cue_group[cue]}'")
            cue_group.setdefault(cue, group.topic)
