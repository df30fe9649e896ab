"""Text normalisation shared by indexing and querying: width, case, script, fillers, PII."""

import re
import unicodedata
from functools import cache

from opencc import OpenCC

# Courtesies a caller wraps around the question. Only phrases that never begin a longer word:
# "怎么办" is not here because it begins "怎么办理"; the stop words and IDF weigh such words down.
FILLER_PHRASES = (
    "请问一下",
    "请问",
    "你好",
    "您好",
    "麻烦问一下",
    "麻烦你",
    "我想问一下",
    "我想问问",
    "想问一下",
    "问一下",
    "我想咨询一下",
    "我想咨询",
    "咨询一下",
    "谢谢",
    "是怎么回事",
    "怎么回事",
    "咋回事",
)
_FILLER_PATTERN = re.compile("|".join(sorted(map(re.escape, FILLER_PHRASES), key=len, reverse=True)))

# Personal data a caller may type into a search, a rating or a flag, or an agent types as the caller says
# it. Found after NFKC, so full-width digits, commas, NBSP and U+3000 spaces are plain ASCII by then. Chinese
# numerals count as digits (一三八…, 幺 for a spoken one, 零/〇), one for one, so 138一二三四五六七零 is a
# number too. A run of digits may be split by separators (138-1234-5678, 139 1234 5678, 138 / 1234_5678,
# 138 – 1234, +86 138…) and follow a letter (tel138…, ID1101…); its groups are then tried in every
# consecutive combination, so a house number next to a phone number does not hide the phone number.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DIGIT_RUN = re.compile(r"(?<![0-9])[+(]?\d+(?:[ \-.()/_,\u2013\u2014]{1,3}\d+)*(?:[ \-]?[Xx])?(?![0-9A-Za-z])")
_SPOKEN_DIGITS = str.maketrans("零〇一二三四五六七八九幺", "001234567891")
_GROUP = re.compile(r"\d+[Xx]?|[Xx]")
PII_LABELS = {"mobile": "[手机号]", "landline": "[电话]", "resident_id": "[身份证号]", "bank_card": "[银行卡号]"}
_EMAIL_LABEL = "[邮箱]"


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """Fold full-width forms, case and traditional characters so variants compare equal."""
    folded = unicodedata.normalize("NFKC", text).lower()
    converted: str = _t2s().convert(folded)
    return converted


def strip_fillers(text: str) -> str:
    return _FILLER_PATTERN.sub(" ", text)


def mask_pii(text: str, blank: bool = False) -> str:
    """The text as typed with personal data replaced by its kind ([手机号], [电话], [身份证号], [银行卡号], [邮箱];
    a space when `blank`), so it is never logged, stored or matched. The data is found in the text after NFKC
    (full-width digits, commas and spaces as ASCII) and only its own characters are replaced: a full-width comma
    or colon stays as typed, and so do dates, prices, article and document numbers and service lines (12345, 400-…)."""
    folded, origin = _folded(text)
    spans = [(m.start(), m.end(), _EMAIL_LABEL) for m in _EMAIL.finditer(folded)]
    hidden = _EMAIL.sub(lambda m: "\ufffc" * len(m.group()), folded)  # no number inside an address; same length
    as_digits = hidden.translate(_SPOKEN_DIGITS)  # the same length: positions in it are positions in folded
    for run in _DIGIT_RUN.finditer(as_digits):
        spans += [
            (run.start() + start, run.start() + end, PII_LABELS[kind]) for start, end, kind in _data_in(run.group())
        ]
    if not spans:
        return text
    out, done = [], 0
    for start, end, label in sorted(spans):
        first, last = (start, end - 1) if origin is None else (origin[start], origin[end - 1])  # as typed
        out += [text[done:first], " " if blank else label]
        done = max(done, last + 1)
    return "".join(out) + text[done:]


def _folded(text: str) -> tuple[str, list[int] | None]:
    """The text after NFKC, and for each of its characters the position of the typed character it came from (None:
    the text was in NFKC already, so each is its own)."""
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    parts = [unicodedata.normalize("NFKC", char) for char in text]
    return "".join(parts), [at for at, part in enumerate(parts) for _ in part]


def _data_in(run: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the personal data in a run of digits; `run` has spoken digits as digits."""
    groups = [(m.start(), m.end(), m.group()) for m in _GROUP.finditer(run)]
    found = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):  # the longest combination that is personal data wins
            kind = _kind([g for _, _, g in groups[i:j]], run)
            if kind is not None:
                start = 0 if i == 0 else groups[i][0]  # a leading + or ( belongs to the number
                found.append((start, groups[j - 1][1], kind))
                i = j
                break
        else:
            i += 1
    return found


def _kind(groups: list[str], run: str) -> str | None:
    digits = "".join(groups)
    if "x" in digits.lower()[:-1]:
        return None
    if digits.lower().endswith("x"):
        return "resident_id" if len(digits) == 18 and _born(digits[6:14]) else None
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return "mobile"
    if len(digits) == 18 and _born(digits[6:14]):
        return "resident_id"
    if len(digits) == 15 and _born("19" + digits[6:12]):
        return "resident_id"
    # A card number written in fours is one even with a typo; unspaced, only if its check digit holds.
    written_in_fours = len(groups) >= 4 and all(len(g) == 4 for g in groups[:-1])
    if 16 <= len(digits) <= 19 and (written_in_fours or (len(groups) == 1 and _luhn(digits))):
        return "bank_card"
    area = groups[0] if len(groups) > 1 else digits[:4] if len(digits) == 12 else digits[:3]
    if re.fullmatch(r"0[1-9]\d{1,2}", area) and 7 <= len(digits) - len(area) <= 8:
        return "landline"  # 022-12345678, (0571) 8888 8888: an area code and a 7-8 digit number
    return None


def _born(yyyymmdd: str) -> bool:
    """A plausible birth date inside a resident ID number."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
