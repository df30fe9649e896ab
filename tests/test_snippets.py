from chalicelib.search.documents import SearchDocument
from chalicelib.search.snippets import completion, marks, snippet

RADIATOR = SearchDocument(
    id="radiator",
    title="暖气不热怎么办",
    category="heating",
    department="供热企业",
    questions=("暖气片上热下凉",),
    answer="请先打开截门。再用放风阀排气，仍不热请报修。",
)


def test_the_snippet_is_the_answer_sentence_with_most_query_words():
    text, spans = snippet(RADIATOR, ["放风阀", "#排气", "@paiqi", "^气"])
    assert text == "再用放风阀排气，仍不热请报修。"
    assert [text[a:b] for a, b in spans] == ["放风阀排气"]  # touching words are marked as one span


def test_a_long_sentence_is_cut_to_the_width():
    text, _ = snippet(RADIATOR, ["放风阀"], width=6)
    assert text == "再用放风阀…"


def test_every_occurrence_of_a_word_is_marked():
    assert marks("暖气暖气片", ["暖气"]) == ((0, 4),)
    assert marks("暖气不热，暖气片", ["暖气"]) == ((0, 2), (5, 7))


def test_a_completion_prefers_the_phrasing_that_starts_with_what_was_typed():
    assert completion("暖气片", RADIATOR) == "暖气片上热下凉"
