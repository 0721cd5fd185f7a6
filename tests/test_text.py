"""crawler/text.py: ``clean`` is NFC, no zero-width character, single spaces, trimmed,
whichever of its paths a text takes."""

from __future__ import annotations

import unicodedata

import pytest

from crawler.text import clean, fold


def _by_definition(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.translate(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")))
    return " ".join(text.split())


def test_clean_is_its_definition_for_every_character_between_words():
    """The printable fast path must never keep a space ``str.split`` would cut at, nor a
    zero-width character: checked for each code point of the Basic Multilingual Plane."""
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates are not characters
        for text in (f"Tin{chr(code)}khác", f"{chr(code)} Tin  khác{chr(code)}"):
            assert clean(text) == _by_definition(text), hex(code)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("  Các tin\u00a0\u00a0khác ", "Các tin khác"),
        ("Ca\u0301c tin kha\u0301c", "Các tin khác"),  # NFD in, NFC out
        ("Tin\u200b khác\n", "Tin khác"),
        ("Tin khác", "Tin khác"),
        ("", ""),
    ],
)
def test_clean(text, cleaned):
    assert clean(text) == cleaned


def test_fold_is_case_and_punctuation_blind():
    assert fold("CÁC TIN KHÁC:") == fold("Ca\u0301c tin kha\u0301c") == "các tin khác"
