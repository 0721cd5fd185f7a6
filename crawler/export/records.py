"""What the export accepts as a record, and the keys it merges and sorts records by.

A line is kept only if it is a record as ``schema/article.schema.json`` describes it
(types, required fields, date-times that parse), so that ``schema.json`` in an export is
true of every exported record whatever an old or crashed run left behind. Times are
compared as instants, not as strings, because offsets may differ between versions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any

from crawler.items import FIELD_NAMES

SCHEMA_RESOURCE = "schema/article.schema.json"
#: Bumped whenever the exported record or the manifest changes shape.
EXPORT_SCHEMA_VERSION = 1
SEEN_FIELDS = ("first_seen", "last_seen")
COLUMNS = (*FIELD_NAMES, *SEEN_FIELDS)
#: The sites' own zone: a published_at without an offset is read in it.
SITE_TZ = timezone(timedelta(hours=7))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: A compiled checker of one value; its second argument names the value in messages.
Check = Callable[[Any, str], None]
_JSON_TYPES: dict[str, type] = {"string": str, "array": list, "object": dict, "null": type(None)}


class MalformedRecordError(ValueError):
    """A line that is not a record of the schema; the message says what is wrong."""


def article_schema() -> dict[str, Any]:
    """The crawler's record schema, as shipped inside the ``crawler`` package."""
    text = resources.files("crawler").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


def export_schema() -> dict[str, Any]:
    """The record schema of an export: the crawler's, plus when the article was seen."""
    schema = article_schema()
    seen = {
        "first_seen": "The earliest fetched_at among the versions of the article merged.",
        "last_seen": "The latest fetched_at among the versions merged (the one exported).",
    }
    schema["$id"] = schema["$id"].replace("article.schema.json", "export-article.schema.json")
    schema["title"] = "tinkhac exported article record"
    schema["required"] = [*schema["required"], *SEEN_FIELDS]
    for name, description in seen.items():
        schema["properties"][name] = {
            "type": "string",
            "format": "date-time",
            "description": f"{description} ISO 8601 UTC.",
        }
    return schema


def compile_check(schema: dict[str, Any]) -> Check:
    """A checker of values against the subset of JSON Schema the record schema uses.

    The schema is walked once, here: walking it again for each of a million lines would
    cost more than parsing them. A checker raises MalformedRecordError naming the field.
    """
    names = [schema["type"]] if isinstance(schema.get("type"), str) else schema.get("type", [])
    types = tuple(_JSON_TYPES[t] for t in names) or object
    min_length = schema.get("minLength", 0)
    is_date = schema.get("format") == "date-time"
    items = compile_check(schema["items"]) if "items" in schema else None
    members = _compile_object(schema) if "properties" in schema else None

    def check(value: Any, name: str) -> None:
        if not isinstance(value, types):
            raise MalformedRecordError(f"{name or 'the line'} is not {' or '.join(names)}")
        if isinstance(value, str):
            if len(value) < min_length:
                raise MalformedRecordError(f"{name} is empty")
            if is_date:
                instant(value, UTC, name)
        elif items is not None and isinstance(value, list):
            item_name = f"an item of {name}"
            for item in value:
                items(item, item_name)
        elif members is not None and isinstance(value, dict):
            members(value, name)

    return check


def _compile_object(schema: dict[str, Any]) -> Check:
    properties = {key: compile_check(sub) for key, sub in schema["properties"].items()}
    required = schema.get("required", [])
    closed = schema.get("additionalProperties") is False

    def check(value: dict[str, Any], name: str) -> None:
        missing = [key for key in required if key not in value]
        if missing:
            raise MalformedRecordError(f"{name or 'the line'} lacks {', '.join(missing)}")
        if closed and not value.keys() <= properties.keys():
            unknown = ", ".join(sorted(value.keys() - properties.keys()))
            raise MalformedRecordError(f"{name or 'the line'} has unknown field(s) {unknown}")
        for key, item in value.items():
            if key in properties:
                properties[key](item, f"{name}.{key}" if name else key)

    return check


def parse_record(raw: bytes, check: Check) -> dict[str, Any]:
    """The record on one line, or MalformedRecordError saying why it cannot be used."""
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRecordError(f"not JSON ({exc})") from None
    check(record, "")
    return record


def instant(text: str, default_tz: timezone, name: str = "date") -> datetime:
    """An ISO 8601 date-time as an aware datetime; one without offset is in default_tz."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedRecordError(f"{name} {text!r} is not an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=default_tz)


def micros(when: datetime) -> int:
    """Microseconds since the epoch: an exact, compact, sortable key for an instant."""
    return (when - _EPOCH) // timedelta(microseconds=1)


def iso_utc(key: int) -> str:
    """The instant of a micros() key, written the way the crawler writes fetched_at."""
    return (_EPOCH + timedelta(microseconds=key)).isoformat()


def version_keys(record: dict[str, Any]) -> tuple[int, int | None, str | None]:
    """(fetched, published) as micros() keys, and the publication day as the site prints it."""
    fetched = micros(instant(record["fetched_at"], UTC))
    if record["published_at"] is None:
        return fetched, None, None
    published = instant(record["published_at"], SITE_TZ)
    return fetched, micros(published), published.date().isoformat()
