"""dlt's warning about fields that were only ever sent empty, as one line.

When a load sends a field only as null (an optional field the account does not use), dlt cannot
type it and warns in about ten lines per table, suggesting type hints. The columns the dbt models
read are declared (`loaders/raw_columns.py`), so these are fields nothing reads yet; dlt creates
their columns once a value arrives. The warning becomes one INFO line naming table and fields.
"""

from __future__ import annotations

import logging
import re

_WARNING = re.compile(
    r"In schema `(?P<schema>[^`]+)`: The following columns in table '(?P<table>[^']+)' did not receive any data"
)
_COLUMN = re.compile(r"^\s+- (\S+)$", re.MULTILINE)


class EmptyFieldsNote(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        match = _WARNING.search(message)
        if match:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = (
                f"{match['schema']} {match['table']}: fields sent only empty so far, no column until a value "
                f"arrives (no model reads them): {', '.join(_COLUMN.findall(message))}"
            )
            record.args = None
        return True


def install() -> None:
    """Attach the filter to dlt's logger (idempotent)."""
    logger = logging.getLogger("dlt")
    if not any(isinstance(f, EmptyFieldsNote) for f in logger.filters):
        logger.addFilter(EmptyFieldsNote())
