"""``tinkhac export``: the crawls' output as one deduplicated dataset for analysis.

The command line calls ``add_arguments`` and ``run``; Python code calls ``export``.
"""

from crawler.export.command import ExportError, ExportResult, add_arguments, export, run

__all__ = ["ExportError", "ExportResult", "add_arguments", "export", "run"]
