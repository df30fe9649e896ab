"""The city's districts in the directory: units that serve a district, where work goes for a district's callers,
a district named in a question, and the gaps a city-level department leaves. Pure."""

from chalicelib.people.directory import Department, Directory

HEXI = Department(code="hexi", name="河西区", kind="district", aliases=["河西"])
BINHAI = Department(code="binhai", name="滨海新区", kind="district", aliases=["滨海", "塘沽"])
AMR = Department(code="district-amr", name="区市场监督管理局")
REGISTRATION = Department(code="district-amr-registration", name="登记注册窗口", parent="district-amr")
HEXI_AMR = Department(code="hexi-amr", name="河西区市场监督管理局", parent="district-amr", district="hexi")
BINHAI_APPROVAL = Department(
    code="binhai-approval", name="滨海新区行政审批局", parent="district-amr-registration", district="binhai"
)
CITY = Directory([HEXI, BINHAI, AMR, REGISTRATION, HEXI_AMR, BINHAI_APPROVAL])


def test_work_goes_to_the_districts_own_unit_and_else_stays_with_the_city():
    assert CITY.unit_for("district-amr", "hexi") == HEXI_AMR
    assert CITY.unit_for("district-amr-registration", "binhai") == BINHAI_APPROVAL
    assert CITY.unit_for("district-amr", "binhai") is None  # a sub-unit's district office is not the bureau's
    assert CITY.unit_for("district-amr-registration", "hexi") is None  # the city-level window then
    retired = Directory([HEXI, AMR, HEXI_AMR.model_copy(update={"retired": True})])
    assert retired.unit_for("district-amr", "hexi") is None


def test_a_district_is_found_by_code_name_or_alias_and_in_a_question():
    assert CITY.district("塘沽") == BINHAI and CITY.district("hexi") == HEXI and CITY.district("南开区") is None
    assert CITY.named_district("我在滨海新区开个小饭馆要办什么") == (BINHAI, "滨海新区")
    assert CITY.named_district("河西这边暖气不热") == (HEXI, "河西")
    assert CITY.named_district("武清河西务镇的暖气") is None  # a town that starts like the district
    assert CITY.named_district("暖气不热") is None


def test_a_city_level_department_missing_a_district_is_a_gap_and_bad_links_are_problems():
    gaps = {department.code: [d.code for d in missing] for department, missing in CITY.district_gaps()}
    assert gaps == {"district-amr": ["binhai"], "district-amr-registration": ["hexi"]}
    broken = Directory(
        [
            HEXI,
            Department(code="hexi2", name="河西", kind="district"),
            Department(code="somewhere", name="某单位", district="district-amr"),
            AMR,
        ]
    )
    assert broken.problems() == [
        "hexi: shares a name or alias with hexi2",
        "hexi2: shares a name or alias with hexi",
        "somewhere: district 'district-amr' is not a district of the directory",
    ]
