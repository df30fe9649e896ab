"""kb lint's meaning check: a question of the referral list must not be one an article answers.

A query nearer in meaning to a question of referrals.yaml than to any article gets the referral, so a
line that says what an article's title or phrasing says would hide that article. Lines and
phrasings are compared by the same model that search uses (vectors cached on disk by the tools).
"""

import numpy as np

from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.search.documents import meaning_text
from chalicelib.search.embeddings import Embedder
from chalicelib.search.referrals import REFERRALS_FILE
from tools.kb.knowledge import LEXICON_DIR, LoadedKnowledge, article_files

# Cosine from which two questions ask the same thing. Measured on e5's compressed scale: rewordings such
# as 暖气不热怎么办 / 暖气不热咋办 score 0.98-0.99, different topics in one frame (行驶证补办 / 补办出入证,
# 燃气费能开发票吗 / 交暖气费能开发票吗) up to 0.968.
SAME_QUESTION = 0.975


def scope_problems(root, loaded: LoadedKnowledge, embedder: Embedder) -> list[str]:
    """'file:line: message' for each listed question that nearly repeats an article's title or phrasing."""
    listed = loaded.lexicon.not_covered
    if not listed or not loaded.articles:
        return []
    engine = SearchEngine(loaded.lexicon, embedder=embedder)
    rules = engine.rules
    listed = [q for q in listed if meaning_text(q, rules)]  # the lines search embeds, in its order
    listed_vectors = engine.not_covered()  # exactly the vectors search compares queries with
    asked = [(a, text) for a in loaded.articles for text in (a.title, *a.questions) if meaning_text(text, rules)]
    asked_vectors = embedder.queries([meaning_text(text, rules) for _, text in asked])
    if listed_vectors is None or asked_vectors is None:
        return []  # without the model there is nothing to compare; search then ignores the list too
    similar = listed_vectors @ asked_vectors.T
    line_of = _line_numbers(root / LEXICON_DIR / REFERRALS_FILE)
    files = {path.stem: path for path in article_files(root)}
    problems = []
    for row, question in enumerate(listed):
        column = int(np.argmax(similar[row]))
        if similar[row, column] >= SAME_QUESTION:
            article, phrasing = asked[column]
            problems.append(
                f"{root / LEXICON_DIR / REFERRALS_FILE}:{line_of.get(question, 1)}: '{question}' asks what "
                f"'{phrasing}' ({files.get(article.id, article.id)}) answers; callers would get the hotline "
                "instead of that article: delete the line, or the phrasing if the article does not answer it"
            )
    return problems


def _line_numbers(path) -> dict[str, int]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    # a question is a YAML list item: "    - 身份证丢了怎么补办"
    return {
        line.split("#", 1)[0].strip().removeprefix("- ").strip(): number for number, line in enumerate(lines, start=1)
    }
