"""Vietnamese date text -> timezone-aware datetimes: the project's one place for dates.

Why the work is split this way (measured in ``shared/research/anchors.md`` §5):

* dateparser alone fails on the strings these sites print. A label in front ("Cập nhật:",
  "Ngày đăng:") makes it return None, "10h30" is not a time to it, "10g30" comes out as
  garbage, "T5," is unknown, and without ``languages=["vi"]`` it reads "10/4/2023" as
  4 October. Its ``search_dates`` splits "Thứ Năm, 26/11/2026 - 10:30" in two.
* So our regexes FIND each date (numeric d/m/Y, d-m-Y, d.m.Y with a time before or after;
  the word form "ngày 29 tháng 2 năm 2020"), read the label in front of it, and build one
  canonical string, "29/2/2020 20:28:19" or "26/11/2026 2:30:00 PM"; dateparser, with the
  Vietnamese locale and day-first order, PARSES that string. Labels and weekday prefixes
  never reach it ("Thứ năm" contains "năm", which is also dateparser's word for year), and
  the result is checked against the day, month and year that the regex saw, so a day/month
  swap or a year-less date can never come back silently.
* Parses are cached by canonical string: a crawl meets the same few thousand dates in every
  listing and related block, and a cached parse costs microseconds instead of ~0.7 ms.

Every value is aware. A date read from Vietnamese text, or a machine date without an offset,
is in Asia/Ho_Chi_Minh (+07:00); a machine date that states its own offset keeps it
("2026-03-01T10:00:00+02:00" stays +02:00: the page said so, and the instant is the same).
A date without a time is midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from crawler.text import clean, fold

#: Vietnam's time zone. Every datetime this module returns carries it.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: Machine dates before this year are placeholders (.NET's 0001-01-01, epoch zero), not dates.
MIN_ISO_YEAR = 1900
MAX_UTC_OFFSET = timedelta(hours=14)  # Kiribati's; zones run from -12:00 to +14:00

PUBLISHED = "published"
UPDATED = "updated"
CLOCK = "clock"


@dataclass(frozen=True)
class DateMention:
    """One date found in a text, with what the label in front of it says it is.

    ``kind`` is "published", "updated", "clock" (the page header's current time, never a
    publication date) or None (no label: the caller decides, usually "published").
    ``text`` is the substring the date was read from, without its label or weekday.
    """

    value: datetime
    kind: str | None
    has_time: bool
    text: str


# --- Labels --------------------------------------------------------------------------------
# Kept as data, like dateparser's locale files, so that a label met on a new site is one line.
_LABEL_KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "đăng ngày", "ngày đăng", "ngày đăng tin", "ngày đăng bài", "đăng lúc",
            "ngày xuất bản", "xuất bản", "thời gian đăng", "đăng tải",
        ),
        PUBLISHED,
    ),
    **dict.fromkeys(
        (
            "cập nhật", "ngày cập nhật", "cập nhật lần cuối", "thời gian cập nhật", "sửa đổi",
            "ngày sửa đổi", "chỉnh sửa", "ngày chỉnh sửa",
        ),
        UPDATED,
    ),
    **dict.fromkeys(("hôm nay", "hôm nay là"), CLOCK),
}  # fmt: skip


def label_kind(label: str) -> str | None:
    """What a label standing alone names ("Ngày đăng" -> "published", "Ngày cập nhật:" ->
    "updated"): the label cell of a form's row, read with the words that label a date in a
    line of text."""
    return _LABEL_KINDS.get(fold(label))


_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|bốn|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t\.?\s?[2-7])(?![^\W_])"


def _alternation(words: list[str]) -> str:
    """Longest first, so that "ngày đăng tin" wins over "ngày đăng"; spaces match any run."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len)[::-1])


# What may stand between a label and its date: "Cập nhật lúc 10:30 ngày …",
# "Đăng ngày: Thứ Năm, 26/11/2026", "(Ngày 15/03/2024)", "Hôm nay, ngày …", "[Cập nhật …".
# Anchored at the end of the text before the date; the longest such tail is the one found.
_TAIL = re.compile(
    rf"""
    (?<![^\W\d_])                                     # a label starts a word
    (?:[(\[]\s*)?
    (?:(?P<label>{_alternation(list(_LABEL_KINDS))})\s*[:：,]?\s*)?
    (?:lúc\s*:?\s*)?
    (?:(?P<weekday>{_WEEKDAY})\s*[,\-–—:]?\s*)?
    (?:(?P<ngay>ngày)\s*:?\s*)?
    [(\[]?\s*\Z
    """,
    re.I | re.X,
)
_TAIL_WINDOW = 80  # characters before a date searched for its label

# --- Dates ---------------------------------------------------------------------------------
_MONTH_WORDS: dict[str, int] = {
    "một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6,
    "bảy": 7, "tám": 8, "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12,
}  # fmt: skip


def _time(p: str) -> str:
    """A time of day: "8:28:04", "10:30", "10h30", "10g30", "10h", "10 giờ 30 phút", + SA/CH/AM/PM.

    ``p`` prefixes the group names, since a time may stand before or after the date.
    """
    return rf"""
    (?<![\d:])(?P<{p}H>2[0-3]|[01]?\d)
    (?:
        :(?P<{p}M>[0-5]\d)(?::(?P<{p}S>[0-5]\d))?(?![\d:])
      | (?:\s?giờ|h|g)(?:\s?(?P<{p}M2>[0-5]\d)(?:\s?phút)?)?(?![^\W_])
    )
    (?:\s?(?P<{p}AP>SA|CH|AM|PM)(?![^\W_]))?
    """


_DATE = re.compile(
    rf"""
    (?:(?P<tb>{_time("b")})\s*(?:[,|\-–—]\s*)?  # "10:30 26/11/2026", "10h30 ngày …",
        (?:{_WEEKDAY}\s*[,\-–—]?\s*)?(?:ngày\s+)?)?  # "15:47, Thứ Ba, 2/12/2025"
    (?:
        (?<!\d)(?<!\d[/.])                              # not the tail of a longer number
        (?P<nd>\d{{1,2}})(?P<sep>[/.\-])(?P<nm>\d{{1,2}})(?P=sep)(?P<ny>\d{{4}})(?!\d)
      |
        (?<!\d)(?P<wd>\d{{1,2}})\s+tháng\s+
        (?P<wm>\d{{1,2}}(?!\d)|{_alternation(list(_MONTH_WORDS))})
        (?:\s*,\s*|\s+năm\s+|\s+)(?P<wy>\d{{4}})(?!\d)  # "29 tháng 02, 2020", "… năm 2020"
    )
    (?(tb)|(?:(?:\s*[,|\-–—]\s*|\s+)(?:lúc\s+)?(?P<ta>{_time("a")}))?)  # "… - 8:28:04 AM"
    """,
    re.I | re.X,
)

#: A time of day alone, for a date that names its month (:func:`find_word_dates`).
_CLOCK_TIME = re.compile(_time("w"), re.I | re.X)

_PARSER = DateDataParser(
    languages=["vi"],
    settings={
        "DATE_ORDER": "DMY",  # always day first: 10/4/2023 is 10 April
        "PREFER_LOCALE_DATE_ORDER": False,
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month", "year"],  # never fill a missing year from today
        "STRICT_PARSING": True,
    },
)


#: A page that declares a month-first culture prints "12/1/2025 8:15 AM" for 1 December:
#: SharePoint's regional setting (``_spPageContextInfo.currentCultureName``). Not
#: ``<html lang="en-US">``: themes keep it on sites that print 25/11/2025.
MONTH_FIRST_CULTURE = re.compile(r"""currentCultureName"?\s*:\s*["']en-US\b""", re.I)


def month_first(html: str) -> bool:
    """Whether a page's HTML declares a culture that writes numeric dates month first."""
    return MONTH_FIRST_CULTURE.search(html) is not None


def find_dates(text: str, month_first: bool = False) -> list[DateMention]:
    """Every date in a short text (a date element, a meta line), in order of appearance.

    A meta line such as "Đăng ngày: 20/01/2020 - 8:28:04 AM | Lượt xem: 1231 | Trần Thị
    Thanh Thủy" gives one published mention; "Ngày đăng: … | Cập nhật: …" gives a published
    and an updated one. Year-less ("15/11"), two-digit-year and impossible (31/02) dates are
    skipped, never completed by a guess. A header clock ("Hôm nay, ngày …", or a weekday,
    "ngày" and a time with seconds, as in "Thứ Bảy, ngày 29 tháng 2 năm 2020 - 8:28:19 PM")
    is kind "clock". Meant for short texts: in a body sentence it also finds the date of a
    cited document ("Kế hoạch số 106-KH/TU, ngày 10/4/2023"), which is a date, but not the
    article's. ``month_first`` reads numeric dates as M/D/Y, for a page whose culture
    says so (:func:`month_first`).
    """
    text = clean(text)
    mentions: list[DateMention] = []
    previous_end = 0
    for match in _DATE.finditer(text):
        value, has_time, seconds = _value(match, month_first)
        if value is None:
            continue
        before = text[max(previous_end, match.start() - _TAIL_WINDOW) : match.start()]
        previous_end = match.end()
        kind = _kind(before, match, seconds)
        mentions.append(DateMention(value, kind, has_time, match.group(0)))
    return mentions


def parse_date(text: str) -> datetime | None:
    """The publication date in a short text, or None.

    The first mention labelled as published, else the first unlabelled one; never a clock
    (the page's current time) nor an update time, since a wrong date is worse than none.
    """
    mentions = find_dates(text)
    for wanted in (PUBLISHED, None):
        for mention in mentions:
            if mention.kind == wanted:
                return mention.value
    return None


#: Words before a date in the languages of the open web that make it the update time.
_FOREIGN_UPDATE_LABEL = re.compile(
    r"\b(?:updated?|last modified|aktualisiert|ge(?:ä|ae)ndert|mis à jour|modifié|actualizado|"
    r"aggiornato|bijgewerkt)\b",
    re.I,
)
#: The oldest day a news page's text date may name: earlier "dates" are a founding year.
_EARLIEST_WORD_DATE = datetime(1995, 1, 1)
_MAX_WORD_DATE_TEXT = 150  # a meta line; a sentence that names a date is not one
_MAX_DATEPARSER_TEXT = 40


def find_word_dates(text: str) -> list[DateMention]:
    """The dates that name their month in a language of the open web, in a short text (a
    date element of a page of no family): "02. November 2021", "May 10, 2022 01:52 PM",
    "19 de mayo de 2022", "الأربعاء، 07 أكتوبر 2020".

    :func:`find_dates` knows numeric and Vietnamese dates only. htmldate (trafilatura's date
    finder, already a dependency) reads the day: its own patterns first, dateparser only for
    a text that holds a plausible day, month and year, never a date after today. A time in
    the same part of the text ("15:25 Uhr", "01:52 PM") is the time of that day, in
    Asia/Ho_Chi_Minh like every date whose zone the page does not state; without one,
    midnight. The text is read in parts split at update labels ("… · Aktualisiert am …"):
    the part before the first is kind None, the parts after it are "updated".
    """
    text = clean(text)
    if not text or len(text) > _MAX_WORD_DATE_TEXT:
        return []
    mentions = []
    for number, part in enumerate(_FOREIGN_UPDATE_LABEL.split(text)):
        day = _word_day(part)
        if day is None:
            continue
        kind = UPDATED if number else None
        at = _CLOCK_TIME.search(part)
        timed = (
            _parse_canonical(f"{day.day}/{day.month}/{day.year} {_clock(at, 'w')}") if at else None
        )
        value = timed or datetime.combine(day, datetime.min.time(), tzinfo=VN_TZ)
        mentions.append(DateMention(value, kind, timed is not None, part))
    return mentions


@lru_cache(maxsize=4096)
def _word_day(text: str) -> date | None:
    from htmldate.extractors import try_date_expr

    latest = datetime.now() + timedelta(days=1)
    # dateparser (htmldate's extensive search) costs ~20 ms a call: only for a text that is
    # hardly more than a date ("Nov. 19, 2019", "19 de mayo de 2022").
    extensive = len(text) <= _MAX_DATEPARSER_TEXT
    try:
        found = try_date_expr(text, "%Y-%m-%d", extensive, _EARLIEST_WORD_DATE, latest)
    except Exception:  # a third-party failure costs the date, not the page
        return None
    return date.fromisoformat(found) if found else None


#: A zone abbreviation written after an explicit offset or Z: redundant, and not ISO 8601.
_ZONE_NAME_AFTER_OFFSET = re.compile(r"([+-]\d\d:?\d\d|\dZ)\s*\(?[A-Z]{2,5}\)?\Z")


def parse_iso_date(text: str) -> datetime | None:
    """A machine date (JSON-LD datePublished, article:published_time, <time datetime>).

    These are ISO 8601, so they are read exactly with ``datetime.fromisoformat`` rather than
    by dateparser, whose day-first settings can misread "YYYY-MM-DD" (dateparser #1199).
    Accepts a trailing Z, "2023-07-14 08:15:00" and "2023-07-14", and a zone's name after an
    explicit offset ("2020-09-26T12:07:40+02:00CET", as some CMSs write). A value without an
    offset is taken as Vietnamese wall time (Asia/Ho_Chi_Minh); an explicit offset is kept as
    given. None
    for anything else, and for placeholders before ``MIN_ISO_YEAR`` ("0001-01-01T00:00:00").
    """
    if not text:
        return None
    value = re.sub(r"\s+(?=[+-]\d\d:?\d\d\Z)", "", text.strip())  # "… 08:15:00 +07:00"
    value = _ZONE_NAME_AFTER_OFFSET.sub(r"\1", value)  # "…+02:00CET": the offset says it all
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=VN_TZ)
        parsed.utcoffset()  # an offset of a day or more raises here, not later
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.year >= MIN_ISO_YEAR else None


def in_wall_clock_zone(instant: datetime, wall_clock: str) -> datetime | None:
    """``instant`` in the zone of a machine date written without an offset that shows it
    ("2023-11-08 23:30:59" for 05:30:59 UTC: at -06:00), or None when it shows another
    time. A site writes UTC into its JSON-LD and its wall clock into ``<time datetime>``:
    the instant is the same, and the day its readers saw is the wall clock's."""
    try:
        shown = datetime.fromisoformat(wall_clock.strip())
    except ValueError:
        return None
    if shown.tzinfo is not None:
        return None
    offset = shown - instant.astimezone(UTC).replace(tzinfo=None)
    if not offset or abs(offset) > MAX_UTC_OFFSET or offset % timedelta(minutes=15):
        return None
    return instant.astimezone(timezone(offset))


def to_iso(value: datetime) -> str:
    """ "2023-07-14T08:15:00+07:00": seconds and offset always written.

    A naive value is taken as Vietnamese wall time; an aware one keeps its own offset (a
    page that says +02:00 is written +02:00), so every record has the same shape.
    """
    value = value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value
    return value.isoformat(timespec="seconds")


# --- Internals -----------------------------------------------------------------------------


def _value(match: re.Match[str], month_first: bool) -> tuple[datetime | None, bool, bool]:
    """The datetime a match denotes, whether it had a time, and whether it had seconds."""
    if match.group("nd"):
        day, month, year = int(match["nd"]), int(match["nm"]), int(match["ny"])
        if month_first and day <= 12:  # "25/11/2025" is day first whatever the culture
            day, month = month, day
    else:
        word = " ".join(match["wm"].lower().split())
        month = int(word) if word.isdigit() else _MONTH_WORDS[word]
        day, year = int(match["wd"]), int(match["wy"])
    p = "b" if match.group("tb") else "a" if match.group("ta") else None
    if p is None:
        return _parse_canonical(f"{day}/{month}/{year}"), False, False
    clock = _clock(match, p)
    return _parse_canonical(f"{day}/{month}/{year} {clock}"), True, match[p + "S"] is not None


def _clock(match: re.Match[str], p: str) -> str:
    """ "8:28:04 PM": the time a :func:`_time` group ``p`` matched, as dateparser reads it."""
    hour = int(match[p + "H"])
    minute = int(match[p + "M"] or match[p + "M2"] or 0)
    meridiem = (match[p + "AP"] or "").upper()
    clock = f"{hour}:{minute:02d}:{int(match[p + 'S'] or 0):02d}"
    if meridiem and 1 <= hour <= 12:  # "14:20 CH" is already a 24-hour time
        clock += " AM" if meridiem in ("SA", "AM") else " PM"
    return clock


@lru_cache(maxsize=8192)
def _parse_canonical(canonical: str) -> datetime | None:
    """dateparser on "D/M/YYYY[ H:MM:SS[ AM|PM]]", checked against what the regex read.

    The check makes "day first, year required" a guarantee rather than a setting: the result
    must carry the day, month and year of the string, and dateparser must report all three
    parts (its ``parts``, dateparser >= 1.5), or the date is refused.
    """
    day, month, year = (int(n) for n in canonical.split(" ", 1)[0].split("/"))
    try:
        expected = date(year, month, day)
    except ValueError:  # 31/02: impossible, don't even ask
        return None
    data = _PARSER.get_date_data(canonical)
    value = data.date_obj
    if value is None or value.date() != expected:
        return None
    parts = getattr(data, "parts", None)
    if parts is not None and not {"day", "month", "year"} <= set(parts):
        return None
    return value.replace(tzinfo=None).replace(tzinfo=VN_TZ)


def _kind(before: str, match: re.Match[str], has_seconds: bool) -> str | None:
    """What the words in front of a date say it is; see :class:`DateMention`."""
    tail = _TAIL.search(before)
    if tail and tail["label"]:
        return _LABEL_KINDS[" ".join(tail["label"].lower().split())]
    if tail and tail["weekday"] and tail["ngay"] and has_seconds:
        return CLOCK  # a ticking header clock: "Thứ Bảy, ngày … - 8:28:19 PM"
    return None
