"""kb sync: make the store's published articles equal to a knowledge folder, writing only what changed."""

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.documents import encode_document
from chalicelib.engine import SearchEngine
from chalicelib.models import ArticleStatus
from chalicelib.service import KnowledgeService
from chalicelib.store import KnowledgeStore
from tools.kb.knowledge import LoadedKnowledge

SYNC_AUTHOR = "kb-sync"


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    lexicon_changed: bool = False
    snapshot_bytes: int = 0

    def summary(self) -> str:
        lexicon = "lexicon updated, all articles re-indexed" if self.lexicon_changed else "lexicon unchanged"
        snapshot = f"index snapshot {self.snapshot_bytes / 1e6:.1f} MB" if self.snapshot_bytes else "snapshot unchanged"
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"archived {self.archived}; {lexicon}; {snapshot}"
        )


def sync_knowledge(
    store: KnowledgeStore,
    knowledge: LoadedKnowledge,
    now: dt.datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> SyncReport:
    """Upsert every article by content hash, archive (never delete) those no longer in the folder,
    and save a fresh index snapshot when anything changed.

    Each article is stored with its search document, worked out here with the folder's lexicon, so
    the service never segments text. A lexicon change re-indexes every article.
    The caller must have checked `knowledge.problems` is empty: a broken folder is never half-synced.
    """
    report = SyncReport()
    stored = {a.id: a for a in store.articles()}
    wanted = {a.id for a in knowledge.articles}
    gone = [a for a in stored.values() if a.id not in wanted and a.status is ArticleStatus.PUBLISHED]
    total = len(knowledge.articles) + len(gone) + 2
    lexicon, _ = store.lexicon()
    if lexicon != knowledge.lexicon:
        store.save_lexicon(knowledge.lexicon)
        report.lexicon_changed = True
    progress(1, total)
    engine = SearchEngine(knowledge.lexicon)
    for done, article in enumerate(knowledge.articles, start=2):
        current = stored.get(article.id)
        fresh = (
            current is not None
            and current.content_hash == article.content_hash
            and current.status is ArticleStatus.PUBLISHED
            and current.search is not None
            and not report.lexicon_changed
        )
        if fresh:
            report.unchanged += 1
        else:
            search = encode_document(engine.index_article(article))
            store.save_article(
                article.id, article.markdown, article.content_hash, ArticleStatus.PUBLISHED, SYNC_AUTHOR, now, search
            )
            if current is None:
                report.added += 1
            else:
                report.updated += 1
        progress(done, total)
    for done, article in enumerate(gone, start=len(knowledge.articles) + 2):
        store.save_article(article.id, article.markdown, article.content_hash, ArticleStatus.ARCHIVED, SYNC_AUTHOR, now)
        report.archived += 1
        progress(done, total)
    changed = report.added or report.updated or report.archived or report.lexicon_changed
    if changed or store.snapshot() is None:
        report.snapshot_bytes = len(KnowledgeService(store).save_snapshot().data)
    progress(total, total)
    return report


def progress_bar(done: int, total: int, width: int = 30) -> None:
    """A one-line bar on stderr, redrawn in place."""
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rsync [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
