"""kb export: the published knowledge base as a knowledge folder (byte for byte its source) or an Excel sheet."""

from pathlib import Path

from chalicelib.articles import ANSWER, parse_article
from chalicelib.models import Article, ArticleStatus
from chalicelib.store import KnowledgeStore
from tools.kb.knowledge import LEXICON_DIR

FAQ_COLUMNS = ["id", "answer", "category", "department"]  # then question1..n


def published_articles(store: KnowledgeStore) -> list[Article]:
    return sorted(
        (parse_article(live.markdown) for live in store.articles() if live.status is ArticleStatus.PUBLISHED),
        key=lambda article: article.id,
    )


def export_folder(store: KnowledgeStore, folder: Path) -> int:
    """Write <category>/<id>.md for every published article and the lexicon's files; returns the article count."""
    articles = published_articles(store)
    for article in articles:
        path = folder / article.category / f"{article.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(article.markdown.encode("utf-8"))  # bytes: no newline translation on any platform
    lexicon = folder / LEXICON_DIR
    for name, text in store.lexicon_files().items():
        lexicon.mkdir(parents=True, exist_ok=True)
        (lexicon / name).write_bytes(text.encode("utf-8"))
    return len(articles)


def faq_rows(articles: list[Article]) -> tuple[list[str], list[list[str]]]:
    """The header and one row per article: the title is question1, the listed phrasings follow."""
    width = max((1 + len(a.questions) for a in articles), default=1)
    header = ["id", *(f"question{n}" for n in range(1, width + 1)), "answer", "category", "department"]
    rows = []
    for article in articles:
        questions = [article.title, *article.questions]
        questions += [""] * (width - len(questions))
        rows.append([article.id, *questions, article.sections[ANSWER], article.category, article.department])
    return header, rows


def export_xlsx(store: KnowledgeStore, path: Path) -> int:
    from openpyxl import Workbook

    header, rows = faq_rows(published_articles(store))
    book = Workbook()
    sheet = book.active
    sheet.title = "faq"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(rows)
