"""kb import: FAQ pairs from JSON lines or Excel become articles, all rows checked before anything is written."""

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chalicelib.clock import china_today
from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.lint import lint_article
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.content import SLUG_PATTERN, Article
from chalicelib.knowledge.parsing import parse_article
from chalicelib.knowledge.workflow import imported_from
from chalicelib.people.access import ALL_DEPARTMENTS, Principal, Role
from chalicelib.people.changes import change_of
from chalicelib.people.directory import Directory
from chalicelib.wiring import Stores

MAX_ROWS = 1_000
IMPORT_PRINCIPAL = Principal(Role.ADMIN, "kb-import", frozenset({ALL_DEPARTMENTS}))
_QUESTION = re.compile(r"^question(\d+)$")


@dataclass
class FaqRow:
    """One question-and-answer pair and where it came from (a JSONL line or a sheet row)."""

    where: str
    values: dict[str, Any]

    def questions(self) -> list[str]:
        listed = self.values.get("questions")
        if isinstance(listed, list):
            return [str(q).strip() for q in listed if str(q).strip()]
        numbered = sorted((int(m.group(1)), v) for k, v in self.values.items() if (m := _QUESTION.match(k)))
        return [str(v).strip() for _, v in numbered if v is not None and str(v).strip()]

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return "" if value is None else str(value).strip()


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def read_rows(path: Path) -> tuple[list[FaqRow], list[str]]:
    """The rows of a .jsonl or .xlsx file, or the problems that stop reading it."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    if path.suffix.lower() not in (".jsonl", ".json"):
        return [], [f"{path}:1: unknown format '{path.suffix}'; use .jsonl or .xlsx"]
    rows, problems = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        return [], [f"{path}:1: cannot read it ({error})"]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except ValueError as error:
            problems.append(f"{path}:{number}: not valid JSON ({error})")
            continue
        if not isinstance(values, dict):
            problems.append(f"{path}:{number}: each line must be a JSON object")
            continue
        rows.append(FaqRow(f"{path}:{number}", values))
    return rows, problems


def _xlsx_rows(path: Path) -> tuple[list[FaqRow], list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except (OSError, InvalidFileException, KeyError, ValueError) as error:
        return [], [f"{path}:1: not a readable .xlsx workbook ({error})"]
    lines = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(lines, ())]
    missing = [c for c in ("id", "question1", "answer", "category", "department") if c not in header]
    if missing:
        return [], [f"{path}:row 1: the header lacks column(s) {', '.join(missing)}"]
    rows = []
    for number, cells in enumerate(lines, 2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        rows.append(FaqRow(f"{path}:row {number}", dict(zip(header, cells, strict=False))))
    return rows, []


def row_markdown(row: FaqRow, today: dt.date) -> str:
    """The article a row becomes: public, in force from today, to be reviewed within a year."""
    title, *others = row.questions() or [""]
    front = {
        "id": row.text("id"),
        "title": title,
        "category": row.text("category"),
        "audience": "public",
        "department": row.text("department"),
        "questions": others,
        "effective_from": today,
        "review_by": today.replace(year=today.year + 1),
    }
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return f"---\n{header}---\n\n## 标准答复\n\n{row.text('answer')}\n"


def check_rows(
    rows: list[FaqRow], lexicon: Lexicon, today: dt.date, directory: Directory | None = None
) -> tuple[list[Article], list[str]]:
    """Every row as an article, or every problem with the row it is on (a department not in the directory too)."""
    problems: list[str] = []
    if len(rows) > MAX_ROWS:
        return [], [f"{rows[MAX_ROWS].where}: at most {MAX_ROWS} rows a batch; split the file"]
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for row in rows:
        row_id = row.text("id")
        if not re.match(SLUG_PATTERN, row_id):
            problems.append(f"{row.where}: id '{row_id}' must be lower-case letters, digits and hyphens")
            continue
        if row_id in seen:
            problems.append(f"{row.where}: id '{row_id}' is also on {seen[row_id]}")
            continue
        seen[row_id] = row.where
        linted = lint_article(row_markdown(row, today), lexicon, directory=directory)
        problems.extend(f"{row.where}: {_column(p.message)}{p.message}" for p in linted.problems)
        if linted.article is not None and not linted.problems:
            articles.append(linted.article)
    return articles, problems


# Lint speaks of the article's fields; a row has columns (the title is the first question).
_COLUMNS = {
    "标准答复": "answer",
    "标题": "question1",
    "常见问法": "question2…",
    "编号": "id",
    "分类": "category",
    "承办单位": "department",
}


def _column(message: str) -> str:
    """'answer 列：' for a problem about what the answer column became; '' when no column is named."""
    return next((f"{column} 列：" for label, column in _COLUMNS.items() if label in message), "")


def import_rows(
    store: Stores,
    rows: list[FaqRow],
    publish: bool,
    now: dt.datetime,
    source: str,
    prepare: Callable[[list[Article]], object] = lambda changed: None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    operator: Principal = IMPORT_PRINCIPAL,
) -> ImportReport:
    """Check every row; write nothing unless all are good; then one version per new or changed article, written
    by the operator who runs the import (who therefore cannot approve it themselves).

    `prepare` gets the new and changed articles before any is written (the command line embeds them on every
    core); a run stopped halfway and started again writes only what is still new or changed."""
    # The directory too: a new article's department must be in it, and a refusal halfway would leave half a batch.
    articles, problems = check_rows(rows, store.lexicon.current()[0], china_today(), store.directory.departments())
    report = ImportReport(problems=problems)
    if problems:
        return report
    editorial = EditorialService(store.articles, store.lexicon, store.directory.departments, now=lambda: now)
    changed: list[tuple[Article, bool]] = []  # and whether it is new
    for article in articles:
        head = store.articles.head(article.id)
        latest = store.articles.version(article.id, head.version) if head else None
        if latest is not None and _same_content(latest.markdown, article):
            report.unchanged += 1
        else:
            changed.append((article, head is None))
    prepare([article for article, _ in changed])
    for done, (article, new) in enumerate(changed, start=1):
        editorial.import_article(article, operator, publish, imported_from(source))
        if new:
            report.added += 1
        else:
            report.updated += 1
        progress(done, len(changed))
    if publish and (report.added or report.updated):
        LiveIndex(store.articles, store.snapshots, store.lexicon, store.directory).save_snapshot()
    if report.added or report.updated:
        state = "已发布" if publish else "已提交审核"
        summary = (
            f"从 {source} 导入：新增 {report.added} 篇，更新 {report.updated} 篇（{state}），未变 {report.unchanged} 篇"
        )
        store.changes.add(change_of(operator, "knowledge", "import", summary, now))
    return report


def _same_content(markdown: str, article: Article) -> bool:
    """Unchanged unless the question, answer (a district's wording too), category or department differ (dates are the
    import's own)."""
    stored = parse_article(markdown)
    keys = ("title", "questions", "category", "department", "sections")
    return all(getattr(stored, k) == getattr(article, k) for k in keys) and _wording(stored) == _wording(article)


def _wording(article: Article) -> list[tuple[str, str, bool, str]]:
    """The districts' subsections an answer holds (### 滨海新区), wherever in the file they are."""
    return [(v.section, v.district, v.adds, v.text) for v in article.variants]
