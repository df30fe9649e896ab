"""One lazily loaded jieba Tokenizer that knows the domain dictionary (used when articles are written)."""

import functools
import logging
import os
import tempfile
from collections.abc import Iterable
from typing import Any


class Segmenter:
    """Splits normalised Chinese text into words; the dictionary loads on first use, not at import."""

    def __init__(self, domain_terms: Iterable[str] = ()) -> None:
        self._domain_terms = tuple(domain_terms)
        self._tokenizer: Any = None  # a jieba.Tokenizer (jieba has no types)

    def _loaded(self) -> Any:
        if self._tokenizer is None:
            import jieba  # imported here: its import alone costs ~0.15 s, and only writers segment text

            tokenizer = jieba.Tokenizer()
            # The base dictionary is read once per process (0.65 s); each tokenizer adds its domain terms to a copy
            # (17 ms), so a new lexicon, or the engines of `kb ablation`, do not read it again.
            freq, total = _base_dictionary()
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
            for term in self._domain_terms:
                tokenizer.add_word(term, freq=_domain_frequency(term))
            self._tokenizer = tokenizer
        return self._tokenizer

    def words(self, text: str) -> list[str]:
        """Words for search: whole words plus the shorter words inside long ones."""
        return [w for w in self._loaded().cut_for_search(text, HMM=False) if w.strip()]


@functools.cache
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary and its total frequency, as its own Tokenizer loads them."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer()
    # Lambda's only writable place is /tmp; jieba caches its prefix dictionary there.
    base.tmp_dir = tempfile.gettempdir() if os.access(tempfile.gettempdir(), os.W_OK) else None
    base.initialize()
    return base.FREQ, base.total


def _domain_frequency(term: str) -> int:
    # High enough that jieba keeps the term whole rather than splitting it into common words.
    return 20000 + 1000 * len(term)
