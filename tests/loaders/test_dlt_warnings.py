"""dlt's multi-line warning about fields sent only empty becomes one INFO line naming them."""

from __future__ import annotations

import logging

import dlt

from loaders import dlt_warnings


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_fields_sent_only_empty_are_one_info_line(tmp_path):
    dlt_warnings.install()
    dlt_warnings.install()  # idempotent
    pipeline = dlt.pipeline(
        pipeline_name="empty_fields",
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="raw_ozon",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    dlt_logger, seen = logging.getLogger("dlt"), Records()  # dlt's logger does not propagate to pytest's
    dlt_logger.addHandler(seen)
    try:
        pipeline.run([{"posting_number": "1", "addressee": None, "legal_info": None}], table_name="postings_fbs")
    finally:
        dlt_logger.removeHandler(seen)

    notes = [r for r in seen.records if "sent only empty" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in notes] == [
        (
            "INFO",
            "empty_fields postings_fbs: fields sent only empty so far, no column until a value arrives"
            " (no model reads them): addressee, legal_info",
        )
    ]
    assert not [r for r in seen.records if r.levelno >= logging.WARNING and "did not receive" in r.getMessage()]
    assert len(dlt_logger.filters) == 2  # installed once: this filter and the job-retry one


def test_two_packages_loaded_together_raise_no_warning(tmp_path):
    """As each load does: the data, then its outcomes, extracted as two packages, then one
    normalize and load; dlt's note that the stored schema is newer than the first package's is dropped."""
    dlt_warnings.install()
    pipeline = dlt.pipeline(
        pipeline_name="two_packages",
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="raw_ozon",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    dlt_logger, seen = logging.getLogger("dlt"), Records()
    dlt_logger.addHandler(seen)
    try:
        pipeline.extract([{"posting_number": "1"}], table_name="postings_fbs")
        pipeline.extract([{"resource": "postings_fbs", "status": "ok"}], table_name="resource_outcomes")
        pipeline.normalize()
        pipeline.load()
    finally:
        dlt_logger.removeHandler(seen)

    assert not [r.getMessage() for r in seen.records if r.levelno >= logging.WARNING]
    with pipeline.sql_client() as client:
        assert client.execute_sql("select count(*) from resource_outcomes") == [(1,)]


def job_try(message: str, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error else None
    return logging.LogRecord("dlt", logging.ERROR, "load.py", 1, message, None, exc_info)


def test_a_job_the_database_refuses_is_one_line_per_try(monkeypatch):
    """dlt logs each try of a refused load job with its traceback, twice: one line each, the reason kept."""
    monkeypatch.delenv("DEBUG", raising=False)
    refused = ValueError('new row violates check constraint "refused"\nDETAIL:  Failing row contains (1)')
    raised = job_try("Transient exception in job stocks.1.csv.gz in file started_jobs/stocks.1.csv.gz", refused)
    retried = job_try(
        "Job for stocks.1.csv.gz retried in load 17 with message Traceback (most recent call last):\n"
        '  File "load.py", line 9, in run\nValueError: new row violates check constraint "refused"\nDETAIL:  row'
    )

    for record in (raised, retried):
        assert dlt_warnings.JobRetryLine().filter(record)

    assert (raised.getMessage(), raised.exc_info) == (
        'Transient exception in job stocks.1.csv.gz: ValueError: new row violates check constraint "refused"',
        None,
    )
    assert retried.getMessage() == (
        'Job for stocks.1.csv.gz retried in load 17: ValueError: new row violates check constraint "refused"'
    )
    monkeypatch.setenv("DEBUG", "1")
    whole = job_try("Transient exception in job stocks.1.csv.gz in file started_jobs/stocks.1.csv.gz", refused)
    dlt_warnings.JobRetryLine().filter(whole)
    assert whole.exc_info is not None and whole.getMessage().endswith("in file started_jobs/stocks.1.csv.gz")
