"""Which charset a page is read in when what the server or the page declares is wrong.

The faulty replica (tests/test_faults.py) serves the Vietnamese cases over HTTP; these are
the charsets of the open web that a crawl of it does not meet.
"""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.decoding import readable_html

#: "Bài của Như Uyên, ảnh Hồng Hà" as Windows-1258 spells it: tone marks as combining marks.
CP1258_TEXT = "Bài cu\u0309a Như Uyên, a\u0309nh Hô\u0300ng Hà"
PAGE = "<html><head><meta charset='{charset}'></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("charset", "text", "sent_in", "encoding", "problem"),
    [
        # Converted to UTF-8, the old <meta charset> kept: read as UTF-8.
        ("gb2312", "新电脑已可利用记忆自学", "utf-8", "utf-8", "charset_was_utf-8"),
        ("shift_jis", "今年の4月に新卒で就職しました", "utf-8", "utf-8", "charset_was_utf-8"),
        ("iso-8859-1", "Bài viết của Như Uyên", "utf-8", "utf-8", "charset_was_utf-8"),
        # Bytes in the charset the page declares: believed.
        ("gb2312", "新电脑已可利用记忆自学", "gb2312", "gb18030", None),
        ("shift_jis", "今年の4月に新卒で就職しました", "shift_jis", "cp932", None),
        ("utf-8", "Bài viết của Như Uyên", "utf-8", "utf-8", None),
        # Declared UTF-8, sent in the Vietnamese Windows code page (its tone marks combine).
        ("utf-8", CP1258_TEXT, "cp1258", "cp1258", "charset_was_cp1258"),
    ],
)
def test_a_page_is_read_in_the_charset_its_bytes_are_in(charset, text, sent_in, encoding, problem):
    body = PAGE.format(charset=charset, text=text).encode(sent_in)
    page, found = readable_html(HtmlResponse("https://example.org/a", body=body))
    assert page is not None and page.encoding == encoding
    assert found == problem
    assert text in page.text
