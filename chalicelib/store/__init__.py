"""DynamoDB single-table access, one store per family of item. Raw items never leave this package.

`table` holds what every family shares (the generation counter, transactions, paging); each other
module is one family: `articles`, `snapshots`, `lexicon`, `directory`, `keys`, `records`, `reports`.
"""

from typing import Any

from chalicelib.store.articles import ArticleStore
from chalicelib.store.directory import DirectoryStore
from chalicelib.store.keys import KeyStore
from chalicelib.store.lexicon import LexiconStore
from chalicelib.store.records import RecordStore
from chalicelib.store.reports import ReportStore
from chalicelib.store.snapshots import SnapshotStore
from chalicelib.store.table import ensure_table, table_definition

__all__ = ["KnowledgeStore", "ensure_table", "table_definition"]


class KnowledgeStore:
    """Every family store, each built once on the same table. Services are handed only the ones they use."""

    def __init__(self, table: Any) -> None:
        self.table = table  # the boto3 Table, for tools that copy it whole (kb backup)
        self.articles = ArticleStore(table)
        self.snapshots = SnapshotStore(table)
        self.lexicon = LexiconStore(table)
        self.directory = DirectoryStore(table)
        self.keys = KeyStore(table)
        self.records = RecordStore(table)
        self.reports = ReportStore(table)

    def generation(self) -> int:
        """The table's generation: every generation-stamped write, of any family, moves it."""
        return self.articles.generation()
