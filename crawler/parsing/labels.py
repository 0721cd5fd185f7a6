"""The Vietnamese words that name parts of an article page, matched after NFC and folding.

Kept apart from the code, like dateparser's language data, so that a label met on a new
site is one line here.
"""

from __future__ import annotations

import re

from crawler.text import clean, fold

#: Headings of the related block ("Tin khác" and its variants), as :func:`fold` gives them.
RELATED_LABELS = frozenset(
    fold(label)
    for label in (
        "Tin khác", "Các tin khác", "Tin liên quan", "Tin cùng chuyên mục", "Bài liên quan",
        "Những tin mới hơn", "Những tin cũ hơn", "Những tin đã đưa", "Các tin đã đưa",
        "Theo dòng sự kiện", "Tin bài liên quan", "Các bài viết khác", "Bài viết khác",
        "Tin tức khác", "Các tin bài khác", "Xem thêm", "Đọc thêm", "Tin đã đăng",
        "Chuyên mục, tin tức liên quan", "Tin cùng loại",
    )
)  # fmt: skip

AUTHOR_LABEL = re.compile(
    r"^(?:tác giả|người viết|phóng viên|bút danh|tin, ảnh|bài, ảnh|tin và ảnh|bài và ảnh)"
    r"\s*:\s*",
    re.I,
)
#: Who posted the article in the CMS: the author only when nothing else names one.
POSTER_LABEL = re.compile(r"^(?:người đăng tin|người đăng|người cập nhật)\s*:\s*", re.I)
SOURCE_LABEL = re.compile(r"^(?:nguồn tin|nguồn|theo)\s*:?\s+(?=\S)", re.I)
CAPTION_LABEL = re.compile(
    r"^\(?\s*(?:ảnh minh họa|ảnh minh hoạ|ảnh|hình ảnh|hình|photo|foto|bild)\s*:\s*", re.I
)

#: Lines that sit where a byline does but name no author: print and share links, photo
#: credits ("Ảnh: …", "Foto: …", "Photo by …"), in the languages such templates come in.
NOT_AN_AUTHOR = re.compile(
    r"^(?:drucken|print|printer|in|in bài|in bài viết|in tin|in tin bài|bản in|imprimer|"
    r"imprimir|stampa|afdrukken|skriv ut|tulosta|share|teilen|chia sẻ|e-?mail|zalo|facebook|"
    r"no author|unknown|admin|datenschutz\w*|impressum|privacy policy|cookie\w*|"
    r"you may also like|related posts|ähnliche beiträge|ähnliche artikel|weitere artikel)"
    r"\W*$"
    r"|^\(?\s*(?:ảnh|hình ảnh|hình|video|clip|photo|photos|foto|fotos|bild|bilder|image|"
    r"picture|credit)\s*(?::|by\b|von\b|/)",
    re.I,
)
#: URL path words of pages that are not articles although they hold text: about, contact,
#: work calendars, document lists, legal notices. Asked of pages without article markup.
FURNITURE_PATH = re.compile(
    r"(?i)/(?:gioi-?thieu|lien-?he|lich-?cong-?tac|van-?ban|so-?do-?to-?chuc|"
    r"about(?:-us)?|contact|impressum|kontakt|datenschutz|privacy|terms|ueber-uns)(?:\.\w+)?(?:/pages/default\.aspx)?/?$"
)  # the last segment of the path, whole: "/tin-tuc/ban-hanh-van-ban-moi-12.html" is an article
#: Elements whose class or id says they hold a date, for templates of no known family.
GENERIC_DATE_CLASS = (
    ".//*[not(self::script or self::style or ancestor::li)][re:test(concat(@class, ' ', @id), "
    "'date|time|ngay|pubdate|publish|meta|info|ngaydang|thoigian', 'i')] "
    "| .//time | .//*[@itemprop='datePublished']"
)
#: Elements that hold the sapo on templates of no known family.
GENERIC_LEAD = (
    ".//*[re:test(@class, '(sapo|summary|tomtat|tom-tat|trichyeu|trich-yeu|chapeau|lead|"
    "intro|abstract|hometext|mota|mo-ta)', 'i')] | .//*[@itemprop='description']"
    " | .//p[contains(concat(' ', normalize-space(@class), ' '), ' description ')]"
)
#: Page furniture around an article: header, menus, sidebars and footer, by tag or by an
#: id or class token that starts with one of these words.
CHROME_TAGS = frozenset(("header", "nav", "footer", "aside"))
#: ("header-content", "header-detail": an article's own header, as VnExpress names it, is not).
CHROME_CLASS = (
    r"\s(footer|header(?!-(?:content|detail|article|post|entry))|topbar|top-bar|sidebar|side-bar"
    r"|menu|navbar)[\w-]*"
)

#: Image URLs that are page furniture, not article photos.
IMAGE_NOT_CONTENT = re.compile(
    r"(?i)(icon|\bico[_-]|logo|spacer|blank\.|pixel|/_layouts/|/themes/|emoji|banner|loading|/new\.gif|"
    r"\bnew\.(gif|png)|arrow|bullet|btn_|button)"
)


def strip_label(label: re.Pattern[str], text: str) -> str:
    return clean(label.sub("", text, count=1))
