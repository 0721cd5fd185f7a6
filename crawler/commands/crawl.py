"""``scrapy crawl news -a site=KEY``: Scrapy's crawl, with the site checked before it starts.

A spider that raises in its constructor makes Scrapy print a traceback; a mistyped site
key or sites file is a user's mistake, so it gets one line and exit code 2, as with
``tinkhac``.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.registry import RegistryError, load_sites

EXIT_COULD_NOT_RUN = 2


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and args[0] == "news":
            problem = news_arguments_problem(opts.spargs)
            if problem:
                print(f"scrapy crawl news: {problem}", file=sys.stderr)
                self.exitcode = EXIT_COULD_NOT_RUN
                return
        super().run(args, opts)


def news_arguments_problem(spargs: dict[str, str]) -> str | None:
    """What is wrong with the news spider's ``-a`` arguments, or None."""
    site = spargs.get("site")
    if not site:
        return "which site? pass -a site=KEY (see `tinkhac sites`)"
    try:
        sites = load_sites(spargs.get("sites"))
    except RegistryError as exc:
        return str(exc)
    if site not in sites:
        return f"unknown site {site!r}; `tinkhac sites` lists the known keys"
    url = spargs.get("url")
    if url is not None and (
        urlsplit(url).scheme not in ("http", "https") or not sites[site].matches(url)
    ):
        return f"-a url={url} is not an http(s) page of the site {site}"
    return None
