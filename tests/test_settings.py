"""The politeness defaults that small government servers are owed, and the record schema."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from scrapy.settings import Settings

from crawler import profiles
from crawler.items import FIELD_NAMES


@pytest.fixture
def settings() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def test_defaults_are_polite(settings):
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert settings.getint("RETRY_TIMES") >= 2
    assert {429, 503} <= set(settings.getlist("RETRY_HTTP_CODES"))
    agent = settings.get("USER_AGENT")
    assert "tinkhac" in agent and "https://" in agent
    assert settings.get("FEED_EXPORT_ENCODING") == "utf-8"


def test_replica_profile_only_lifts_delays(settings):
    lifted = set(profiles.REPLICA)
    assert "ROBOTSTXT_OBEY" not in lifted and "USER_AGENT" not in lifted
    assert lifted <= {
        "DOWNLOAD_DELAY", "DOWNLOAD_DELAY_JITTER", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS",
        "CONCURRENT_REQUESTS_PER_DOMAIN", "RETRY_TIMES", "DOWNLOAD_TIMEOUT",
        "TINKHAC_LOOPBACK_ONLY", "TINKHAC_RETRY_BACKOFF",
    }  # fmt: skip


def test_schema_and_item_agree():
    schema = json.loads(
        resources.files("crawler").joinpath("schema/article.schema.json").read_text("utf-8")
    )
    assert tuple(schema["properties"]) == FIELD_NAMES
    assert set(schema["required"]) == set(FIELD_NAMES)


def test_every_crawled_record_fits_the_schema(replica_crawl):
    schema = json.loads(
        resources.files("crawler").joinpath("schema/article.schema.json").read_text("utf-8")
    )
    records, _ = replica_crawl
    assert records
    for site_records in records.values():
        for record in site_records:
            jsonschema.validate(record, schema)


def test_crawls_read_robots_txt(replica_crawl, replica_server):
    for replica in replica_server:
        assert "/robots.txt" in replica.requests, replica.key
