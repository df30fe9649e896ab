from chalicelib.textnorm import mask_pii, normalize, strip_fillers


def test_full_width_and_case_fold():
    assert normalize("ＡＰＰ１２３４５") == "app12345"


def test_traditional_characters_become_simplified():
    assert normalize("暖氣不熱怎麼辦") == "暖气不热怎么办"


def test_filler_phrases_are_removed():
    assert strip_fillers("你好，请问暖气不热是怎么回事").replace(" ", "") == "，暖气不热"


def test_a_filler_never_eats_the_start_of_a_longer_word():
    assert strip_fillers("社保卡怎么办理") == "社保卡怎么办理"


def test_mobile_and_id_numbers_are_masked():
    masked = mask_pii("我的电话13812345678，身份证号12010119900307123X，门牌号1203")
    assert "13812345678" not in masked and "12010119900307123X" not in masked
    assert "[手机号]" in masked and "[身份证号]" in masked and "1203" in masked


def test_longer_digit_runs_are_not_taken_for_a_mobile_number():
    assert mask_pii("单号 213812345678") == "单号 213812345678"


def test_mobile_numbers_written_with_dashes_or_spaces_are_masked():
    assert mask_pii("电话138-1234-5678或139 1234 5678") == "电话[手机号]或[手机号]"
