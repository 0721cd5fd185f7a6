"""Golden table of the date strings met on Vietnamese Party sites (``crawler/dates.py``).

dateparser carries about a dozen Vietnamese cases upstream; this table is ours. Each row
is a string as a site prints it (sites.md §3, §6.7; anchors.md §5.2) and the instant it
must give, or None where no publication date may be read from it.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler import dates
from crawler.dates import VN_TZ, DateMention, find_dates, parse_date, parse_iso_date, to_iso

# (text as printed, expected publication instant in ISO 8601 or None)
GOLDEN: list[tuple[str, str | None]] = [
    # NukeViet: article header "l - d/m/Y H:i", listings "d/m/Y H:i:s", "H:i d/m/Y", "(d/m/Y)"
    ("Thứ năm - 26/11/2026 10:30", "2026-11-26T10:30:00+07:00"),
    ("Thứ hai - 06/04/2026 07:05", "2026-04-06T07:05:00+07:00"),
    ("26/11/2026 10:30:00", "2026-11-26T10:30:00+07:00"),
    ("10:30 26/11/2026", "2026-11-26T10:30:00+07:00"),
    ("04:35 15/03/2016", "2016-03-15T04:35:00+07:00"),
    ("(26/11/2026)", "2026-11-26T00:00:00+07:00"),
    # the time before the weekday (tuyengiao and provincial paper headers)
    ("15:47, Thứ Ba, 2/12/2025", "2025-12-02T15:47:00+07:00"),
    ("08:30 - Thứ Hai, ngày 01/12/2025", "2025-12-01T08:30:00+07:00"),
    # Vietnamese SA/CH (sáng/chiều) and English AM/PM, 12 o'clock both ways
    ("26/11/2026 10:30:00 SA", "2026-11-26T10:30:00+07:00"),
    ("26/11/2026 02:30:00 CH", "2026-11-26T14:30:00+07:00"),
    ("26/11/2026 10:30:00 CH", "2026-11-26T22:30:00+07:00"),
    ("20/01/2020 - 8:28:04 AM", "2020-01-20T08:28:04+07:00"),
    ("20/01/2020 - 8:28:04 PM", "2020-01-20T20:28:04+07:00"),
    ("28/10/2026 - 12:20:05 PM", "2026-10-28T12:20:05+07:00"),
    ("01/01/2024 - 12:05:00 AM", "2024-01-01T00:05:00+07:00"),
    ("28/10/2026 14:20 CH", "2026-10-28T14:20:00+07:00"),  # 24-hour time with a stray CH
    # dots and dashes (binhthuancpv.org.vn, vksdanang), no leading zeros
    ("4.5.2012 - 8:34", "2012-05-04T08:34:00+07:00"),
    ("6.10.2026 - 8:34", "2026-10-06T08:34:00+07:00"),
    ("15-05-2022 10:48", "2022-05-15T10:48:00+07:00"),
    ("19/11/2015 - 18:22", "2015-11-19T18:22:00+07:00"),  # baolongan.vn
    ("Ngày 29/08/2024 | 07:50", "2024-08-29T07:50:00+07:00"),
    ("Ngày đăng: 14/03/2023 - 15:20", "2023-03-14T15:20:00+07:00"),
    # labels
    ("Đăng ngày 15-05-2022 10:48", "2022-05-15T10:48:00+07:00"),
    ("(Ngày 15/03/2024)", "2024-03-15T00:00:00+07:00"),  # SharePoint "Các tin khác"
    ("Đăng ngày: 20/01/2020 - 8:28:04 AM | Lượt xem: 1231 | Trần Thị Thanh Thủy",
     "2020-01-20T08:28:04+07:00"),
    ("Ngày đăng tin: 15/05/2024 10:48:00", "2024-05-15T10:48:00+07:00"),  # DNICT Liferay
    ("Ngày đăng: 20/12/2024", "2024-12-20T00:00:00+07:00"),
    ("Ngày xuất bản: 03/02/2024", "2024-02-03T00:00:00+07:00"),
    ("Đăng lúc: 10:30 26/11/2026", "2026-11-26T10:30:00+07:00"),
    ("Ngày đăng: Thứ Năm, 26/11/2026 - 10:30", "2026-11-26T10:30:00+07:00"),
    ("Cập nhật: 10/04/2023 08:15", None),  # an update time is not a publication date
    ("(Cập nhật 06/04/2025 07:00)", None),
    ("Cập nhật lúc 10:30 ngày 26/11/2026", None),
    ("Ngày đăng: 10/04/2023 08:15 | Cập nhật: 11/04/2023 09:30", "2023-04-10T08:15:00+07:00"),
    ("Cập nhật: 11/04/2023 09:30 | Ngày đăng: 10/04/2023 08:15", "2023-04-10T08:15:00+07:00"),
    # times written with h / g / giờ
    ("10h30 ngày 26/11/2026", "2026-11-26T10:30:00+07:00"),
    ("10g30 26/11/2026", "2026-11-26T10:30:00+07:00"),
    ("Lúc 8h ngày 05/07/2024", "2024-07-05T08:00:00+07:00"),
    ("26/11/2026 lúc 10 giờ 30 phút", "2026-11-26T10:30:00+07:00"),
    # weekday prefixes, which dateparser must never see ("Thứ năm" holds "năm")
    ("T5, 26/11/2026", "2026-11-26T00:00:00+07:00"),
    ("CN, 06/04/2025", "2025-04-06T00:00:00+07:00"),
    ("Thứ 5, 26/11/2026 10:30", "2026-11-26T10:30:00+07:00"),
    ("Thứ Năm, 26/11/2026 - 10:30", "2026-11-26T10:30:00+07:00"),
    ("Chủ nhật, 06/04/2025 | 07:00", "2025-04-06T07:00:00+07:00"),
    ("Thứ Bảy, 05/04/2025, 08:15 (GMT+7)", "2025-04-05T08:15:00+07:00"),
    # word forms
    ("ngày 29 tháng 2 năm 2020", "2020-02-29T00:00:00+07:00"),
    ("Ngày 10 tháng 4 năm 2023", "2023-04-10T00:00:00+07:00"),
    ("Thứ Hai, ngày 10 tháng 4 năm 2023", "2023-04-10T00:00:00+07:00"),
    ("29 tháng 02, 2020", "2020-02-29T00:00:00+07:00"),
    ("21 tháng 09 năm 2025", "2025-09-21T00:00:00+07:00"),  # dateparser issue #1297
    ("Thứ năm, 26 Tháng Mười Một 2026 10:30", "2026-11-26T10:30:00+07:00"),
    ("1 tháng Năm 2023", "2023-05-01T00:00:00+07:00"),  # "Năm" the month, not the year
    ("15 tháng Tư 2024", "2024-04-15T00:00:00+07:00"),
    ("15 tháng Chạp 2024", "2024-12-15T00:00:00+07:00"),
    # day first, always
    ("10/4/2023", "2023-04-10T00:00:00+07:00"),
    ("04/10/2023", "2023-10-04T00:00:00+07:00"),
    ("05/04/2025 08:15 GMT+7", "2025-04-05T08:15:00+07:00"),
    # nothing to read: no year, two-digit year, impossible date, no date, a clock
    ("15/11", None),
    ("(26/11)", None),
    ("26/11/26", None),
    ("29 tháng 2", None),
    ("31/02/2024", None),
    ("29/02/2023", None),
    ("32/01/2024", None),
    ("15/13/2024", None),
    ("Lượt xem: 1231", None),
    ("", None),
    ("Hôm nay, ngày 26/11/2026", None),
    ("Hôm nay: Thứ Năm, 26/11/2026", None),
    ("Thứ Bảy, ngày 29 tháng 2 năm 2020 - 8:28:19 PM", None),  # tuyengiaohungyen header clock
    ("Thứ Năm, ngày 26/11/2026 - 9:14:37 AM", None),
    # a document date inside a sentence is still a date: parse_date is for date elements
    ("Thực hiện Kế hoạch số 106-KH/TU, ngày 10/4/2023 của Ban Thường vụ Tỉnh ủy",
     "2023-04-10T00:00:00+07:00"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), GOLDEN, ids=[t or "<empty>" for t, _ in GOLDEN])
def test_parse_date_golden(text: str, expected: str | None) -> None:
    value = parse_date(text)
    assert (to_iso(value) if value else None) == expected


def test_golden_table_is_big_enough() -> None:
    assert len(GOLDEN) >= 45
    assert len({text for text, _ in GOLDEN}) == len(GOLDEN), "duplicate rows"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Đăng ngày: 20/01/2020 - 8:28:04 AM | Lượt xem: 1231 | Trần Thị Thanh Thủy",
            [("published", "2020-01-20T08:28:04+07:00", True)],
            id="meta-line",
        ),
        pytest.param(
            "Ngày đăng: 10/04/2023 08:15 | Cập nhật: 11/04/2023 09:30",
            [
                ("published", "2023-04-10T08:15:00+07:00", True),
                ("updated", "2023-04-11T09:30:00+07:00", True),
            ],
            id="published-and-updated",
        ),
        pytest.param(
            "Cập nhật: 10/04/2023 08:15",
            [("updated", "2023-04-10T08:15:00+07:00", True)],
            id="updated",
        ),
        pytest.param(
            "Cập nhật ngày 10/04/2023", [("updated", "2023-04-10T00:00:00+07:00", False)],
            id="updated-ngay",
        ),
        pytest.param(
            "Ngày cập nhật: 10/04/2023", [("updated", "2023-04-10T00:00:00+07:00", False)],
            id="ngay-cap-nhat",
        ),
        pytest.param(
            "Sửa đổi: 10/04/2023 08:15", [("updated", "2023-04-10T08:15:00+07:00", True)],
            id="sua-doi",
        ),
        pytest.param(
            "Xuất bản: 10/04/2023", [("published", "2023-04-10T00:00:00+07:00", False)],
            id="xuat-ban",
        ),
        pytest.param(
            "Ngày đăng tin: 15/05/2024 10:48:00",
            [("published", "2024-05-15T10:48:00+07:00", True)],
            id="ngay-dang-tin",
        ),
        pytest.param(
            "Đăng lúc: 10:30 26/11/2026",
            [("published", "2026-11-26T10:30:00+07:00", True)],
            id="dang-luc-time-first",
        ),
        pytest.param(
            "Hôm nay, ngày 26/11/2026", [("clock", "2026-11-26T00:00:00+07:00", False)],
            id="hom-nay",
        ),
        pytest.param(
            "Thứ Bảy, ngày 29 tháng 2 năm 2020 - 8:28:19 PM",
            [("clock", "2020-02-29T20:28:19+07:00", True)],
            id="header-clock",
        ),
        pytest.param(
            # the same date without the weekday and the ticking seconds is a plain date
            "ngày 29 tháng 2 năm 2020 - 8:28 PM",
            [(None, "2020-02-29T20:28:00+07:00", True)],
            id="not-a-clock",
        ),
        pytest.param(
            "Thứ năm - 26/11/2026 10:30", [(None, "2026-11-26T10:30:00+07:00", True)],
            id="nukeviet-unlabelled",
        ),
        pytest.param(
            "(19/5/1890 - 19/5/2026)",
            [(None, "1890-05-19T00:00:00+07:06:30", False),
             (None, "2026-05-19T00:00:00+07:00", False)],
            id="range-two-dates",  # 1890: Saigon's local mean time, as the tz database has it
        ),
        pytest.param(
            # find_dates reads any date in a sentence, document dates included; that is why
            # the parser only gives it the text of date elements, never body paragraphs
            "Quán triệt Kế hoạch số 106-KH/TU, ngày 10/4/2023 và Quy định số 144-QĐ/TW "
            "ngày 09/5/2024 của Bộ Chính trị",
            [(None, "2023-04-10T00:00:00+07:00", False),
             (None, "2024-05-09T00:00:00+07:00", False)],
            id="document-numbers",
        ),
        pytest.param("15/11 | Lượt xem: 1231", [], id="year-less"),
        pytest.param("31/02/2024 - 10/02/2024", [(None, "2024-02-10T00:00:00+07:00", False)],
                     id="impossible-skipped"),
    ],
)  # fmt: skip
def test_find_dates_kinds(text: str, expected: list[tuple[str | None, str, bool]]) -> None:
    found = [(m.kind, to_iso(m.value), m.has_time) for m in find_dates(text)]
    assert found == expected


def test_find_dates_reports_the_parsed_substring() -> None:
    [mention] = find_dates("Thứ năm - 26/11/2026 10:30")
    assert mention.text == "26/11/2026 10:30"
    [mention] = find_dates("Cập nhật lúc 10h30 ngày 26/11/2026 | Lượt xem: 5")
    assert mention.text == "10h30 ngày 26/11/2026"


def test_mentions_are_frozen_and_in_vietnam_time() -> None:
    [mention] = find_dates("20/01/2020 - 8:28:04 AM")
    assert isinstance(mention, DateMention)
    assert mention.value.tzinfo == VN_TZ
    assert mention.value.utcoffset() == timedelta(hours=7)
    assert mention.value.astimezone(UTC) == datetime(2020, 1, 20, 1, 28, 4, tzinfo=UTC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mention.kind = "published"  # type: ignore[misc]


def test_nfd_text_and_odd_spaces_are_read() -> None:
    text = unicodedata.normalize("NFD", "Cập nhật:\u00a010/04/2023\u200b 08:15")
    assert [(m.kind, to_iso(m.value)) for m in find_dates(text)] == [
        ("updated", "2023-04-10T08:15:00+07:00")
    ]


def test_identical_dates_are_parsed_once() -> None:
    dates._parse_canonical.cache_clear()
    parse_date("Thứ năm - 26/11/2026 10:30")
    parse_date("10:30 26/11/2026")  # another form of the same instant: one canonical string
    parse_date("26/11/2026 10:30:00")
    info = dates._parse_canonical.cache_info()
    assert (info.misses, info.hits) == (1, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-07-14T08:15:00+07:00", "2023-07-14T08:15:00+07:00"),
        ("2023-07-14T01:15:00Z", "2023-07-14T01:15:00+00:00"),  # an explicit offset is kept
        ("2023-07-14T01:15:00z", "2023-07-14T01:15:00+00:00"),
        ("2023-07-14T01:15:00+00:00", "2023-07-14T01:15:00+00:00"),
        ("2026-03-01T10:00:00+02:00", "2026-03-01T10:00:00+02:00"),
        ("2023-07-14T08:15:00", "2023-07-14T08:15:00+07:00"),  # naive: Vietnamese wall time
        ("2023-07-14 08:15:00", "2023-07-14T08:15:00+07:00"),
        ("2023-07-14", "2023-07-14T00:00:00+07:00"),
        ("  2023-07-14T08:15:00.123+07:00\n", "2023-07-14T08:15:00+07:00"),
        ("2023-07-14T08:15:00+0700", "2023-07-14T08:15:00+07:00"),
        ("2023-07-14 08:15:00 +07:00", "2023-07-14T08:15:00+07:00"),
        ("2023-07-13T21:15:00-04:00", "2023-07-13T21:15:00-04:00"),
        # A zone's name after the offset is redundant; without an offset it says nothing
        # we read, so the value is refused rather than taken as Vietnamese time.
        ("2020-09-26T12:07:40+02:00CET", "2020-09-26T12:07:40+02:00"),
        ("2020-09-26T12:07:40Z (UTC)", "2020-09-26T12:07:40+00:00"),
        ("2020-09-26T12:07:40 CET", None),
        ("0001-01-01T00:00:00", None),  # .NET DateTime.MinValue placeholder
        ("14/07/2023", None),
        ("Thứ năm - 26/11/2026 10:30", None),
        ("2023-13-14", None),
        ("", None),
    ],
)
def test_parse_iso_date(text: str, expected: str | None) -> None:
    value = parse_iso_date(text)
    assert (to_iso(value) if value else None) == expected
    if value is not None and not re.search(r"([+-]\d\d:?\d\d|[Zz])\s*(\(?[A-Z]+\)?)?$", text):
        assert value.tzinfo == VN_TZ  # +07:00 only where the page gave no offset


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2023, 7, 14, 8, 15, tzinfo=VN_TZ), "2023-07-14T08:15:00+07:00"),
        (datetime(2023, 7, 14, 8, 15, 9, 999999, tzinfo=VN_TZ), "2023-07-14T08:15:09+07:00"),
        (datetime(2023, 7, 14, 1, 15, tzinfo=UTC), "2023-07-14T01:15:00+00:00"),
        (datetime(2023, 7, 14, 8, 15, tzinfo=timezone(timedelta(hours=9))),
         "2023-07-14T08:15:00+09:00"),
        (datetime(2023, 7, 14), "2023-07-14T00:00:00+07:00"),  # naive: Vietnamese wall time
    ],
)  # fmt: skip
def test_to_iso(value: datetime, expected: str) -> None:
    assert to_iso(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02. November 2021", [("2021-11-02T00:00:00+07:00", None)]),
        ("6. November 2023, 15:25 Uhr", [("2023-11-06T15:25:00+07:00", None)]),
        ("Staff | May 10, 2022 01:52:54 PM", [("2022-05-10T13:52:54+07:00", None)]),
        ("19 de mayo de 2022", [("2022-05-19T00:00:00+07:00", None)]),
        ("02. November 2021 · Aktualisiert am 5. November 2021",
         [("2021-11-02T00:00:00+07:00", None), ("2021-11-05T00:00:00+07:00", "updated")]),
        ("Last Updated : Nov 20, 2019 01:41 PM IST",
         [("2019-11-20T13:41:00+07:00", "updated")]),
        ("Acum 15 minute", []),  # "15 minutes ago": no day, no guess
        ("November 2019", []),  # no day
        ("Gegründet am 1. März 1890", []),  # before any news page: a founding date
        ("3. März 2099", []),  # after today
        ("Am 2. November 2021 " + "sagte der Minister vieles " * 8, []),  # a sentence
    ],
)  # fmt: skip
def test_find_word_dates(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(to_iso(m.value), m.kind) for m in dates.find_word_dates(text)] == expected


@pytest.mark.parametrize(
    ("instant", "wall_clock", "expected"),
    [
        ("2023-11-09T05:30:59+00:00", "2023-11-08 23:30:59", "2023-11-08T23:30:59-06:00"),
        ("2020-08-19T03:16:00+00:00", "2020-08-19T05:16:00", "2020-08-19T05:16:00+02:00"),
        ("2021-03-01T10:00:00+00:00", "2021-03-01T15:45:00", "2021-03-01T15:45:00+05:45"),
        # An offset of its own, another instant, no offset at all, past any zone: None.
        ("2023-11-09T05:30:59+00:00", "2023-11-08T23:30:59-06:00", None),
        ("2023-11-09T05:30:59+00:00", "2023-11-08 23:31:40", None),
        ("2023-11-09T05:30:59+00:00", "2023-11-09 05:30:59", None),
        ("2023-11-09T05:30:59+00:00", "2023-11-10 05:30:59", None),
        ("2023-11-09T05:30:59+00:00", "8 November 2023", None),
    ],
)  # fmt: skip
def test_in_wall_clock_zone(instant: str, wall_clock: str, expected: str | None) -> None:
    shown = dates.in_wall_clock_zone(parse_iso_date(instant), wall_clock)
    assert (shown and shown.isoformat()) == expected
    assert shown is None or shown == parse_iso_date(instant)  # the same instant
