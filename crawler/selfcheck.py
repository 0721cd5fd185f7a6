"""The self-check: signs in a run's own figures that discovery or a field is failing.

The breakage alarm (``crawler/report.py``) compares a run with the site's history, so it
is silent on the first crawl of a new site. These flags need no history: they read the
counts the spider kept in this run (``tinkhac/listings/…``, ``tinkhac/articles/…``,
``tinkhac/fields/…``) and name what looks wrong, so a user sees the problem on the first
crawl and not after months.

- ``suspect_discovery:few_listing_links``: listing pages link few articles (the start URL
  is not a listing, or the listing's article links are not recognised);
- ``suspect_discovery:mostly_related``: most articles were reached only through related
  blocks, so the listings are not being read;
- ``suspect_discovery:pager_not_followed``: a listing stopped on page 1 while it showed a
  pager (a pager form the data does not know);
- ``suspect_field:<field>``: most article pages show the field (a date element, a byline,
  a caption) but the records lack it.
"""

from __future__ import annotations

from typing import Any

#: Judged only on runs that read at least this many articles (or listing pages).
MIN_SAMPLE = 5
#: Fewer article links than this per listing page, on average, is suspect: a real listing
#: shows five to twenty, a small one two or three, and one that is not read as a listing
#: (a start URL that is an article, links no pattern knows) next to none.
MIN_LINKS_PER_LISTING = 1
#: More than this share of articles reached only through related blocks is suspect (a
#: site whose newest articles are not listed yet may have half of them so).
MAX_RELATED_ONLY_SHARE = 2 / 3
#: A field is judged when at least this share of article pages shows it...
MIN_SHOWN_SHARE = 0.5
#: ...and is suspect when the records lack it on more than this share of those pages.
MAX_MISSING_SHARE = 0.5
FIELDS = ("published_at", "author", "captions")


def selfcheck(stats: dict[str, Any]) -> list[str]:
    """The suspect flags of one site's run, read from its crawl stats."""
    flags = []
    listings = stats.get("tinkhac/pages/start", 0) + stats.get("tinkhac/pages/listing", 0)
    links = stats.get("tinkhac/listings/article_links", 0)
    read = stats.get("tinkhac/articles/read", 0)
    starts = stats.get("tinkhac/listings/start_urls", 0)  # none: a --url run
    if starts and links < MIN_LINKS_PER_LISTING * max(listings, 1):
        flags.append("suspect_discovery:few_listing_links")
    if read >= MIN_SAMPLE and stats.get("tinkhac/articles/related_only", 0) > (
        MAX_RELATED_ONLY_SHARE * read
    ):
        flags.append("suspect_discovery:mostly_related")
    if stats.get("tinkhac/listings/pager_not_followed", 0):
        flags.append("suspect_discovery:pager_not_followed")
    articles = stats.get("tinkhac/pages/article", 0)
    if articles >= MIN_SAMPLE:
        for name in FIELDS:
            shown = stats.get(f"tinkhac/fields/shown/{name}", 0)
            missing = stats.get(f"tinkhac/fields/missing/{name}", 0)
            if shown >= MIN_SHOWN_SHARE * articles and missing > MAX_MISSING_SHARE * shown:
                flags.append(f"suspect_field:{name}")
    return flags
