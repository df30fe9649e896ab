"""kb sync: bring a knowledge folder into the store as new versions, through the same workflow as the API."""

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.access import ALL_DEPARTMENTS, Principal, Role
from chalicelib.articles import parse_article
from chalicelib.documents import encode_document, is_current
from chalicelib.editorial import EditorialService
from chalicelib.engine import SearchEngine
from chalicelib.models import Article, ArticleStatus, Draft, EditorialState
from chalicelib.service import KnowledgeService
from chalicelib.store import KnowledgeStore
from tools.kb.knowledge import LoadedKnowledge

SYNC_AUTHOR = "kb-sync"
SYNC_PRINCIPAL = Principal(Role.ADMIN, SYNC_AUTHOR, frozenset({ALL_DEPARTMENTS}))


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    reindexed: int = 0
    lexicon_changed: bool = False
    snapshot_bytes: int = 0
    published: bool = True

    def summary(self) -> str:
        lexicon = "lexicon updated" if self.lexicon_changed else "lexicon unchanged"
        lexicon += f", {self.reindexed} live article(s) re-indexed" if self.lexicon_changed or self.reindexed else ""
        snapshot = f"index snapshot {self.snapshot_bytes / 1e6:.1f} MB" if self.snapshot_bytes else "snapshot unchanged"
        changes = "published" if self.published else "submitted for review (publish them, or sync with --publish)"
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"archived {self.archived}; changes {changes}; {lexicon}; {snapshot}"
        )


def sync_knowledge(
    store: KnowledgeStore,
    knowledge: LoadedKnowledge,
    now: dt.datetime,
    publish: bool,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> SyncReport:
    """Save every file whose text changed since the last sync as a new version (author kb-sync) and publish
    it (`publish`, the admin path) or submit it for review; archive (never delete) articles whose file is gone.

    A file is compared with the text it had at the last sync, not with the latest version, so edits made
    through the API survive a sync of an unchanged folder. A lexicon change re-indexes every live article.
    The caller must have checked `knowledge.problems` is empty: a broken folder is never half-synced.
    """
    report = SyncReport(published=publish)
    editorial = EditorialService(store, now=lambda: now)
    heads = {head.id: head for head in store.heads()}
    wanted = {a.id for a in knowledge.articles}
    gone = [
        h for h in heads.values() if h.id not in wanted and h.source_hash and h.state is not EditorialState.ARCHIVED
    ]
    total = len(knowledge.articles) + len(gone) + 2
    lexicon, _ = store.lexicon()
    if lexicon != knowledge.lexicon or store.lexicon_files() != knowledge.lexicon_files:
        store.save_lexicon(knowledge.lexicon, knowledge.lexicon_files)
        report.lexicon_changed = lexicon != knowledge.lexicon
    progress(1, total)
    published_now: set[str] = set()
    for done, article in enumerate(knowledge.articles, start=2):
        outcome = _sync_article(store, editorial, heads.get(article.id), article, publish)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if publish and outcome != "unchanged":
            published_now.add(article.id)
        progress(done, total)
    for done, head in enumerate(gone, start=len(knowledge.articles) + 2):
        if publish:
            editorial.archive_source(head.id, SYNC_PRINCIPAL)
            report.archived += 1
        progress(done, total)
    # Articles published by this sync were indexed with the new lexicon already; after a lexicon change
    # every other live article is re-indexed, otherwise those whose search document is of an older format.
    report.reindexed = _reindex_live(
        store, SearchEngine(knowledge.lexicon), now, skip=published_now, every=report.lexicon_changed
    )
    changed = report.added or report.updated or report.archived or report.reindexed or report.lexicon_changed
    if changed or store.snapshot_generation() is None:
        report.snapshot_bytes = len(KnowledgeService(store).save_snapshot().data)
    progress(total, total)
    return report


def _sync_article(
    store: KnowledgeStore, editorial: EditorialService, head: Draft | None, article: Article, publish: bool
) -> str:
    """Bring one file in: "added", "updated" or "unchanged" (the report's counters)."""
    file_hash = article.content_hash
    if head is None:
        editorial.import_article(article, SYNC_PRINCIPAL, publish, "added from the folder", file_hash)
        return "added"
    in_use = head.state is not EditorialState.ARCHIVED
    if in_use and head.source_hash == file_hash:
        # The file is as last synced; newer versions made in the app stay as they are. Only the file's own
        # version, still waiting for review, may go live now.
        if publish and head.state is not EditorialState.PUBLISHED and _latest_is(store, head, file_hash):
            editorial.publish_source(article.id, file_hash, SYNC_PRINCIPAL)
            return "updated"
        return "unchanged"
    if in_use and _latest_is(store, head, file_hash):
        # The store's latest version already is the file's text: publish it, or note where it came from.
        if publish and head.state is not EditorialState.PUBLISHED:
            editorial.publish_source(article.id, file_hash, SYNC_PRINCIPAL)
            return "updated"
        editorial.note_source(article.id, file_hash, SYNC_PRINCIPAL)
        return "unchanged"
    editorial.import_article(article, SYNC_PRINCIPAL, publish, "changed in the folder", file_hash)
    return "updated"


def _latest_is(store: KnowledgeStore, head: Draft, content_hash: str) -> bool:
    latest = store.version(head.id, head.version)
    return latest is not None and latest.content_hash == content_hash


def _reindex_live(store: KnowledgeStore, engine: SearchEngine, now: dt.datetime, skip: set[str], every: bool) -> int:
    """New search documents for live articles (every one, or those stale): same text and version, no new version."""
    count = 0
    with_vectors = engine.embedder.available()
    for live in list(store.articles()):
        stale = every or not is_current(live.search, with_vectors)
        if live.status is ArticleStatus.PUBLISHED and live.id not in skip and stale:
            search = encode_document(engine.index_article(parse_article(live.markdown)))
            store.save_article(
                live.id, live.markdown, live.content_hash, live.status, SYNC_AUTHOR, now, search, live.version
            )
            count += 1
    return count


def progress_bar(done: int, total: int, width: int = 30) -> None:
    """A one-line bar on stderr, redrawn in place."""
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rsync [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
