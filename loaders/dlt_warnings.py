"""dlt's warnings that are expected in our loads: one as a line, one dropped.

When a load sends a field only as null (an optional field the account does not use), dlt cannot
type it and warns in about ten lines per table, suggesting type hints. The columns the dbt models
read are declared (`loaders/raw_columns.py`), so these are fields nothing reads yet; dlt creates
their columns once a value arrives. The warning becomes one INFO line naming table and fields.

Each load extracts the data and then its `resource_outcomes` rows as two packages, normalized and
loaded together (`loaders/pipeline.py`); the second extract adds its table to the stored schema, so
dlt warns, for the first package, that the stored schema differs from the package's and uses the
stored one, which is what we want. That warning is dropped.

A load job the database refuses is retried, and dlt logs each try with the whole traceback twice
(about 30 lines a try, five tries); each becomes one line with the database's reason (`DEBUG=1`
keeps them whole). The loader's own error line says why the load failed.
"""

from __future__ import annotations

import logging
import re

from loaders import cli

_WARNING = re.compile(
    r"In schema `(?P<schema>[^`]+)`: The following columns in table '(?P<table>[^']+)' did not receive any data"
)
_COLUMN = re.compile(r"^\s+- (\S+)$", re.MULTILINE)
_NEWER_STORED_SCHEMA = re.compile(r"storage schema hash \S+ is different from extract package schema hash")


class EmptyFieldsNote(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _NEWER_STORED_SCHEMA.search(message):
            return False
        match = _WARNING.search(message)
        if match:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = (
                f"{match['schema']} {match['table']}: fields sent only empty so far, no column until a value "
                f"arrives (no model reads them): {', '.join(_COLUMN.findall(message))}"
            )
            record.args = None
        return True


class JobRetryLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not _JOB_TRY.match(message) or cli.debug():
            return True
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            reason = f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"
        else:  # the traceback is in the message: its exception line is the first one not indented
            lines = message.splitlines()[1:]
            reason = next((line for line in lines if line.strip() and not line.startswith((" ", "Traceback"))), "")
        record.msg = f"{message.split(' in file ')[0].split(' with message ')[0]}: {reason}"
        record.args, record.exc_info, record.exc_text = None, None, None
        return True


_JOB_TRY = re.compile(r"(Transient|Terminal) exception in job |Job for \S+ (retried|failed terminally) in load ")


def install() -> None:
    """Attach the filters to dlt's logger (idempotent)."""
    logger = logging.getLogger("dlt")
    for kind in (EmptyFieldsNote, JobRetryLine):
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
