"""A district's variant is part of the article's Markdown, so it travels with it: through `kb sync` and `kb export`
byte for byte, into the review diff, and into `as_of` (the variant of that time)."""

import datetime as dt
from pathlib import Path

import pytest

from chalicelib.knowledge.models.editing import MarkdownRequest, PublishRequest
from chalicelib.knowledge.parsing import ANSWER
from chalicelib.people.access import Principal, Reader, Role
from chalicelib.people.directory import directory_yaml
from chalicelib.wiring import Stores
from tests.conftest import NOW, Clock, editorial_service, knowledge_service
from tests.test_article_variants import BINHAI_ANSWER, variant_article
from tests.test_districts import CITY
from tools.kb.export import export_folder, export_xlsx
from tools.kb.importer import check_rows, import_rows, read_rows
from tools.kb.knowledge import load_knowledge
from tools.kb.sync import sync_knowledge

ARTICLE = "biz-registration"
UNITS = frozenset({"district-amr", "district-amr-registration"})
EDITOR = Principal(Role.EDITOR, "王编辑", UNITS, principal_id="p_wang")
REVIEWER = Principal(Role.REVIEWER, "李审核", UNITS, principal_id="p_li")
NEW_WORDING = "行政审批局办理："  # in the district's answer only
LATER_WORDING = "行政审批局受理："


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A knowledge folder of one article with a district's variant, and the small directory it names."""
    (tmp_path / "_lexicon").mkdir()
    (tmp_path / "_lexicon" / "departments.yaml").write_text(directory_yaml(CITY), encoding="utf-8")
    (tmp_path / "_lexicon" / "categories.yaml").write_text("business-permits: 证照办理\n", encoding="utf-8")
    (tmp_path / "business-permits").mkdir()
    text = variant_article().replace("category: heating", "category: business-permits")
    (tmp_path / "business-permits" / f"{ARTICLE}.md").write_bytes(text.encode("utf-8"))
    return tmp_path


@pytest.fixture
def synced(store: Stores, folder: Path) -> Stores:
    loaded = load_knowledge(folder)
    assert loaded.problems == [] and loaded.articles[0].variants
    sync_knowledge(store, loaded, NOW, publish=True)
    return store


def test_an_article_with_a_variant_survives_sync_and_export_byte_for_byte(synced: Stores, folder: Path, tmp_path):
    out = tmp_path / "exported"
    assert export_folder(synced, out) == 1
    path = Path("business-permits") / f"{ARTICLE}.md"
    assert (out / path).read_bytes() == (folder / path).read_bytes()


def publish(store: Stores, clock: Clock, change: tuple[str, str]) -> tuple[int, int]:
    """A new version with one line of the district's answer changed, reviewed and published; (before, after)."""
    editorial = editorial_service(store, now=clock, today=lambda: clock.now.date())
    head = editorial.reads.draft(ARTICLE, EDITOR)
    markdown = (head.markdown or "").replace(*change)
    assert markdown != head.markdown
    saved = editorial.save(ARTICLE, MarkdownRequest(markdown=markdown, message="滨海新区时限"), head.revision, EDITOR)
    editorial.submit(ARTICLE, None, None, EDITOR)
    editorial.approve(ARTICLE, None, None, REVIEWER)
    editorial.publish(ARTICLE, PublishRequest(), None, REVIEWER)
    return head.version, saved.version


def test_the_review_diff_shows_a_changed_line_of_a_variant(synced: Stores):
    old_line = next(line for line in variant_article().split("\n") if line.startswith("您好，滨海新区"))
    before, after = publish(synced, Clock(NOW + dt.timedelta(days=1)), (NEW_WORDING, LATER_WORDING))
    editorial = editorial_service(synced)
    changed = [(line.op, line.text) for line in editorial.reads.diff(ARTICLE, before, after, EDITOR).lines]
    changed = [(op, text) for op, text in changed if op != " "]
    assert changed == [("-", old_line), ("+", old_line.replace(NEW_WORDING, LATER_WORDING, 1))]


def test_as_of_shows_the_variant_of_that_time(synced: Stores):
    publish(synced, Clock(NOW + dt.timedelta(days=1)), (NEW_WORDING, LATER_WORDING))
    knowledge = knowledge_service(synced, refresh_seconds=0, today=lambda: NOW.date() + dt.timedelta(days=2))
    now = knowledge.article(ARTICLE, Reader.AGENT, district="binhai")
    then = knowledge.article(ARTICLE, Reader.AGENT, as_of=NOW + dt.timedelta(hours=2), district="binhai")
    assert then.sections[ANSWER] == BINHAI_ANSWER and then.wording_scope == "district"
    assert LATER_WORDING in now.sections[ANSWER] and now.sections[ANSWER].startswith("您好，滨海新区")
    assert then.department == now.department == "binhai-approval"


def test_an_faq_sheet_carries_the_districts_answer_and_imports_it_back(synced: Stores, tmp_path: Path):
    sheet = tmp_path / "faq.xlsx"
    assert export_xlsx(synced, sheet) == 1
    rows, problems = read_rows(sheet)
    assert problems == [] and f"### 滨海新区\n\n{BINHAI_ANSWER}" in rows[0].text("answer")
    articles, problems = check_rows(rows, synced.lexicon.current()[0], NOW.date(), CITY)
    assert problems == [] and [(v.district, v.text) for v in articles[0].variants] == [("滨海新区", BINHAI_ANSWER)]
    later = NOW + dt.timedelta(days=1)
    assert import_rows(synced, rows, publish=False, now=later, source="faq.xlsx").updated == 1  # less 一次性告知
    assert import_rows(synced, rows, publish=False, now=later, source="faq.xlsx").unchanged == 1
    rows[0].values["answer"] = rows[0].text("answer").replace(NEW_WORDING, LATER_WORDING)
    changed = import_rows(synced, rows, publish=False, now=later, source="faq.xlsx")
    assert (changed.problems, changed.updated) == ([], 1)  # a change in a district's wording alone is a change


def test_the_editors_preview_shows_each_districts_wording_under_its_heading(synced: Stores):
    preview = editorial_service(synced).reads.preview(variant_article(), EDITOR)
    assert "<h3>滨海新区</h3>" in preview.html and "<h3>滨海新区（补充）</h3>" in preview.html
    assert BINHAI_ANSWER in preview.html
