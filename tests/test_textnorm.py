import pytest

from chalicelib.search.textnorm import mask_pii, normalize, strip_fillers


def test_full_width_and_case_fold():
    assert normalize("ＡＰＰ１２３４５") == "app12345"


def test_traditional_characters_become_simplified():
    assert normalize("暖氣不熱怎麼辦") == "暖气不热怎么办"


def test_filler_phrases_are_removed():
    assert strip_fillers("你好，请问暖气不热是怎么回事").replace(" ", "") == "，暖气不热"


def test_a_filler_never_eats_the_start_of_a_longer_word():
    assert strip_fillers("社保卡怎么办理") == "社保卡怎么办理"


# (typed text, what must be left of it). Personal data of every form becomes its kind; everything else
# a caller or an article commonly holds stays as it was (after NFKC).
PII_FORMS = [
    ("我的电话13812345678", "我的电话[手机号]"),
    ("+8613812345678", "[手机号]"),
    ("+86 138 1234 5678", "[手机号]"),
    ("008613812345678", "[手机号]"),
    ("86-13812345678", "[手机号]"),
    ("１３８１２３４５６７８", "[手机号]"),
    ("138-1234-5678", "[手机号]"),
    ("138.1234.5678", "[手机号]"),
    ("138 1234 5678", "[手机号]"),
    ("138\u00a01234\u00a05678", "[手机号]"),
    ("138\u30001234\u30005678", "[手机号]"),
    ("１３８－１２３４－５６７８", "[手机号]"),
    ("电话138-1234-5678或139 1234 5678", "电话[手机号]或[手机号]"),
    ("门牌号1203 13812345678", "门牌号1203 [手机号]"),
    ("12010119900307123X", "[身份证号]"),
    ("12010119900307123x", "[身份证号]"),
    ("120101199003071234", "[身份证号]"),
    ("１２０１０１１９９００３０７１２３Ｘ", "[身份证号]"),
    ("120101 19900307 123X", "[身份证号]"),
    ("1201 0119 9003 0712 3X", "[身份证号]"),
    ("120101900307123", "[身份证号]"),
    ("卡号6222020200001234562", "卡号[银行卡号]"),
    ("6222 0202 0000 1234 562", "[银行卡号]"),
    ("6222 0202 0000 1234 567", "[银行卡号]"),  # a typo in a card written in fours is still a card
    ("022-12345678", "[电话]"),
    ("(0571) 8888 8888", "[电话]"),
    ("（022）12345678", "[电话]"),
    ("010-6512 3456", "[电话]"),
    ("02212345678", "[电话]"),
    ("电话022-2345 6789找王先生", "电话[电话]找王先生"),
    ("wang.li@example.com", "[邮箱]"),
    ("邮箱：ZHANG_san+hotline@mail.example.com.cn 谢谢", "邮箱:[邮箱] 谢谢"),
    # what stays
    ("12345", "12345"),
    ("12333", "12333"),
    ("拨打12345转2", "拨打12345转2"),
    ("400-810-8888", "400-810-8888"),
    ("2025-10-01至2026-04-15", "2025-10-01至2026-04-15"),
    ("2025-10-01 2026-04-15", "2025-10-01 2026-04-15"),
    ("2025.10.01", "2025.10.01"),
    ("20251001", "20251001"),
    ("9:00-17:00", "9:00-17:00"),
    ("热费26元/平方米", "热费26元/平方米"),
    ("0.5元", "0.5元"),
    ("津城管规〔2020〕1号", "津城管规〔2020〕1号"),
    ("第2号楼3单元501", "第2号楼3单元501"),
    ("工单号20251201000123", "工单号20251201000123"),
    ("单号 213812345678", "单号 213812345678"),
    ("6222020200001234567", "6222020200001234567"),  # unspaced and its check digit fails: a number
    ("010-12345", "010-12345"),
    ("室温不到18度", "室温不到18度"),
]


@pytest.mark.parametrize("typed, kept", PII_FORMS)
def test_personal_data_is_masked_in_every_form_and_nothing_else(typed: str, kept: str):
    assert mask_pii(typed) == kept


def test_masking_for_the_index_leaves_a_space():
    assert mask_pii("电话13812345678暖气不热", blank=True) == "电话 暖气不热"


def test_the_table_covers_at_least_forty_forms():
    assert len(PII_FORMS) >= 40 and sum(1 for typed, kept in PII_FORMS if typed != kept) >= 25
