"""The districts and their units in the knowledge folder's directory (派单目录): every district-level department has
a unit in each of the city's 16 districts, every unit names a district of the directory, nobody made up a phone, and
`kb lint` notes a department that leaves districts without a unit."""

import shutil
from pathlib import Path

from tests.conftest import KNOWLEDGE_DIR
from tools.kb.knowledge import LoadedKnowledge, load_knowledge

DISTRICTS = {
    "heping": "和平区",
    "hedong": "河东区",
    "hexi": "河西区",
    "nankai": "南开区",
    "hebei": "河北区",
    "hongqiao": "红桥区",
    "dongli": "东丽区",
    "xiqing": "西青区",
    "jinnan": "津南区",
    "beichen": "北辰区",
    "wuqing": "武清区",
    "baodi": "宝坻区",
    "ninghe": "宁河区",
    "jinghai": "静海区",
    "jizhou": "蓟州区",
    "binhai": "滨海新区",
}
# The city-level departments the starter articles name whose work is done by each district's own unit.
DISTRICT_LEVEL = (
    "heating-company-stations",
    "district-amr",
    "district-amr-registration",
    "district-amr-food-licence",
    "hrss-social-insurance",
    "district-civil-affairs",
    "district-publication",
)
# Every phone the directory holds: national service lines and the administrative centre's extensions. A district
# unit's number joins this list only from a public source, never as a guess (an unknown phone stays unknown).
PHONES = {
    "hotline-12345": "12345",
    "hotline-12345-service-platform": "12345",
    "tax": "12366",
    "hrss": "12333",
    "hrss-social-insurance": "12333",
    "hrss-labour-inspection": "12333",
    "hrss-work-injury": "12333",
    "healthcare-security": "12393",
    "city-management": "12319",
    "district-amr": "12315",
    "admin-center-cards": "8002",
    "admin-center-meetings": "8001",
    "admin-center-property": "8000",
    "admin-center-parking": "8003",
}


def test_the_city_has_its_sixteen_districts(knowledge: LoadedKnowledge):
    assert {d.code: d.name for d in knowledge.directory.districts()} == DISTRICTS


def test_every_district_has_its_own_unit_for_each_district_level_department(knowledge: LoadedKnowledge):
    directory = knowledge.directory
    for department in DISTRICT_LEVEL:
        for district, name in DISTRICTS.items():
            unit = directory.unit_for(department, district)
            assert unit is not None, (department, district)
            assert (unit.parent, unit.district) == (department, district)
            assert unit.name.startswith(name), unit  # 河西区市场监督管理局: an agent reads whose unit it is
    assert directory.district_gaps() == []
    # Enterprise registration in 滨海新区 is the administrative approval bureau's, not the market regulator's.
    assert directory.unit_for("district-amr-registration", "binhai").name == "滨海新区行政审批局"
    assert directory.unit_for("district-amr", "binhai").name == "滨海新区市场监督管理局"


def test_every_unit_serves_a_district_of_the_directory_and_no_phone_is_made_up(knowledge: LoadedKnowledge):
    directory = knowledge.directory
    units = [d for d in directory if d.district]
    assert len(units) == len(DISTRICT_LEVEL) * len(DISTRICTS)
    assert all(directory.district(d.district) is not None and d.kind == "unit" for d in units)
    assert {d.code: d.phone for d in directory if d.phone} == PHONES
    assert not [d.code for d in units if d.hours]  # nor office hours nobody has confirmed


def test_a_district_is_found_by_the_names_callers_use(knowledge: LoadedKnowledge):
    def named(text: str) -> str | None:
        found = knowledge.directory.named_district(text)
        return found[0].code if found else None

    assert named("我在塘沽开了个小饭馆") == "binhai"
    assert named("大港这边暖气不热") == "binhai"
    assert named("蓟县的低保怎么申请") == "jizhou"
    assert named("静海县社保在哪办") == "jinghai"
    assert named("武清河西务镇的暖气") == "wuqing"  # 河西务 is a town of 武清, not 河西区
    assert named("我从河北老家转来的养老保险") is None  # 河北 is also the province: only 河北区 names the district
    assert named("河北区社保在哪办") == "hebei"


def test_lint_notes_a_department_that_leaves_districts_without_a_unit(tmp_path: Path):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR / "_lexicon", folder / "_lexicon")  # the directory and lexicon, no articles
    path = folder / "_lexicon" / "departments.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = ("- {code: hexi-amr,", "- {code: nankai-amr,")
    path.write_text("".join(line for line in lines if not line.startswith(dropped)), encoding="utf-8")
    at = next(n for n, line in enumerate(lines, start=1) if line == "- code: district-amr\n")

    loaded = load_knowledge(folder)

    assert loaded.problems == []  # a notice, never a failure
    said = "承办单位 区市场监督管理局（district-amr）在 河西区、南开区 没有下属单位，这些区的来电按市级单位派单"
    note = f"{path}:{at}: note: {said}"
    assert note in loaded.notices
    assert sum("没有下属单位" in n for n in loaded.notices) == 1
