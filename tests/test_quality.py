"""The metrics of ``bench/quality.py`` on hand-made inputs, so that they cannot silently break.

The script itself is a measurement, not a test; only its scoring functions are checked here.
It is loaded from its path because ``bench`` is not an installed package.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "bench" / "quality.py"
spec = importlib.util.spec_from_file_location("bench_quality", PATH)
quality = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = quality  # dataclasses look their module up while the class is built
spec.loader.exec_module(quality)


def test_token_f1_of_identical_disjoint_and_overlapping_texts():
    assert quality.token_f1("Hội nghị sơ kết", "Hội nghị sơ kết") == 1.0
    assert quality.token_f1("Hội nghị sơ kết", "tổng hợp năm 2024") == 0.0
    assert quality.token_f1("a b c d", "a b c e") == pytest.approx(0.75)
    assert quality.token_f1("", None) == 1.0
    assert quality.token_f1("a b", "") == 0.0


def test_token_f1_ignores_case_normal_form_and_white_space():
    nfd = unicodedata.normalize("NFD", "ĐẢNG BỘ  tỉnh\n\nBình Thuận")
    assert quality.token_f1(nfd, "đảng bộ tỉnh bình thuận") == 1.0


def test_token_f1_counts_repeated_tokens_as_a_bag():
    # "a a b" against "a b": 2 common tokens, precision 2/3, recall 1.
    assert quality.token_f1("a a b", "a b") == pytest.approx(0.8)


def test_captions_with_one_missing_and_one_repeated():
    assert quality.caption_counts(["Ảnh 1", "Ảnh 2"], ["Ảnh 1", "Ảnh 2", "Ảnh 3"]) == (2, 2, 3)
    assert quality.caption_counts(["Ảnh 1", "Ảnh 1"], ["Ảnh 1"]) == (1, 2, 1)
    assert quality.micro_f1(2, 2, 3) == pytest.approx(0.8)
    assert quality.micro_f1(0, 0, 2) == 0.0
    assert quality.micro_f1(0, 0, 0) is None


def test_dates_compare_to_the_minute_as_instants():
    truth = "2024-05-15T10:48:00+07:00"
    assert quality.same_minute("2024-05-15T10:48:59+07:00", truth)
    assert quality.same_minute("2024-05-15T03:48:00+00:00", truth)
    assert not quality.same_minute("2024-05-15T10:49:00+07:00", truth)
    assert not quality.same_minute(None, truth)
    assert not quality.same_minute("15/05/2024", truth)


def test_dates_compare_by_day_in_the_truth_zone():
    truth = "2024-05-16T00:30:00+07:00"
    assert quality.same_day("2024-05-16", truth)  # trafilatura's bare day
    assert quality.same_day("2024-05-15T17:30:00+00:00", truth)
    assert not quality.same_day("2024-05-15", truth)


def test_exact_match_collapses_white_space_and_treats_two_nulls_as_equal():
    assert quality.exact("Thu  Hà ", "Thu Hà")
    assert quality.exact(None, None)
    assert quality.exact("", None)
    assert not quality.exact("Thu Hà", None)


def truth(**fields):
    record = {"id": "1", "title": "T", "lead": None, "author": "A", "captions": ["c"]}
    return {**record, "body": "x y z", "published_at": "2024-05-15T10:48:00+07:00", **fields}


def test_tally_scores_pages_and_counts_misses_and_invented_dates():
    tally = quality.Tally()
    tally.add(truth(), truth())  # perfect
    tally.add(None, truth(id="2"))  # not taken for an article: misses every field
    tally.add(truth(), truth(id="3", published_at=None))  # a date the page does not have
    figures = {name: value for name, (value, _) in tally.figures().items()}
    assert figures["title"] == pytest.approx(2 / 3)
    assert figures["lead"] == 1.0  # null lead on both sides matches
    assert figures["date_minute"] == 0.5  # of the two pages whose truth has a date
    assert figures["wrong_dates"] == 1.0
    assert figures["captions_f1"] == pytest.approx(0.8)  # 2 hits, 2 given, 3 expected
    assert figures["body_f1"] == pytest.approx(2 / 3)
    assert tally.not_articles == 1
    assert tally.missed == {"title": 1, "author": 1, "published_at": 1, "captions": 1, "body": 1}
    assert tally.failures["wrong_date"] == ["3"]


def test_report_shows_both_extractors_and_the_summary_line():
    ours, theirs = quality.Tally(), quality.Tally()
    ours.add(truth(), truth())
    theirs.add({"title": "T", "published_at": "2024-05-15", "body": "x y"}, truth())
    group = {quality.OURS: ours, quality.THEIRS: theirs}
    table = quality.table("t", group)
    assert "captions F1 (micro)         1.000 (1/1/1)         n/a" in table
    line = quality.summary(1, 1, group)
    assert line.startswith("QUALITY pages=1 templates=1 title=1.000 date_minute=1.000 ")
    assert line.endswith("| trafilatura title=1.000 date_day=1.000 author=0.000 body_f1=0.800")
