"""A report file that comes as an XLSX workbook, turned into the `;`-separated UTF-8 CSV the report
parsers read. Ozon's schema calls the warehouse stock report's link an "XLSX-файл" while the files
seen so far were CSV: the loader reads whichever arrives."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from loaders.streaming import Download

ZIP_SIGNATURE = b"PK\x03\x04"  # an XLSX file is a ZIP archive


def as_csv(download: Download) -> Download:
    """`download` itself unless it is a workbook; else its first sheet as a CSV file beside it
    (empty rows left out, trailing empty cells dropped, shorter rows padded to the header's width),
    or, for a ZIP that is no readable workbook, `download` with the reason in `not_utf8` (which makes
    the report malformed)."""
    with download.path.open("rb") as file:
        if file.read(len(ZIP_SIGNATURE)) != ZIP_SIGNATURE:
            return download
        file.seek(0)
        try:
            # A file object, not the path: given a path, openpyxl refuses a name not ending in .xlsx.
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
            reason = f"the file is a ZIP archive but no readable XLSX workbook ({type(exc).__name__}: {exc})"
            return Download(download.path, download.status, download.size, reason)
        path = download.path.with_name(download.path.name + ".csv")
        _write_first_sheet(workbook, path)
    return Download(path, download.status, path.stat().st_size)


def _write_first_sheet(workbook: openpyxl.Workbook, path: Path) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            width = None
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                cells = [_text(value) for value in values]
                while cells and not cells[-1]:
                    cells.pop()
                if not cells:
                    continue
                width = width or len(cells)
                writer.writerow(cells + [""] * (width - len(cells)))
    finally:
        workbook.close()


def _text(value: object) -> str:
    """A cell as the CSV would have it: whole numbers without a decimal point, times in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
