"""The referral list: how editors write it, what lint says about it, and how a query finds its group."""

import pytest

from chalicelib.knowledge.indexing import SearchEngine
from chalicelib.knowledge.lexicon import LexiconInvalid, parse_lexicon
from chalicelib.search.documents import SearchDocument
from chalicelib.search.index import SearchIndex
from chalicelib.search.ranking import decide
from chalicelib.search.referrals import REFERRALS_FILE, ReferralKind

REFERRALS = """\
- topic: 火灾
  kind: emergency
  name: 119火警
  phone: "119"
  say: 请立即拨打119火警电话，说清地址和起火情况，人先撤到安全的地方。
  cues: [着火, 起火, 失火]
  articles: [gas]
  questions:
    - 厨房里的锅烧着了火很大
    - 楼下商铺冒出浓烟
    - 电动车充电时烧起来了
- topic: 出入境证件
  kind: line
  name: 出入境管理部门
  phone: "12367"
  say: 护照和港澳台通行证由出入境管理部门办理，可拨打12367咨询。
  cues: [护照, 港澳通行证]
  questions:
    - 第一次出国要办什么证件
    - 去澳门旅游需要什么手续
    - 出国签证怎么申请
- topic: 身份证件
  kind: department
  name: 公安派出所
  department: hotline-12345-dispatch
  say: 身份证由户籍所在地或居住地的公安派出所办理，我们可以为您登记转办。
  cues: [身份证]
  questions:
    - 临时身份证在哪儿开
    - 户口本丢了怎么补
    - 居住证到期了怎么续
"""

DOCUMENTS = [
    SearchDocument(
        id="si-card-loss",
        title="社会保障卡挂失补换",
        category="social-insurance",
        department="hrss",
        questions=("社保卡丢了怎么挂失", "社保卡坏了怎么补办"),
        keywords=("社保卡", "挂失", "补办"),
        answer="社保卡丢失请立即挂失，可拨打12333或到合作银行网点办理，补卡需要带本人有效证件。",
    ),
    SearchDocument(
        id="gas",
        title="燃气泄漏应急处理",
        category="utilities",
        department="gas-company-emergency",
        questions=("闻到煤气味怎么办", "家里漏气了"),
        keywords=("燃气", "煤气味"),
        answer="不要开关电器，打开门窗，关闭阀门，到室外拨打燃气抢修电话；已经起火请拨打119。",
    ),
    SearchDocument(
        id="radiator",
        title="暖气不热怎么办",
        category="heating",
        department="heating-company-stations",
        questions=("暖气片上热下凉",),
        keywords=("截门", "放风阀"),
        answer="请先打开截门，再用放风阀排气。仍不热请报修。",
    ),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    engine = SearchEngine(parse_lexicon({REFERRALS_FILE: REFERRALS}))
    return engine.build(engine.index_document(d) for d in DOCUMENTS)


def test_the_referral_list_reads_as_groups_whose_questions_search_compares_by_meaning():
    lexicon = parse_lexicon({REFERRALS_FILE: REFERRALS})
    assert [g.topic for g in lexicon.referrals] == ["火灾", "出入境证件", "身份证件"]
    assert lexicon.referrals[0].kind is ReferralKind.EMERGENCY
    assert lexicon.not_covered[:2] == ["厨房里的锅烧着了火很大", "楼下商铺冒出浓烟"]
    assert len(lexicon.not_covered) == 9


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (
            "- topic: 税务\n  kind: line\n  name: 税务部门\n  say: 税费问题请拨打12366咨询。\n"
            "  questions: [发票怎么开]",
            "names `phone`",
        ),
        (
            '- topic: 税务\n  kind: department\n  name: 税务部门\n  phone: "12366"\n  department: tax\n'
            "  say: 税费问题请拨打12366咨询。\n  questions: [发票怎么开]",
            "names `department`",
        ),
        (
            '- topic: 税务\n  kind: line\n  name: 税务部门\n  phone: "12366"\n  say: 短\n  questions: [发票怎么开]',
            "say",
        ),
        (
            '- topic: 税务\n  kind: hotline\n  name: 税务部门\n  phone: "12366"\n  say: 税费问题请拨打12366咨询。\n'
            "  questions: [发票怎么开]",
            "kind",
        ),
        (
            '- topic: 税务\n  kind: line\n  name: 税务部门\n  phone: "12366"\n  say: 税费问题请拨打12366咨询。\n'
            "  cues: [发 票]\n  questions: [发票怎么开]",
            "cue",
        ),
    ],
)
def test_a_wrong_group_is_refused_with_its_line_and_field(group: str, message: str):
    text = REFERRALS + group
    with pytest.raises(LexiconInvalid) as refused:
        parse_lexicon({REFERRALS_FILE: text})
    (name, line, said), *_ = refused.value.problems
    assert name == REFERRALS_FILE
    assert line == REFERRALS.count("\n") + 1
    assert message in said


def test_a_question_listed_twice_is_refused_where_it_repeats():
    twice = REFERRALS + REFERRALS.replace("topic: 火灾", "topic: 火警").split("- topic: 出入境证件")[0]
    with pytest.raises(LexiconInvalid) as refused:
        parse_lexicon({REFERRALS_FILE: twice})
    assert any(
        "厨房里的锅烧着了火很大" in message and "already listed at line" in message
        for _, _, message in refused.value.problems
    )


def test_an_emergency_named_in_the_query_comes_without_an_article_about_something_else(index: SearchIndex):
    found = index.find("家里着火了怎么办")
    assert found.referral is not None and found.referral.phone == "119"
    assert [h.document.id for h in found.hits if h.document.id != "gas"] == []
    assert decide(found.hits).state != "answered" or found.hits[0].document.id == "gas"


def test_the_gas_leak_keeps_its_article_under_a_fire(index: SearchIndex):
    found = index.find("煤气泄漏起火了")
    assert found.referral is not None and found.referral.topic == "火灾"
    assert [h.document.id for h in found.hits] == ["gas"]


def test_a_matter_another_line_handles_is_referred_when_no_article_answers(index: SearchIndex):
    found = index.find("护照丢了去哪补办")
    assert not decide(found.hits).answered
    assert found.referral is not None and found.referral.phone == "12367"


def test_an_answered_question_gets_no_referral(index: SearchIndex):
    found = index.find("社保卡丢了怎么挂失")
    assert decide(found.hits).answered
    assert found.referral is None


def test_a_query_naming_a_different_thing_than_the_article_is_not_answered(index: SearchIndex):
    """身份证 is a matter of the referral list that the social-security card article never names: the shared
    挂失/补办 is all that matches, so confidence falls and the caller is referred."""
    found = index.find("身份证丢了怎么挂失补办")
    assert not decide(found.hits).answered
    assert found.referral is not None and found.referral.topic == "身份证件"
    evidence = index.evidence("身份证丢了怎么挂失补办", "si-card-loss")
    assert evidence is not None and evidence.foreign
    plain = index.evidence("社保卡丢了怎么挂失补办", "si-card-loss")
    assert plain is not None and not plain.foreign


def test_a_restored_index_refers_as_the_one_it_was_taken_of():
    engine = SearchEngine(parse_lexicon({REFERRALS_FILE: REFERRALS}))
    built = engine.build(engine.index_document(d) for d in DOCUMENTS)
    restored = SearchEngine(parse_lexicon({REFERRALS_FILE: REFERRALS})).restore(built.snapshot())
    for query in ("护照丢了去哪补办", "家里着火了", "临时身份证怎么开"):
        assert restored.find(query).referral == built.find(query).referral
