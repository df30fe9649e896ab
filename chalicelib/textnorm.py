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

# Mainland mobile numbers and 18-digit resident ID numbers; digits must not touch either side.
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")  # 13812345678, 138-1234-5678
_RESIDENT_ID = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9A-Za-z])")


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """Fold full-width forms, case and traditional characters so variants compare equal."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _t2s().convert(folded)


def strip_fillers(text: str) -> str:
    return _FILLER_PATTERN.sub(" ", text)


def mask_pii(text: str, mobile: str = "[手机号]", resident_id: str = "[身份证号]") -> str:
    """Replace mobile and resident ID numbers, so they are never logged, stored or matched."""
    return _MOBILE.sub(mobile, _RESIDENT_ID.sub(resident_id, text))
