from chalicelib.knowledge.frontmatter import draft_fields
from tests.conftest import article_text


def test_draft_fields_are_read_even_when_the_article_is_invalid():
    text = article_text(title="暖气", effective_from="2025-13-01", review_by="２０２６-10-01").replace("id: ", "id：")
    assert draft_fields(text) == {
        "id": "test-article",
        "title": "暖气",
        "category": "heating",
        "audience": "public",
        "department": "heating-company",
        "review_by": "2026-10-01",
    }


def test_draft_fields_leave_out_what_cannot_be_read():
    assert draft_fields('---\ntitle: "暖气 # 不热"  # 注释\ndepartment:\nid\n') == {"title": "暖气 # 不热"}
    assert draft_fields("no front matter") == {}
