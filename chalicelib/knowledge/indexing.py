"""The search engine a lexicon defines: how articles become indexed documents, and the index over them."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.models.content import Article
from chalicelib.knowledge.parsing import ANSWER, INTERNAL_NOTES
from chalicelib.search.documents import IndexedDocument, SearchDocument, index_document, meaning_text
from chalicelib.search.embeddings import Embedder, shared_embedder
from chalicelib.search.index import SearchIndex
from chalicelib.search.ranking import RankSettings
from chalicelib.search.referrals import Referrals, question_groups
from chalicelib.search.segmenter import Segmenter
from chalicelib.search.terms import DocumentAnalyzer, TermRules, clean, synonym_map


def search_document(article: Article) -> SearchDocument:
    """What the index sees of an article: everything but the internal notes; its text the city's (a district's
    wording is applied when it is read), and where its `districts:` send work."""
    body = "\n".join(text for name, text in article.sections.items() if name not in (ANSWER, INTERNAL_NOTES))
    return SearchDocument(
        id=article.id,
        title=article.title,
        category=article.category,
        department=article.department,
        questions=tuple(article.questions),
        keywords=tuple(article.keywords),
        answer=article.sections[ANSWER],
        body=body,
        audience=article.audience.value,
        effective_from=article.effective_from.isoformat(),
        expires=article.expires.isoformat() if article.expires else "",
        districts=tuple(sorted(article.districts.items())),
    )


@dataclass
class SearchEngine:
    """Lexicon + analysis rules + ranking settings + meaning model; the segmenter loads only when a document is
    indexed, the model when a document is indexed or a query embedded."""

    lexicon: Lexicon
    rules: TermRules = field(default_factory=TermRules)
    settings: RankSettings = field(default_factory=RankSettings)
    embedder: Embedder = field(default_factory=shared_embedder)

    def __post_init__(self) -> None:
        self.synonyms = synonym_map(self.lexicon.synonyms) if self.rules.synonyms else {}
        domain_words = (
            [*self.lexicon.terms, *(w for g in self.lexicon.synonyms for w in g)] if self.rules.dictionary else []
        )
        self._analyzer = DocumentAnalyzer(self.rules, self.synonyms, Segmenter(domain_words))
        self.referrals = Referrals.of(self.lexicon.referrals, lambda text: clean(text, self.rules).replace(" ", ""))
        # The referral list's questions search compares by meaning (those with words left after cleaning), and
        # the group of each: worked out without the model, so a restored index knows them too.
        questions, groups = question_groups(self.lexicon.referrals)
        listed = [
            (text, group) for q, group in zip(questions, groups, strict=True) if (text := meaning_text(q, self.rules))
        ]
        self.listed_texts = [text for text, _ in listed]
        self.listed_groups = [group for _, group in listed]
        self._not_covered: np.ndarray | None = None

    def not_covered(self) -> np.ndarray | None:
        """The vectors of the referral list's questions, embedded once per engine (that is, per lexicon)."""
        if self._not_covered is None and self.listed_texts:
            self._not_covered = self.embedder.queries(self.listed_texts)
        return self._not_covered

    def index_document(self, document: SearchDocument) -> IndexedDocument:
        return index_document(document, self._analyzer.terms, self.rules, self.embedder)

    def index_article(self, article: Article) -> IndexedDocument:
        return self.index_document(search_document(article))

    def build(self, documents: Iterable[IndexedDocument]) -> SearchIndex:
        return SearchIndex(
            documents,
            self.rules,
            self.synonyms,
            self.settings,
            self.embedder,
            self.not_covered(),
            self.referrals,
            self.listed_groups,
        )

    def restore(self, snapshot: bytes | bytearray | memoryview) -> SearchIndex:
        """The index a snapshot holds (ValueError if this release cannot read it).

        The snapshot's referral-question vectors become this engine's too: an index built later (a look-back,
        a lexicon-free rebuild) reuses them instead of embedding hundreds of questions inside a request.
        """
        index = SearchIndex.restore(
            snapshot, self.rules, self.synonyms, self.settings, self.embedder, self.referrals, self.listed_groups
        )
        if self._not_covered is None and len(index.not_covered) == len(self.listed_texts):
            self._not_covered = index.not_covered
        return index
