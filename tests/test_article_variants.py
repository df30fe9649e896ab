"""A district's variant of an article: its `districts:` override and its `### 滨海新区` subsections, read and checked
at their lines in plain Chinese. Pure."""

import pytest

from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.knowledge.lint import lint_article
from chalicelib.knowledge.models.content import Variant
from chalicelib.knowledge.parsing import ANSWER, CHECKLIST, ArticleInvalid, parse_article
from chalicelib.people.directory import Department, Directory
from tests.conftest import article_text
from tests.test_districts import CITY
from tests.test_lint import mutations

CITY_ANSWER = (
    "您好，开办企业办理营业执照，可以在网上办理，也可以到企业住所所在区的政务服务中心市场监管登记窗口办理。"
    "材料齐全、符合法定形式的，一般当场或在三个工作日内办结，领取营业执照不收费。具体材料和时限以窗口告知为准。"
)
BINHAI_ANSWER = (
    "您好，滨海新区的企业登记由滨海新区行政审批局办理：可以在网上办理，也可以到滨海新区政务服务中心的登记窗口办理。"
    "材料齐全、符合法定形式的，一般当场或在三个工作日内办结，领取营业执照不收费。具体材料和时限以窗口告知为准。"
)
BODY = f"""## 标准答复

{CITY_ANSWER}

### 滨海新区

{BINHAI_ANSWER}

## 一次性告知

- 带上全体股东的身份证件和公司章程。

### 滨海新区（补充）

- 营业执照由滨海新区行政审批局核发。

## 内部提示

- 派单前先问清企业住所在哪个区。
"""
BINHAI_ITEM = "- 营业执照由滨海新区行政审批局核发。"
DISTRICTS = "districts:\n  binhai: binhai-approval\n  hexi: hexi-amr\n"


def variant_article(body: str = BODY, districts: str = DISTRICTS, **fields: str) -> str:
    """An article of district-amr-registration with a variant for 滨海新区; `districts:` goes after department."""
    text = article_text(
        "biz-registration", title="开办企业怎么办营业执照", department="district-amr-registration", body=body
    )
    return text.replace('phone: "12345"\n', f'{districts}phone: "12345"\n', 1)


def lint(text: str, directory: Directory = CITY) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    linted = lint_article(text, Lexicon(), directory=directory)
    return [(p.line, p.message) for p in linted.problems], [(p.line, p.message) for p in linted.notices]


def test_the_city_level_text_leaves_the_districts_subsections_out_and_they_are_kept_with_their_lines():
    article = parse_article(variant_article())
    assert article.sections[ANSWER] == CITY_ANSWER
    assert article.sections[CHECKLIST] == "- 带上全体股东的身份证件和公司章程。"
    assert article.districts == {"binhai": "binhai-approval", "hexi": "hexi-amr"}
    assert article.variants == [
        Variant(section=ANSWER, district="滨海新区", adds=False, text=BINHAI_ANSWER, line=21),
        Variant(section=CHECKLIST, district="滨海新区", adds=True, text=BINHAI_ITEM, line=29),
    ]
    assert variant_article().split("\n")[20] == "### 滨海新区"


def test_an_article_without_variants_reads_as_before():
    article = parse_article(article_text())
    assert article.districts == {} and article.variants == []


def test_a_subsection_under_another_section_is_its_text_and_a_heading_needs_a_space():
    article = parse_article(variant_article(BODY.replace("## 内部提示\n", "## 内部提示\n\n### 注意\n\n- 别忘了\n")))
    assert article.sections["内部提示"].startswith("### 注意")
    with pytest.raises(ArticleInvalid) as refused:
        parse_article(variant_article(BODY.replace("### 滨海新区\n", "###滨海新区\n")))
    assert [(p.line, p.message) for p in refused.value.problems] == [(21, "分区小节的“###”后面要有一个空格")]


def test_an_empty_or_repeated_subsection_is_a_problem_at_its_heading():
    empty = BODY.replace(f"### 滨海新区\n\n{BINHAI_ANSWER}\n", "### 滨海新区\n")
    twice = BODY.replace("## 一次性告知", f"### 滨海新区\n\n{BINHAI_ANSWER}\n\n## 一次性告知")
    with pytest.raises(ArticleInvalid) as refused:
        parse_article(variant_article(empty))
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (21, "分区小节要写明区名，下面要有内容（### 区名，或 ### 区名（补充））")
    ]
    with pytest.raises(ArticleInvalid) as refused:
        parse_article(variant_article(twice))
    assert [(p.line, p.message) for p in refused.value.problems] == [(25, "“标准答复”里的分区小节“滨海新区”出现了两次")]


def test_a_known_variant_has_no_problems_and_an_override_the_directory_makes_anyway_is_a_notice():
    problems, notices = lint(variant_article())
    assert problems == []
    # binhai-approval is under the registration window already; hexi-amr is not (it is under district-amr).
    assert notices == [(8, "滨海新区的工作按派单目录本来就派给 binhai-approval（滨海新区行政审批局），这一行可以不写")]


def test_an_unknown_district_is_a_problem_at_its_line_by_name_or_by_code():
    districts = "districts:\n  nankai: binhai-approval\n  滨海新区: binhai-approval\n"
    body = BODY.replace("### 滨海新区（补充）", "### 南开区（补充）")
    problems, _ = lint(variant_article(body, districts))
    assert problems == [
        (8, "分区承办单位里的区“nankai”不是派单目录里区的编码；可用：binhai（滨海新区）、hexi（河西区）"),
        (9, "分区承办单位里的区“滨海新区”不是派单目录里区的编码；请写成它的编码 binhai"),
        (29, "分区小节“南开区”不是派单目录里的区；可用：滨海新区、河西区"),
    ]


def test_an_unknown_or_retired_department_for_a_district_is_a_problem_at_its_line():
    districts = "districts:\n  binhai: binhai-window  # 新窗口\n  hexi: hexi-old\n"
    old = Department(code="hexi-old", name="河西区原登记所", district="hexi", retired=True)
    problems, _ = lint(variant_article(districts=districts), Directory([*CITY, old]))
    assert problems == [
        (8, "滨海新区的承办单位“binhai-window”不在派单目录中；相近的有：binhai-approval（滨海新区行政审批局）"),
        (9, "河西区的承办单位“hexi-old”（河西区原登记所）已撤销，不再派单；相近的有：hexi-amr（河西区市场监督管理局）"),
    ]


def test_a_district_subsection_under_another_section_is_a_problem():
    body = BODY + "\n### 河西区\n\n- 河西另有要求。\n"
    channels = "## 办理渠道\n\n- 网上办理。\n\n### 滨海（补充）\n\n- 滨海新区政务服务中心。\n\n"
    body = body.replace("## 内部提示", channels + "## 内部提示")
    problems, _ = lint(variant_article(body))
    assert problems == [
        (37, "分区小节只能写在“标准答复”或“一次性告知”下面，不能写在“办理渠道”里"),
        (45, "分区小节只能写在“标准答复”或“一次性告知”下面，不能写在“内部提示”里"),
    ]


def test_a_subsection_named_by_an_alias_is_read_with_a_notice_and_a_districts_answer_is_read_out_too():
    body = BODY.replace("### 滨海新区\n", "### 滨海\n").replace(BINHAI_ANSWER, "您好，请到滨海新区行政审批局办理。")
    problems, notices = lint(variant_article(body))
    assert problems == [(21, "滨海的标准答复有 17 个字；宜在 80–300 字之间，便于电话中读完")]
    assert (21, "分区小节“滨海”已按“滨海新区”读取；建议写区的全称") in notices


def test_a_badly_written_districts_field_is_explained_at_its_line():
    form = "每行一个“区编码: 单位编码”，缩进两个空格，例如 binhai: binhai-approval"
    for districts, expected in (
        ("districts: binhai\n", (7, f"分区承办单位要分行写：{form}")),
        ("districts:\n  binhai:\n", (8, "分区承办单位里“binhai”后面没有填写单位编码")),
        ("districts:\n  binhai: [a, b]\n", (8, f"分区承办单位里“binhai”后面要写一个单位编码；{form}")),
    ):
        with pytest.raises(ArticleInvalid) as refused:
            parse_article(variant_article(districts=districts))
        assert [(p.line, p.message) for p in refused.value.problems] == [expected]


def test_no_slip_in_a_variant_article_makes_lint_raise_or_point_outside_the_file():
    text = variant_article()
    for mutated in mutations(text, inserts=200):
        linted = lint_article(mutated, Lexicon(), directory=CITY)
        lines = len(mutated.replace("\r\n", "\n").split("\n"))
        assert all(1 <= p.line <= lines for p in linted.problems + linted.notices), mutated
        assert linted.article is not None or linted.problems, mutated
