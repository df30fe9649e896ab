"""Text -> search terms: words, character bigrams and pinyin bigrams, the same way for articles and queries.

Articles are cut by jieba when they are written; queries are cut against the index's own vocabulary
(every word jieba produced for the articles, plus the lexicon), so answering a query never loads
jieba's dictionary: a query word the vocabulary lacks could not match anything anyway.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from chalicelib.search.pinyin import split_syllables, syllable
from chalicelib.search.segmenter import Segmenter
from chalicelib.search.textnorm import mask_pii, normalize, strip_fillers

BIGRAM = "#"
PINYIN = "@"
UNIGRAM = "^"  # single characters: a weak signal, scored but never counted as coverage
MAX_WORD = 8

STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 嘛 我 你 您 他 她 它 我们 你们 他们 都 也 就 还 又 在 是 有 和 与 及 或 把 被 给 让 要 会 能 "
    "想 去 来 到 从 对 这 那 这个 那个 可以 一下 一个 请 问 么 "
    "家 家里 现在 今天 已经 一直 还是 就是 但是 因为 所以 如果 然后 自己 咋 啥 呗 哪 谁 得 着 过 个".split()
)
# Question words are searched (为什么 and 多久 ask different things) but are not what a question is about,
# so they do not count in how much of the query an article covers.
QUESTION_WORDS = frozenset("什么 怎么 怎样 如何 哪里 哪儿 哪个 多少 为什么".split())
_NOT_CONTENT = STOPWORDS | QUESTION_WORDS
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_RUN = re.compile(r"[a-z]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class TermRules:
    """Which analysis steps are on: all of them in production; the ablation turns them off one at a time."""

    fold: bool = True
    fillers: bool = True
    dictionary: bool = True
    synonyms: bool = True
    bigrams: bool = True
    pinyin: bool = True
    unigrams: bool = True


def clean(text: str, rules: TermRules) -> str:
    """Normalised text with phone and ID numbers and filler phrases removed."""
    text = normalize(text) if rules.fold else text.lower()
    text = mask_pii(text, blank=True)
    return strip_fillers(text) if rules.fillers else text


def pinyin_of(text: str) -> str:
    """The toneless pinyin of the Chinese characters in text, run together ("暖气" -> "nuanqi")."""
    return "".join(s for s in map(syllable, text) if s)


def _syllable_bigrams(syllables: Sequence[str]) -> list[str]:
    return [f"{PINYIN}{a}{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


def _pair_spans(run: str, rules: TermRules) -> Iterator[tuple[str, int, int]]:
    """(term, first, second) for the terms that need no dictionary: character pairs and sound pairs."""
    if rules.bigrams:
        for i in range(len(run) - 1):
            yield BIGRAM + run[i : i + 2], i, i + 1
    if rules.pinyin:
        positions = [i for i, char in enumerate(run) if syllable(char)]
        sounds = _syllable_bigrams([sound for i in positions if (sound := syllable(run[i])) is not None])
        for (first, second), term in zip(zip(positions, positions[1:], strict=False), sounds, strict=True):
            yield term, first, second


def _surface_terms(cleaned: str, rules: TermRules) -> list[str]:
    terms = [term for run in _CJK_RUN.findall(cleaned) for term, _, _ in _pair_spans(run, rules)]
    return terms + _unigrams(cleaned, rules)


def _unigrams(cleaned: str, rules: TermRules) -> list[str]:
    """Each Chinese character that is not a stop word on its own (的, 了 ...), as a single-character term."""
    if not rules.unigrams:
        return []
    return [UNIGRAM + char for run in _CJK_RUN.findall(cleaned) for char in run if char not in STOPWORDS]


class DocumentAnalyzer:
    """Cuts article text with jieba (write time only)."""

    def __init__(self, rules: TermRules, synonyms: dict[str, str], segmenter: Segmenter) -> None:
        self.rules = rules
        self.synonyms = synonyms if rules.synonyms else {}
        self.segmenter = segmenter

    def terms(self, text: str) -> list[str]:
        cleaned = clean(text, self.rules)
        words = [self.synonyms.get(w, w) for w in self.segmenter.words(cleaned)]
        kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isascii() and w.isalnum())]
        return kept + _surface_terms(cleaned, self.rules)


@dataclass(frozen=True)
class AnalyzedQuery:
    """A query's terms, and which content units (Chinese characters, typed syllables) each term covers."""

    cleaned: str
    terms: tuple[str, ...]
    covers: dict[str, frozenset[int]]
    units: int
    compact: str  # the cleaned text without spaces, for string similarity
    sound: str  # its toneless pinyin, typed syllables included, run together


class QueryAnalyzer:
    """Cuts queries against a known vocabulary: every vocabulary word found in the query is a term."""

    def __init__(self, rules: TermRules, synonyms: dict[str, str], vocabulary: Iterable[str]) -> None:
        self.rules = rules
        self.synonyms = synonyms if rules.synonyms else {}
        self.vocabulary = frozenset(w for w in (*vocabulary, *self.synonyms) if len(w) > 1 and w not in STOPWORDS)

    def analyze(self, text: str) -> AnalyzedQuery:
        cleaned = clean(text, self.rules)
        covers: dict[str, set[int]] = {}

        def add(term: str, units: Iterable[int]) -> None:
            covers.setdefault(term, set()).update(units)

        content: set[int] = set()
        for match in _CJK_RUN.finditer(cleaned):
            run, offset = match.group(), match.start()
            content.update(offset + i for i in _content_positions(run))
            for start in range(len(run)):
                for end in range(start + 2, min(len(run), start + MAX_WORD) + 1):
                    if run[start:end] in self.vocabulary:
                        add(self.synonyms.get(run[start:end], run[start:end]), range(offset + start, offset + end))
            for term, first, second in _pair_spans(run, self.rules):
                add(term, (offset + first, offset + second))
        for term in _unigrams(cleaned, self.rules):
            add(term, ())  # a shared character is evidence for the score, not coverage of the question
        for match in _ASCII_WORD.finditer(cleaned):
            if match.group() in self.vocabulary or match.group().isdigit():
                add(match.group(), [len(cleaned) + match.start()])  # ascii words count as one unit each
                content.add(len(cleaned) + match.start())
        typed = self.typed_pinyin(cleaned)
        if self.rules.pinyin and typed:
            base = 2 * len(cleaned)  # typed syllables get unit numbers past every character position
            content.update(range(base, base + len(typed)))
            for i, term in enumerate(_syllable_bigrams(typed)):
                add(term, (base + i, base + i + 1))
        return AnalyzedQuery(
            cleaned=cleaned,
            terms=tuple(covers),
            covers={t: frozenset(u & content) for t, u in covers.items()},
            units=len(content),
            compact=cleaned.replace(" ", ""),
            sound=pinyin_of(cleaned) + "".join(typed),
        )

    def typed_pinyin(self, cleaned: str) -> list[str]:
        """Syllables of latin runs that read as pinyin ("ranqi xielou" -> ran qi xie lou)."""
        syllables: list[str] = []
        for run in _LATIN_RUN.findall(cleaned):
            if len(run) >= 2 and run not in self.vocabulary and (split := split_syllables(run)):
                syllables.extend(split)
        return syllables


def _content_positions(run: str) -> list[int]:
    """Positions of a Chinese run that are not inside a stop word (的, 怎么, 我们 ...)."""
    stop = [False] * len(run)
    for start in range(len(run)):
        for end in range(min(len(run), start + 3), start, -1):
            if run[start:end] in _NOT_CONTENT:
                stop[start:end] = [True] * (end - start)
                break
    return [i for i, is_stop in enumerate(stop) if not is_stop]


def synonym_map(groups: Iterable[Sequence[str]]) -> dict[str, str]:
    """Every word of a group maps to the group's first word."""
    return {normalize(word): normalize(group[0]) for group in groups for word in group}
