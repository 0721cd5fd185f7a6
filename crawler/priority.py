"""Which requests go first: Scrapy's ``priority`` from what a link's URL suggests.

URLs do not decide what a page is (the page does, see crawler/pages.py), but they are good
hints of what it is worth: with one or two requests at a time per site and a delay between
them, a link that looks like an article of the family is opened before the next page of a
listing, and that before a category; a link whose path names the site's own about or
contact page comes last. A run cut short (``--max-articles``, a stop, a timeout) then has
spent its requests on articles.
"""

from __future__ import annotations

from crawler.families import Profile
from crawler.links import is_article_link
from crawler.parsing.article import plain_path
from crawler.parsing.labels import FURNITURE_PATH

ARTICLE, NEXT_PAGE, CATEGORY, STATIC_PAGE = 2, 1, 0, -1


def request_priority(url: str, profile: Profile | None, role: str, page: int = 1) -> int:
    """The priority of a request for ``url``, asked for as ``role`` ("article",
    "listing"); ``page`` is the listing page's number in its walk."""
    if role == "article":
        return ARTICLE if profile is not None and is_article_link(url, profile) else NEXT_PAGE
    if page > 1:
        return NEXT_PAGE
    return STATIC_PAGE if FURNITURE_PATH.search(plain_path(url)) else CATEGORY
