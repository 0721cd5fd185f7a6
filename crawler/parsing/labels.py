"""The Vietnamese words that name parts of an article page, matched after NFC and folding.

Kept apart from the code, like dateparser's language data, so that a label met on a new
site is one line here.
"""

from __future__ import annotations

import re

from crawler import dates
from crawler.parsing.css import WordQuery
from crawler.text import clean, fold

#: Headings of the related block ("Tin khác" and its variants), as :func:`fold` gives them.
RELATED_LABELS = frozenset(
    fold(label)
    for label in (
        "Tin khác", "Các tin khác", "Tin liên quan", "Tin cùng chuyên mục", "Bài liên quan",
        "Những tin mới hơn", "Những tin cũ hơn", "Những tin đã đưa", "Các tin đã đưa",
        "Theo dòng sự kiện", "Tin bài liên quan", "Các bài viết khác", "Bài viết khác",
        "Tin tức khác", "Các tin bài khác", "Xem thêm", "Đọc thêm", "Tin đã đăng",
        "Chuyên mục, tin tức liên quan", "Tin cùng loại", "Tin đã đưa",
        # The same block on open-web templates (WordPress's Jetpack says "Related").
        "Related", "Related posts", "Related articles", "Related stories", "Related content",
        "You may also like", "You might also like", "Mehr zum Thema", "Weitere Artikel",
        "Das könnte Sie auch interessieren", "Articles connexes", "À lire aussi",
        "Noticias relacionadas", "Artículos relacionados",
    )
)  # fmt: skip

#: Labels that open a byline, as printed before the name ("Tin, ảnh: Diễm My"); they are
#: stripped from the name. "Ảnh:" alone names the photographer: a byline only in an author
#: block, since in a body it opens a caption (CAPTION_LABEL wins there).
BYLINE_LABELS = (
    "Tác giả", "Người viết", "Phóng viên", "Bút danh", "Nhóm phóng viên", "Nhóm PV", "PV",
    "Tin, ảnh", "Tin và ảnh", "Tin - ảnh", "Tin/ảnh", "Tin", "Tin bài",
    "Bài, ảnh", "Bài và ảnh", "Bài - ảnh", "Bài/ảnh", "Bài", "Bài viết",
    "Thực hiện", "Nhóm thực hiện", "Ghi chép", "Ảnh", "Tin, ảnh, video", "Bài, ảnh, video",
    "Bài và ảnh, video", "Tin, video", "Bài viết và ảnh", "Bài viết, ảnh",
)  # fmt: skip
#: Bylines that are a collective name, printed without a label: kept as they are.
BYLINE_NAMES = frozenset(
    fold(name)
    for name in ("Nhóm PV", "Nhóm phóng viên", "Nhóm CTV", "PV", "CTV", "BBT", "Ban Biên tập")
)

#: Labels that name a field whole in a label/value row: a SharePoint list item's form
#: ("Tác giả" | "Hoàng Yến"), a fact table, a <dl>'s dt/dd. Byline openers ("Tin, ảnh",
#: "Bài") name no field and are not here; date labels are dates.py's (see :func:`row_field`).
ROW_LABELS: dict[str, str] = {
    **dict.fromkeys(map(fold, ("Tác giả", "Người viết", "Phóng viên", "Bút danh")), "author"),
    **dict.fromkeys(map(fold, ("Chuyên mục", "Danh mục", "Thể loại")), "category"),
}


def _labels_pattern(labels: tuple[str, ...]) -> str:
    """Longest first, so that "Tin, ảnh" wins over "Tin"; a space may be missing or doubled."""
    words = sorted(labels, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in words)


#: "(Tin, ảnh: Diễm My)" in brackets too.
AUTHOR_LABEL = re.compile(rf"^\(?\s*(?:{_labels_pattern(BYLINE_LABELS)})\s*:\s*", re.I)
#: A photo or video credit after the writer's name ("Bài: Hữu Phước - Ảnh: Thanh Tâm"): the
#: author is the writer.
CREDIT_TAIL = re.compile(
    r"\s*[-–—;,|/(]?\s*\b(?:ảnh|hình|hình ảnh|video|clip|nguồn|nguồn tin)\s*:.*$", re.I
)
#: Words in a class or id that name the byline's block, lower case.
AUTHOR_CLASS_WORDS = ("author", "byline", "tacgia", "tac-gia", "tac_gia", "butdanh", "but-danh")
AUTHOR_CLASS_WORDS += ("nguoiviet", "nguoi-viet", "auteur", "autor")  # French; German, Spanish…
AUTHOR_CLASS = f"({'|'.join(AUTHOR_CLASS_WORDS)})"
#: Elements whose class or id names the byline: a block after the body (div.author_detail,
#: div.tacgia, p.byline) or a span in the article header (span.byline, span.author).
AUTHOR_BLOCK = WordQuery(
    ".//*[@itemprop='author' or @class or @id][@itemprop='author' or ({words} and "
    f"re:test(concat(' ', @class, ' ', @id, ' '), '{AUTHOR_CLASS}', 'i'))]"
    "[normalize-space()][not(self::meta or self::link or self::img or self::script)]",
    AUTHOR_CLASS_WORDS,
)  # (schema.org microdata's itemprop=author: Joomla's dd.createdby)
#: Who posted the article in the CMS: the author only when nothing else names one.
POSTER_LABEL = re.compile(r"^(?:người đăng tin|người đăng|người cập nhật)\s*:\s*", re.I)
#: "Theo TTXVN", "Nguồn: Báo Nhân Dân", "(Theo VOV)" in brackets too.
SOURCE_LABEL = re.compile(r"^\(?\s*(?:nguồn tin|nguồn|theo)\s*:?\s+(?=\S)", re.I)
CAPTION_LABEL = re.compile(
    r"^\(?\s*(?:ảnh minh họa|ảnh minh hoạ|ảnh|hình ảnh|hình|photo|foto|bild)\s*:\s*", re.I
)
#: A caption that ends with its photo credit ("Quang cảnh hội nghị. Ảnh: PV", "… (Ảnh:
#: TTXVN)", "… - Ảnh: Nam Trần"): under a photo, such a line is its caption however it is set.
PHOTO_CREDIT_END = re.compile(
    r"(?:^|[\s(.–—-])(?:ảnh minh họa|ảnh minh hoạ|ảnh|hình|photo)\s*:\s*[^.:;()]{1,60}\)?\.?$",
    re.I,
)

#: Lines that sit where a byline does but name no author: print and share links, photo
#: credits ("Ảnh: …", "Foto: …", "Photo by …"), in the languages such templates come in.
NOT_AN_AUTHOR = re.compile(
    r"^(?:drucken|print|printer|in|in bài|in bài viết|in tin|in tin bài|bản in|imprimer|"
    r"imprimir|stampa|afdrukken|skriv ut|tulosta|share|teilen|chia sẻ|e-?mail|zalo|facebook|"
    r"no author|unknown|admin|administrator|super user|webmaster|quản trị|quản trị viên|"
    r"datenschutz\w*|impressum|privacy policy|cookie\w*|"
    r"you may also like|related posts|ähnliche beiträge|ähnliche artikel|weitere artikel|"
    # a comment form's or an author box's labels and buttons, a byline's bare label
    r"name|your name|ihr name|nom|nombre|tweet|follow|folgen|posted|posted by|published by|"
    r"written by|erstellt von|publiziert am|veröffentlicht am|von|by)"
    r"\W*$"
    r"|^\(?\s*(?:ảnh|hình ảnh|hình|video|clip|photo|photos|foto|fotos|bild|bilder|image|"
    r"picture|credit|bildquelle|quelle|source|nguồn)\s*(?::|by\b|von\b|/)",
    re.I,
)
#: URL path words of pages that are not articles although they hold text: about, contact,
#: work calendars, document lists, legal notices. Asked of pages without article markup.
FURNITURE_PATH = re.compile(
    r"(?i)/(?:gioi-?thieu|lien-?he|lich-?cong-?tac|van-?ban|so-?do-?to-?chuc|"
    r"about(?:-us)?|contact|impressum|kontakt|datenschutz|privacy|terms|ueber-uns)(?:\.\w+)?(?:/pages/default\.aspx)?/?$"
)  # the last segment of the path, whole: "/tin-tuc/ban-hanh-van-ban-moi-12.html" is an article
#: Elements whose class or id says they hold a date, for templates of no known family.
#: (Each regex test is a call into Python: ``[@class or @id]`` spares the elements with
#: neither, most of a page.)
DATE_CLASS_WORDS = ("date", "time", "ngay", "publish", "meta", "info", "thoigian")
GENERIC_DATE_CLASS = WordQuery(
    ".//*[@class or @id][{words}][not(self::script or self::style or ancestor::li)]"
    f"[re:test(concat(@class, ' ', @id), '{'|'.join(DATE_CLASS_WORDS)}', 'i')] "
    "| .//time | .//*[@itemprop='datePublished']",
    DATE_CLASS_WORDS,
)  # ("pubdate", "ngaydang" hold "date", "ngay")
#: Elements that hold the sapo on templates of no known family (Lao Động spells "chapeau"
#: "chappeau").
LEAD_CLASS_WORDS = ("sapo", "summary", "tomtat", "tom-tat", "trichyeu", "trich-yeu", "chapeau")
LEAD_CLASS_WORDS += ("chappeau", "lead", "intro", "abstract", "hometext", "mota", "mo-ta")
LEAD_CLASS_WORDS += ("tomluoc", "tom-luoc", "excerpt", "teaser", "standfirst", "desc")
GENERIC_LEAD = WordQuery(
    ".//*[@class][{words}][re:test(@class, '(sapo|summary|tomtat|tom-tat|trichyeu|trich-yeu|"
    "chapp?eau|lead|intro|abstract|hometext|mota|mo-ta|tomluoc|tom-luoc|excerpt|teaser|standfirst|"
    "(?<!img-)(?<!image-)(?<!photo-)\\bdesc\\b)', 'i')] "  # "post-desc"; no "img-desc" caption
    "| .//*[@itemprop='description']"
    " | .//p[contains(concat(' ', normalize-space(@class), ' '), ' description ')]",
    LEAD_CLASS_WORDS,
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


#: The lead on templates without a lead element: the body's first paragraph when an editor
#: set the whole of it in bold (<p><strong>…</strong></p>, <p><b>…</b></p>), and it is a
#: sentence rather than a bold subheading.
BOLD_LEAD_MIN_CHARS = 60
#: A numbered bold paragraph ("1. Kết quả…", "II. Nhiệm vụ…", "a) …") is a subheading.
NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}|[IVXLC]{1,5}|[a-zđ])\s*[.)/-]\s", re.I)


def strip_label(label: re.Pattern[str], text: str) -> str:
    return clean(label.sub("", text, count=1))


#: The words that open a byline in the languages of open-web templates ("Von: X",
#: "Erstellt von X", "Posted by X", "Autor: X"): stripped like the Vietnamese labels. A
#: bare "By"/"Von" is stripped only before a capitalised word ("von Aachen" is a name).
FOREIGN_BYLINE_LABEL = re.compile(
    r"^(?:(?:viết|đăng|gửi)\s+bởi\s*:?\s*"  # Joomla's and WordPress's Vietnamese packs
    r"|(?:written|posted|published|erstellt|geschrieben|verfasst|veröffentlicht|publié|"
    r"écrit|publicado|escrito|scritto|pubblicato)\s+(?:by|von|par|por|da|di)\s*:?\s*"
    r"|(?:autor|autorin|author|auteur|autore|verfasser|text|texto|texte|redaktion)"
    r"(?:\s+(?:und|and|&|y|et|e)\s+\w+)?\s*:\s*"  # "Text und Interview: X"
    r"|(?:by|von|par|por|door|av|di)\s*:?\s+(?=[A-ZÀ-ÝĐ]))",
    re.I,
)
#: What follows a name in a byline and is not the name: "Posted by X at 18:52", a date
#: ("X, 01.12.2021", "X - 20/10/2025"), the next part of a meta line, a profile link
#: "(http://…)", an address "x[at]y.net" (kept only when it is all there is).
#: The agency a writer's byline credits in brackets: "Thanh Tâm (theo Reuters)".
SOURCE_TAIL = re.compile(r"\s*\(\s*(?:theo|nguồn tin|nguồn)\s*:?\s+([^()]{2,60}?)\s*\)\s*$", re.I)
BYLINE_TAIL = re.compile(
    SOURCE_TAIL.pattern + "|"
    # what the writer did, in brackets: "Hoài Thu (tổng hợp)", "Kim Ngân (thực hiện)"
    r"\s*\(\s*(?:tổng hợp|thực hiện|biên dịch|lược dịch|dịch|ghi|ghi chép)\s*\)\s*$"
    r"|\s+(?:at|um|à|alle|a las)\s+\d{1,2}[:.h]\d\d\b.*$"
    r"|\s*[,|·–—-]\s*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b.*$"
    # a meta line's next part: "X · September 21, 2020", "X | Staff writer"
    r"|\s+[|·•]\s+.*$"
    # degrees after the name: "Grant Tinsley, PhD", "Ilana Muhlstein, MS, RDN"
    r"|(?:,\s*(?:Ph\.?\s?D|M\.?D|MSc?|M\.?A|MBA|RDN?)\.?)+$"
    r"|\s*\(?\s*(?:https?://|www\.)\S*\s*\)?\s*$",
    re.I,
)


def byline_name(text: str) -> str:
    """The name a byline prints: "Tin, ảnh: Diễm My" -> "Diễm My"; "Bài: X - Ảnh: Y" -> "X";
    "Posted by X at 18:52" -> "X"."""
    name = strip_label(AUTHOR_LABEL, text)
    if text.lstrip().startswith("(") and name.endswith(")"):
        name = name[:-1].rstrip()
    name = clean(CREDIT_TAIL.sub("", name)) or name
    name = clean(FOREIGN_BYLINE_LABEL.sub("", name, count=1)) or name
    return clean(BYLINE_TAIL.sub("", name)) or name


def source_name(text: str) -> str:
    """The source a credit names: "Theo TTXVN" -> "TTXVN"; "(Theo VOV)" -> "VOV"."""
    name = strip_label(SOURCE_LABEL, text)
    if text.lstrip().startswith("(") and name.endswith(")"):
        name = name[:-1].rstrip()
    return name


def row_field(label: str) -> str | None:
    """The field a row's label cell names: "Tác giả:" -> "author", "Chuyên mục" ->
    "category", "Ngày đăng" -> "published", "Ngày cập nhật" -> "updated"; else None."""
    return ROW_LABELS.get(fold(label)) or dates.label_kind(label)
