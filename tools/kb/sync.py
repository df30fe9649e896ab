"""kb sync: bring a knowledge folder into the store as new versions, through the same workflow as the API."""

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.knowledge.editorial import EditorialService
from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.live import LiveIndex
from chalicelib.knowledge.models.content import Article, ArticleStatus
from chalicelib.knowledge.models.editing import EditorialState, WorkingCopy
from chalicelib.knowledge.parsing import content_hash, parse_article
from chalicelib.knowledge.store.articles import ArticleStore, LiveChange
from chalicelib.knowledge.workflow import ADDED_FROM_FOLDER, CHANGED_IN_FOLDER, WAITS_AFTER_ARCHIVE
from chalicelib.people.access import ALL_DEPARTMENTS, Principal, Role
from chalicelib.people.changes import change_of
from chalicelib.people.directory import DIRECTORY_FILE, Department, Directory
from chalicelib.people.store.directory import DirectoryStore, StoredDirectory
from chalicelib.search.documents import encode_document, is_current
from chalicelib.wiring import Stores
from tools.kb.knowledge import LoadedKnowledge

SYNC_AUTHOR = "kb-sync"
SYNC_TOOL = "kb sync"  # an operator's sync is recorded as "<their principal> (kb sync)"
SYNC_PRINCIPAL = Principal(Role.ADMIN, SYNC_AUTHOR, frozenset({ALL_DEPARTMENTS}))
_LISTED = 20  # departments a sync's audit entry names; the first sync writes every one


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    reindexed: int = 0
    departments: int = 0
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
            f"archived {self.archived}; changes {changes}; {self.departments} department(s) written; "
            f"{lexicon}; {snapshot}"
        )

    def recorded(self) -> str:
        """The sync as the admin audit log says it, in Chinese."""
        state = "已发布" if self.published else "已提交审核"
        lexicon = ("词库已更新" if self.lexicon_changed else "词库未变") + (
            f"，{self.reindexed} 篇线上文章重建索引" if self.reindexed else ""
        )
        return (
            f"文章：新增 {self.added} 篇，更新 {self.updated} 篇（{state}），未变 {self.unchanged} 篇，"
            f"归档 {self.archived} 篇；写入 {self.departments} 个单位；{lexicon}"
        )


def sync_knowledge(
    store: Stores,
    knowledge: LoadedKnowledge,
    now: dt.datetime,
    publish: bool,
    progress: Callable[[int, int], None] = lambda done, total: None,
    prepare: Callable[[list[Article]], object] = lambda changed: None,
    operator: Principal = SYNC_PRINCIPAL,
) -> SyncReport:
    """Save every file whose text changed since the last sync as a new version (author: the operator who runs
    the sync, so they cannot approve it themselves; kb-sync for the local run) and publish
    it (`publish`, the folder's own change) or submit it for review; archive (never delete) articles whose
    file is gone.

    `prepare` gets the files new or changed since the last sync first (the command line embeds them on every
    core). A file is compared with the text it had at the last sync, so the consoles' work survives any sync of an
    unchanged folder: drafts stay drafts, archived articles stay archived, and nothing made in the app is
    ever published by a sync. A lexicon change re-indexes every live article. The caller must have checked
    `knowledge.problems` is empty: a broken folder is never half-synced.
    """
    report = SyncReport(published=publish)
    editorial = EditorialService(store.articles, store.lexicon, store.directory.departments, now=lambda: now)
    heads = {head.id: head for head in store.articles.heads()}
    wanted = {a.id for a in knowledge.articles}
    gone = [
        h for h in heads.values() if h.id not in wanted and h.source_hash and h.state is not EditorialState.ARCHIVED
    ]
    prepare([a for a in knowledge.articles if a.id not in heads or heads[a.id].source_hash != a.content_hash])
    total = len(knowledge.articles) + len(gone) + 2
    if knowledge.directory_text:  # a folder without a directory file leaves the table's directory alone
        directory_text = knowledge.directory_text
        report.departments = _sync_directory(store.directory, knowledge.directory, directory_text, now, operator)
    lexicon, _ = store.lexicon.current()
    if lexicon != knowledge.lexicon or store.lexicon.files() != knowledge.lexicon_files:
        store.lexicon.save(knowledge.lexicon, knowledge.lexicon_files)
        report.lexicon_changed = lexicon != knowledge.lexicon
        files = "、".join(sorted(knowledge.lexicon_files)) or "无文件"
        store.changes.add(change_of(operator, "lexicon", "sync", f"从文件夹同步词库：{files}", now))
    progress(1, total)
    published_now: set[str] = set()
    for done, article in enumerate(knowledge.articles, start=2):
        outcome = _sync_article(store.articles, editorial, heads.get(article.id), article, publish, operator)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if publish and outcome != "unchanged":
            published_now.add(article.id)
        progress(done, total)
    for done, head in enumerate(gone, start=len(knowledge.articles) + 2):
        if publish:
            editorial.archive_source(head.id, operator)
            report.archived += 1
        progress(done, total)
    # Articles published by this sync were indexed with the new lexicon already; after a lexicon change
    # every other live article is re-indexed, otherwise those whose search document is of an older format.
    report.reindexed = _reindex_live(
        store.articles, SearchEngine(knowledge.lexicon), now, skip=published_now, every=report.lexicon_changed
    )
    changed = report.added or report.updated or report.archived or report.reindexed or report.lexicon_changed
    if changed or store.snapshots.latest_generation() is None:
        live = LiveIndex(store.articles, store.snapshots, store.lexicon, store.directory)
        report.snapshot_bytes = len(live.save_snapshot().data)
    if changed or report.departments:
        store.changes.add(change_of(operator, "knowledge", "sync", report.recorded(), now))
    progress(total, total)
    return report


def _sync_article(
    articles: ArticleStore,
    editorial: EditorialService,
    head: WorkingCopy | None,
    article: Article,
    publish: bool,
    operator: Principal,
) -> str:
    """Bring one file in: "added", "updated" or "unchanged" (the report's counters)."""
    file_hash = article.content_hash
    if head is None:
        editorial.import_article(article, operator, publish, ADDED_FROM_FOLDER, file_hash)
        return "added"
    if head.source_hash == file_hash:
        return "unchanged"  # the file is as last synced: whatever the consoles did since stands
    latest = articles.version(head.id, head.version)
    if latest is not None and latest.content_hash == file_hash:
        editorial.note_source(article.id, file_hash, operator)  # the app already holds this text
        return "unchanged"
    # The file truly changed: its text becomes a new version. Published at once only with --publish, and
    # never over an archive made in the app: that waits for a reviewer.
    archived_in_app = head.state is EditorialState.ARCHIVED and not _by_a_sync(head)
    message = CHANGED_IN_FOLDER + (WAITS_AFTER_ARCHIVE if archived_in_app else "")
    editorial.import_article(article, operator, publish and not archived_in_app, message, file_hash)
    return "updated"


def _by_a_sync(head: WorkingCopy) -> bool:
    """Whether a sync made the working copy's last change (whoever ran it): operators' syncs are named so."""
    return head.updated_by_id == SYNC_PRINCIPAL.identity or (head.updated_by or "").endswith(f"({SYNC_TOOL})")


def _sync_directory(
    store: DirectoryStore, folder: Directory, file_text: str, now: dt.datetime, operator: Principal
) -> int:
    """Departments new or changed in the folder's directory file since the last sync are written; the rest,
    and every department edited or added in the app, stay as they are. How many were written; the operator's
    file is no proposal, but what it changed is in the admin audit log."""
    stored = store.current()
    merged, sources = {d.code: d for d in stored.directory}, dict(stored.sources)
    written: list[str] = []
    for department in folder:
        file_hash = _record_hash(department)
        if sources.get(department.code) != file_hash:
            if merged.get(department.code) != department:
                written.append(department.code)
            merged[department.code] = department
            sources[department.code] = file_hash
    if written or sources != stored.sources or file_text != stored.file_text:
        listed = "、".join(written[:_LISTED]) + ("等" if len(written) > _LISTED else "")
        summary = f"从 {DIRECTORY_FILE} 写入 {len(written)} 个单位：{listed}"
        change = change_of(operator, "directory", "sync", summary, now) if written else None
        store.save(StoredDirectory(Directory(merged.values()), stored.generation, sources, file_text), change)
    return len(written)


# Fields added since departments were first hashed: left out while they hold their defaults, so an upgrade reads
# no department as changed in the file.
_LATER_FIELDS = {"retired", "kind", "district", "aliases"}


def _record_hash(department: Department) -> str:
    """A department's record in the file, as hashed since before the later fields existed."""
    defaults = {
        name
        for name in _LATER_FIELDS
        if getattr(department, name) == Department.model_fields[name].get_default(call_default_factory=True)
    }
    return content_hash(department.model_dump_json(exclude=defaults))


def _reindex_live(articles: ArticleStore, engine: SearchEngine, now: dt.datetime, skip: set[str], every: bool) -> int:
    """New search documents for live articles (every one, or those stale): same text and version, no new version."""
    count = 0
    with_vectors = engine.embedder.available()
    for live in list(articles.live_articles()):
        stale = every or not is_current(live.search, with_vectors)
        if live.status is ArticleStatus.PUBLISHED and live.id not in skip and stale:
            search = encode_document(engine.index_article(parse_article(live.markdown)))
            renewed = LiveChange(live.status, live.version, live.markdown, live.content_hash, search)
            articles.save_live(live.id, renewed, SYNC_AUTHOR, now)
            count += 1
    return count


def bar(label: str, width: int = 30) -> Callable[[int, int], None]:
    """A one-line bar on stderr, redrawn in place: `label [####......] done/total`."""

    def draw(done: int, total: int) -> None:
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return draw


progress_bar = bar("sync")
