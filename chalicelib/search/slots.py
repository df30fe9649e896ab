"""The index's slots: each holds a document and its cleaned phrasings, or None once removed. Pure.

A restored index leaves its documents in the snapshot's blocks and opens a block the first time one of its
slots is asked for: a cold start then decodes nothing. Each slot's visibility is kept apart, so a search
filters hundreds of candidates and opens only the blocks of the few it ranks and shows.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from chalicelib.search.documents import SearchDocument, Visibility, visibility_of
from chalicelib.search.snapshots import DocumentBlocks

_Row = tuple[str, str, str, str]  # a Visibility's fields


@dataclass(frozen=True, slots=True)
class Entry:
    document: SearchDocument
    phrasings: tuple[str, ...]


class Slots:
    """Slot -> Entry (None: removed), appended to at the end; a snapshot's blocks are decoded on first use."""

    def __init__(
        self, entries: Iterable[Entry] = (), blocks: DocumentBlocks | None = None, visibility: Sequence[_Row] = ()
    ) -> None:
        """Slots of the entries, or of a snapshot's blocks and the visibility of each of their slots."""
        self._blocks = blocks
        self._entries: list[Entry | None] = [None] * blocks.count if blocks else list(entries)
        self._visibility: list[_Row | None] = (
            list(visibility) if blocks else [visibility_of(e.document) for e in self._entries if e is not None]
        )
        self._block = blocks.size if blocks else 1
        self._closed = set(range(-(-blocks.count // self._block))) if blocks else set()  # blocks not decoded yet
        self._removed: set[int] = set()  # slots removed while their block was closed

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, slot: int) -> Entry | None:
        if self._closed and slot // self._block in self._closed:
            self._open(slot // self._block)
        return self._entries[slot]

    def visibility(self, slot: int) -> Visibility | None:
        """The slot's visibility without opening its block (None: removed)."""
        seen = self._visibility[slot]
        return None if seen is None else Visibility(*seen)

    def remove(self, slot: int) -> None:
        self._entries[slot] = None
        self._visibility[slot] = None
        if self._closed:
            self._removed.add(slot)

    def append(self, entry: Entry) -> None:
        self._entries.append(entry)
        self._visibility.append(visibility_of(entry.document))

    def __iter__(self) -> Iterator[Entry | None]:
        for number in sorted(self._closed):
            self._open(number)
        return iter(self._entries)

    def _open(self, number: int) -> None:
        assert self._blocks is not None  # only a restored index has closed blocks
        for slot, (document, phrasings) in enumerate(self._blocks.block(number), start=number * self._block):
            if slot not in self._removed:
                self._entries[slot] = Entry(document, phrasings)
        self._closed.discard(number)
