"""Scrapy commands of the project (``COMMANDS_MODULE``): ``crawl`` checks its arguments."""
