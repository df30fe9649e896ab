"""kb export: the published knowledge base as a knowledge folder (byte for byte its source) or an Excel sheet."""

from pathlib import Path

from chalicelib.knowledge.districts import as_written
from chalicelib.knowledge.models.content import Article, ArticleStatus
from chalicelib.knowledge.parsing import ANSWER, parse_article
from chalicelib.people.directory import DIRECTORY_FILE, Directory, DirectoryInvalid, directory_yaml, parse_directory
from chalicelib.wiring import Stores
from tools.kb.knowledge import LEXICON_DIR


def published_articles(store: Stores) -> list[Article]:
    return sorted(
        (
            parse_article(live.markdown)
            for live in store.articles.live_articles()
            if live.status is ArticleStatus.PUBLISHED
        ),
        key=lambda article: article.id,
    )


def export_folder(store: Stores, folder: Path) -> int:
    """Write <category>/<id>.md for every published article and the lexicon's files; returns the article count."""
    articles = published_articles(store)
    for article in articles:
        path = folder / article.category / f"{article.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(article.markdown.encode("utf-8"))  # bytes: no newline translation on any platform
    lexicon = folder / LEXICON_DIR
    files = store.lexicon.files()
    stored = store.directory.current()
    if len(stored.directory):
        # The synced file as it was, while the app has changed nothing in it; else the directory written anew.
        synced = stored.file_text
        unchanged = synced is not None and _parses_to(synced, stored.directory)
        files[DIRECTORY_FILE] = synced if synced is not None and unchanged else directory_yaml(stored.directory)
    for name, text in files.items():
        lexicon.mkdir(parents=True, exist_ok=True)
        (lexicon / name).write_bytes(text.encode("utf-8"))
    return len(articles)


def _parses_to(text: str, directory: Directory) -> bool:
    try:
        return parse_directory(text) == directory
    except DirectoryInvalid:
        return False


def faq_rows(articles: list[Article]) -> tuple[list[str], list[list[str]]]:
    """The header and one row per article: the title is question1, the listed phrasings follow."""
    width = max((1 + len(a.questions) for a in articles), default=1)
    header = ["id", *(f"question{n}" for n in range(1, width + 1)), "answer", "category", "department"]
    rows = []
    for article in articles:
        questions = [article.title, *article.questions]
        questions += [""] * (width - len(questions))
        answer = as_written(article)[ANSWER]  # with its districts' subsections, which import reads back
        rows.append([article.id, *questions, answer, article.category, article.department])
    return header, rows


def export_xlsx(store: Stores, path: Path) -> int:
    from openpyxl import Workbook

    from tools.kb.sheets import append_row

    header, rows = faq_rows(published_articles(store))
    book = Workbook()
    sheet = book.active
    sheet.title = "faq"
    append_row(sheet, header)
    for row in rows:
        append_row(sheet, row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(rows)
