"""``tinkhac sites``: the registry as a table or JSON Lines, filtered, run as a real command."""

from __future__ import annotations

import json

from conftest import run_tinkhac

from crawler.registry import load_sites


def _json(*args: str) -> list[dict]:
    process = run_tinkhac("sites", "--json", *args, timeout=60)
    assert process.returncode == 0, process.stderr
    return [json.loads(line) for line in process.stdout.splitlines()]


def test_json_lists_every_site_with_its_province_state_and_evidence():
    records = _json()
    assert [r["key"] for r in records] == sorted(load_sites())
    assert len(records) >= 55 and len({r["province"] for r in records}) == 26
    for record in records:
        assert record["province"] and record["evidence"] and record["name"]
        assert record["state"] == ("active" if record["active"] else "archived")
    vptu = next(r for r in records if r["key"] == "quangninh-vptu")
    assert vptu["allowed_paths"] == ["/bannganh/VPTUQN/"]


def test_province_filter_takes_either_name_without_case_or_diacritics():
    after = {r["key"] for r in _json("--province", "dak lak")}
    before = {r["key"] for r in _json("--province", "PHÚ YÊN")}
    assert after == before == {"phuyen", "phuyen-btg"}
    # NFD input is the same name
    assert {r["key"] for r in _json("--province", "Ta\u0302y Ninh")} >= {"tayninh", "longan"}


def test_state_filters_split_the_registry():
    active = _json("--active")
    archived = _json("--archived")
    assert active and archived and all(r["active"] for r in active)
    assert not any(r["active"] for r in archived)
    assert len(active) + len(archived) == len(load_sites())
    both = {r["key"] for r in _json("--province", "Tây Ninh", "--archived")}
    assert "longan" in both and "tayninh" not in both


def test_the_table_shows_province_and_state_and_an_unknown_province_exits_2():
    process = run_tinkhac("sites", "--province", "an giang", timeout=60)
    assert process.returncode == 0
    lines = process.stdout.splitlines()
    assert "province" in lines[0] and "state" in lines[0]
    assert any(
        "kiengiang-noibo" in line and "archived" in line and "Kiên Giang" in line for line in lines
    )
    process = run_tinkhac("sites", "--province", "Atlantis", timeout=60)
    assert process.returncode == 2 and "Atlantis" in process.stderr
