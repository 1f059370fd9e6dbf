"""CSV and Excel exports that are safe to open in a spreadsheet: a cell beginning with =, +, -, @
(or a tab/carriage return) would run as a formula (CSV/formula injection), so it gets a leading '."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    # a BOM so Excel opens the Chinese text as UTF-8
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[object]], *, title: str = "导出") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) if not hasattr(v, "tzinfo") else _naive(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _naive(moment):
    from yuqing.clock import to_local

    return to_local(moment).replace(tzinfo=None) if moment is not None else None
