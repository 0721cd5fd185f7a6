"""A server's error page answered with status 200: not an article, and not to be forgotten.

Small government servers answer a failed database query, a deleted article or a page under
maintenance with "200 OK" and a page that says so ("Bài viết không tồn tại", "Server Error
in '/' Application", "Hệ thống đang bảo trì"). The parser refuses such a page as showing no
article; were it remembered as no article, the crawler would skip the URL for weeks though
the article may be back tomorrow. So a refused page whose title or first heading names an
error is an *error page*: counted as a fault, and read again by the next run.
"""

from __future__ import annotations

import re

from parsel import Selector

from crawler.text import clean

ERROR_WORDS = re.compile(
    r"(?i)\b(?:40[034]|50[0234])\b|not found|server error|runtime error|fatal error"
    r"|service unavailable|bad gateway|internal error|database error|error occurred"
    r"|access denied|forbidden|maintenance|không tìm thấy|không tồn tại|đã bị xóa|đã bị xoá"
    r"|đã bị gỡ|lỗi|bảo trì|đang nâng cấp|gián đoạn"
)
#: Where an error page names itself: its title, and its first heading.
NAMING = "(//title | (//h1 | //h2)[1])"


def is_error_page(doc: Selector) -> bool:
    """Whether the page's title or first heading names an error (call it on a refused page
    only: an article about a "lỗi" is told apart by its having an article's text)."""
    return any(ERROR_WORDS.search(clean(text)) for text in doc.xpath(f"{NAMING}//text()").getall())
