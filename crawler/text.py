"""Vietnamese text helpers shared by the parsers and the pipelines.

Pages arrive in NFC and NFD, with ``&nbsp;`` runs, zero-width characters and odd
spaces; every comparison, hash or label match goes through :func:`clean` or
:func:`fold` first so that the same words always compare equal.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = dict.fromkeys(map(ord, _ZERO_WIDTH_CHARS), None)
_HAS_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")


def clean(text: str | None) -> str:
    """NFC, zero-width characters removed, every run of white space one space, trimmed.

    ``str.split()`` splits on every Unicode space (``&nbsp;``, thin and ideographic
    spaces too), and cuts the text into one string per word to do it: a text that
    ``isprintable()`` holds no space but " " and no zero-width character (Unicode counts
    neither as printable), so when it has no two spaces in a row, trimming it is all.
    """
    if not text:
        return ""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if text.isprintable():
        return text.strip(" ") if "  " not in text else " ".join(text.split())
    if not text.isascii() and _HAS_ZERO_WIDTH.search(text):
        text = text.translate(_ZERO_WIDTH)
    return " ".join(text.split())


def fold(text: str | None) -> str:
    """The key under which two labels are the same: :func:`clean`, then case-folded.

    "CÁC TIN KHÁC", "Các tin khác:" and an NFD "Các tin khác" all fold alike once the
    trailing punctuation is stripped.
    """
    return clean(text).casefold().strip(" :.-–—»>|()[]")


def clean_or_none(text: str | None) -> str | None:
    """:func:`clean`, with an empty result as None: a missing field is null, never ""."""
    return clean(text) or None


def is_upper(text: str) -> bool:
    """True for "LIÊU HỎN": capitals present and no lower-case letter. A script without
    case (Chinese, Japanese, Thai) is never written in capitals."""
    return any(c.isupper() for c in text) and not any(c.islower() for c in text)
