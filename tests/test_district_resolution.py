"""What an article says to a caller of one district: the unit (override, the directory's unit, else the city's)
and the wording (the district's replacement, its addition, else the city's). Pure."""

from chalicelib.knowledge.districts import Dispatch, as_written, dispatch_for, resolve, wording_for
from chalicelib.knowledge.models.content import Variant
from chalicelib.knowledge.parsing import ANSWER, CHECKLIST, parse_article
from chalicelib.people.directory import Department, Directory
from tests.test_article_variants import BINHAI_ANSWER, CITY_ANSWER, variant_article
from tests.test_districts import AMR, BINHAI, BINHAI_APPROVAL, CITY, HEXI, HEXI_AMR

NANKAI = Department(code="nankai", name="南开区", kind="district")
TOWN = Directory([*CITY, NANKAI])
SECTIONS = {ANSWER: "全市的答复。", CHECKLIST: "- 全市的材料"}


def test_an_override_for_the_district_wins():
    chosen = dispatch_for("district-amr", {"hexi": "binhai-approval"}, HEXI, TOWN)
    assert chosen == Dispatch("binhai-approval", "district")


def test_an_override_the_directory_no_longer_dispatches_to_falls_back_to_the_directorys_unit():
    retired = Directory([*CITY, Department(code="hexi-old", name="河西区原窗口", retired=True)])
    assert dispatch_for("district-amr", {"hexi": "hexi-old"}, HEXI, retired) == Dispatch("hexi-amr", "district")
    assert dispatch_for("district-amr", {"hexi": "nowhere"}, HEXI, TOWN) == Dispatch("hexi-amr", "district")


def test_without_an_override_the_unit_under_the_department_that_serves_the_district_takes_the_work():
    assert dispatch_for("district-amr", {}, HEXI, TOWN) == Dispatch(HEXI_AMR.code, "district")
    assert dispatch_for("district-amr-registration", {}, BINHAI, TOWN) == Dispatch(BINHAI_APPROVAL.code, "district")
    assert dispatch_for("hexi-amr", {}, HEXI, TOWN) == Dispatch("hexi-amr", "district")  # it serves hexi itself


def test_a_district_without_a_unit_or_no_district_at_all_gets_the_citys_department():
    assert dispatch_for("district-amr", {}, NANKAI, TOWN) == Dispatch(AMR.code, "city")
    assert dispatch_for("district-amr", {"binhai": "binhai-approval"}, None, TOWN) == Dispatch(AMR.code, "city")
    assert dispatch_for("district-amr", {"binhai": "binhai-approval"}, HEXI, TOWN) == Dispatch("hexi-amr", "district")


def variant(district: str, text: str, adds: bool = False, section: str = ANSWER) -> Variant:
    return Variant(section=section, district=district, adds=adds, text=text, line=1)


def test_a_replacement_takes_the_place_of_the_citys_section():
    worded = wording_for(SECTIONS, [variant("滨海新区", "滨海的答复。")], BINHAI)
    assert worded.sections == {ANSWER: "滨海的答复。", CHECKLIST: "- 全市的材料"} and worded.scope == "district"


def test_an_addition_comes_after_the_citys_section_and_after_a_replacement():
    variants = [
        variant("滨海新区", "- 滨海另带的材料", adds=True, section=CHECKLIST),
        variant("滨海新区", "- 滨海的材料", section=CHECKLIST),
    ]
    assert wording_for(SECTIONS, variants[:1], BINHAI).sections[CHECKLIST] == "- 全市的材料\n\n- 滨海另带的材料"
    assert wording_for(SECTIONS, variants, BINHAI).sections[CHECKLIST] == "- 滨海的材料\n\n- 滨海另带的材料"


def test_a_heading_by_alias_or_code_is_the_districts_too():
    assert wording_for(SECTIONS, [variant("塘沽", "滨海的答复。")], BINHAI).sections[ANSWER] == "滨海的答复。"
    assert wording_for(SECTIONS, [variant("binhai", "滨海的答复。")], BINHAI).sections[ANSWER] == "滨海的答复。"


def test_another_districts_wording_or_none_leaves_the_citys():
    for district in (HEXI, None):
        worded = wording_for(SECTIONS, [variant("滨海新区", "滨海的答复。")], district)
        assert worded.sections == SECTIONS and worded.scope == "city"


def test_an_article_resolves_for_a_district_by_code_name_or_alias_and_an_unknown_one_is_the_citys():
    article = parse_article(variant_article())
    binhai = resolve(article, "binhai", CITY)
    assert binhai.district == BINHAI and binhai.dispatch == Dispatch("binhai-approval", "district")
    assert binhai.wording.sections[ANSWER] == BINHAI_ANSWER and binhai.wording.scope == "district"
    assert binhai.wording.sections[CHECKLIST].endswith("\n\n- 营业执照由滨海新区行政审批局核发。")
    assert resolve(article, "滨海", CITY) == resolve(article, "滨海新区", CITY) == binhai
    hexi = resolve(article, "hexi", CITY)  # the article's override; no wording of its own
    assert hexi.dispatch == Dispatch("hexi-amr", "district") and hexi.wording.scope == "city"
    for city in (resolve(article, None, CITY), resolve(article, "nankai", CITY)):
        assert city.district is None and city.dispatch == Dispatch("district-amr-registration", "city")
        assert city.wording.sections == article.sections and city.wording.scope == "city"


def test_the_editors_preview_shows_every_districts_wording_under_its_heading():
    written = as_written(parse_article(variant_article()))
    assert written[ANSWER] == f"{CITY_ANSWER}\n\n### 滨海新区\n\n{BINHAI_ANSWER}"
    assert written[CHECKLIST].endswith("### 滨海新区（补充）\n\n- 营业执照由滨海新区行政审批局核发。")
