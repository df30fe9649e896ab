"""kb sync: make the store's published articles equal to a knowledge folder, writing only what changed."""

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.models import ArticleStatus
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

    def summary(self) -> str:
        lexicon = "lexicon updated" if self.lexicon_changed else "lexicon unchanged"
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"archived {self.archived}; {lexicon}"
        )


def sync_knowledge(
    store: KnowledgeStore,
    knowledge: LoadedKnowledge,
    now: dt.datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> SyncReport:
    """Upsert every article by content hash and archive (never delete) those no longer in the folder.

    The caller must have checked `knowledge.problems` is empty: a broken folder is never half-synced.
    """
    report = SyncReport()
    stored = {a.id: a for a in store.articles()}
    wanted = {a.id for a in knowledge.articles}
    gone = [a for a in stored.values() if a.id not in wanted and a.status is ArticleStatus.PUBLISHED]
    total = len(knowledge.articles) + len(gone) + 1
    lexicon, _ = store.lexicon()
    if lexicon != knowledge.lexicon:
        store.save_lexicon(knowledge.lexicon)
        report.lexicon_changed = True
    progress(1, total)
    for done, article in enumerate(knowledge.articles, start=2):
        current = stored.get(article.id)
        if current and current.content_hash == article.content_hash and current.status is ArticleStatus.PUBLISHED:
            report.unchanged += 1
        else:
            store.save_article(
                article.id, article.markdown, article.content_hash, ArticleStatus.PUBLISHED, SYNC_AUTHOR, now
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
    return report


def progress_bar(done: int, total: int, width: int = 30) -> None:
    """A one-line bar on stderr, redrawn in place."""
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rsync [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
