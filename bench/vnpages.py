"""Generic extraction on pages shaped like Vietnam's news templates: ours and trafilatura.

    python bench/vnpages.py

The real-page corpus (``bench/realpages.py``) holds no Vietnamese page, so this scores the
hand-built pages of ``tests/pages/generic/vn-*.html`` (VnExpress, Tuổi Trẻ, Thanh Niên, Dân
trí, Nhân Dân, VietnamPlus, Báo Chính phủ, QĐND, provincial papers and Party portals), each
with its expected ``.json``, with the same figures and table as ``bench/quality.py``. Our
record is read as ``tinkhac parse URL`` reads a page of no family. The last line is::

    VNPAGES pages=… tinkhac title=… lead=… author=… date_minute=… captions_f1=… body_f1=…
    | trafilatura title=… lead=… author=… date_day=… body_f1=…
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.quality import (  # noqa: E402
    OURS,
    THEIRS,
    Page,
    Tally,
    fmt,
    ours,
    table,
    trafilatura_record,
)

PAGES = ROOT / "tests" / "pages" / "generic"


def load_pages() -> list[Page]:
    """The Vietnamese-template pages with their expected records, in name order."""
    pages = []
    for path in sorted(PAGES.glob("vn-*.html")):
        truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        truth["id"] = path.stem
        html = path.read_text(encoding="utf-8")
        pages.append(Page(path.stem, "generic", "example", truth["url"], html, truth))
    return pages


def main() -> None:
    logging.disable(logging.WARNING)  # trafilatura's and htmldate's chatter
    pages = load_pages()
    group = {OURS: Tally(), THEIRS: Tally()}
    for page in pages:
        group[OURS].add(ours(page), page.truth)
        group[THEIRS].add(trafilatura_record(page), page.truth)
    print(table(f"{len(pages)} pages shaped like Vietnamese news templates", group))
    print(f"our misses: {group[OURS].failures or 'none'}")
    mine = {name: value for name, (value, _) in group[OURS].figures().items()}
    theirs = {name: value for name, (value, _) in group[THEIRS].figures().items()}
    print(
        f"VNPAGES pages={len(pages)} tinkhac title={fmt(mine['title'])} lead={fmt(mine['lead'])} "
        f"author={fmt(mine['author'])} date_minute={fmt(mine['date_minute'])} "
        f"captions_f1={fmt(mine['captions_f1'])} body_f1={fmt(mine['body_f1'])} "
        f"| trafilatura title={fmt(theirs['title'])} lead={fmt(theirs['lead'])} "
        f"author={fmt(theirs['author'])} date_day={fmt(theirs['date_day'])} "
        f"body_f1={fmt(theirs['body_f1'])}"
    )


if __name__ == "__main__":
    main()
