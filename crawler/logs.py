"""Where a run's log goes: all of it to ``<output>/logs/<run-id>.log``, little to stderr.

Scrapy's own root handler would print every INFO line on stderr (about a thousand for a
crawl of eight small sites), which buries the summary table, breaks the progress line
and fills cron mail. Instead a run logs INFO and up to its file, and stderr gets only
warnings and errors, one line each (tracebacks stay in the file), unless ``--verbose``
asks for everything or ``--quiet`` for errors only. Old log files are pruned so that a
scheduled run's logs never grow without bound.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

QUIET, NORMAL, VERBOSE = -1, 0, 1
#: What stderr shows at each verbosity.
STDERR_LEVELS = {QUIET: logging.ERROR, NORMAL: logging.WARNING, VERBOSE: logging.DEBUG}
FILE_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"

_installed: list[logging.Handler] = []


class _OneLine(logging.Formatter):
    """``LEVEL: message`` without the traceback; it is in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage().splitlines()[0] if record.getMessage() else ""
        if record.exc_info or record.exc_text:
            text += " (traceback in the log file)"
        return f"{record.levelname.lower()}: {text}"


class _StderrHandler(logging.StreamHandler):
    """Clears a progress line on the terminal before a message, so neither is broken up."""

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream.isatty():
            self.stream.write("\r\033[K")
        super().emit(record)


def configure(verbosity: int = NORMAL, log_path: Path | None = None) -> None:
    """Send the log to stderr at the verbosity's level and, when given, all of it to a file.

    Call it before Scrapy's ``CrawlerProcess`` is made, with ``LOG_INSTALL_ROOT_HANDLER``
    off, so that Scrapy's first lines already go here.
    """
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
    _installed.clear()
    stderr = _StderrHandler(sys.stderr)
    stderr.setLevel(STDERR_LEVELS.get(verbosity, logging.WARNING))
    if verbosity >= VERBOSE:
        stderr.setFormatter(logging.Formatter(FILE_FORMAT))
    else:
        stderr.setFormatter(_OneLine())
    _installed.append(stderr)
    level = logging.DEBUG if verbosity >= VERBOSE else logging.INFO
    if log_path is not None:
        file_handler = logging.FileHandler(log_path, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
        file_handler.setLevel(level)
        _installed.append(file_handler)
    for handler in _installed:
        root.addHandler(handler)
    root.setLevel(level if log_path is not None else stderr.level)


def run_log(output_dir: Path, run_id: str, keep: int) -> Path:
    """The log file of a run; older ones beyond the newest ``keep`` are deleted."""
    folder = output_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.log"
    path.touch()
    prune(folder, keep)
    return path


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` logs (run ids sort by time); return those deleted."""
    logs = sorted(folder.glob("*.log"))
    old = logs[: max(0, len(logs) - max(keep, 1))]
    for path in old:
        path.unlink(missing_ok=True)
    return old
