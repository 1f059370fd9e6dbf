"""Tables as analysts keep them: read and write CSV and Excel files the way Excel and WPS do.

A CSV saved by Excel or WPS on Chinese Windows is GBK (GB18030 is its superset); one saved by a
Mac or a script is UTF-8, with or without a BOM. Every command that reads a table accepts all of
them and `.xlsx`; every CSV the product writes is UTF-8 *with* a BOM, the one form that Excel and
WPS open without mojibake; `--output x.xlsx` writes Excel directly.

Reading streams (bounded memory for any number of rows): the encoding is decided by a first pass
over the bytes, which also counts the rows for the progress bar.
"""

from __future__ import annotations

import codecs
import csv
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from yuqing.errors import BadInput

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # tried in this order; GB18030 covers GBK and GB2312
_CHUNK = 1 << 20
# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TableInfo:
    path: Path
    header: list[str]
    rows: int  # data rows, for the progress bar
    encoding: str  # "xlsx" for a workbook


def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def sniff_encoding(path: Path) -> str:
    """The encoding a CSV file is in: UTF-8 (BOM or not) if every byte decodes, else GB18030.

    The whole file is checked incrementally (a GBK file can be pure ASCII for megabytes), so the
    answer never depends on where the first Chinese character happens to be."""
    if _decodes(path, "utf-8") is None:
        return "utf-8-sig"
    if (error := _decodes(path, "gb18030")) is not None:
        raise BadInput(f"{path}：无法识别的文字编码（既不是 UTF-8，也不是 GBK/GB18030）：{error}") from error
    return "gb18030"


def _decodes(path: Path, codec: str) -> UnicodeDecodeError | None:
    """None when the whole file decodes as `codec`, else the first error."""
    decoder = codecs.getincrementaldecoder(codec)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return exc
    return None


def _excel_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise BadInput(f"{path}：不是可读的 Excel 工作簿（{type(exc).__name__}: {exc}）") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in values]
    finally:
        book.close()


def inspect(path: Path) -> TableInfo:
    """Header, row count and encoding of a table, or a BadInput saying why it cannot be read."""
    path = Path(path)
    if is_excel(path):
        rows = _excel_rows(path)
        header = next(rows, None)
        if header is None:
            raise BadInput(f"{path}：空文件（没有表头）")
        return TableInfo(path, _clean_header(header), sum(1 for _ in rows), "xlsx")
    encoding = sniff_encoding(path)
    csv.field_size_limit(min(sys.maxsize, 1 << 30))
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise BadInput(f"{path}：空文件（没有表头）")
            total = sum(1 for _ in reader)
    except csv.Error as exc:
        raise BadInput(f"{path}：不是可读的 CSV（{exc}）") from exc
    return TableInfo(path, _clean_header(header), total, encoding)


def _clean_header(header: list[str]) -> list[str]:
    names = [h.strip().lstrip("\ufeff") for h in header]
    while names and not names[-1]:  # a sheet's used range can be wider than its header
        names.pop()
    return names


@contextmanager
def dict_rows(info: TableInfo):
    """A csv.DictReader-like iterator over the table's rows (dicts keyed by the header).

    For CSV it is a real DictReader, so a caller can catch `csv.Error` per line and read
    `line_num`; surplus fields of a ragged row sit under the key None, as csv puts them."""
    if info.encoding == "xlsx":
        def rows():
            it = _excel_rows(info.path)
            next(it, None)
            width = len(info.header)
            for values in it:
                if not any(v.strip() for v in values):
                    continue
                row = dict(zip(info.header, values[:width], strict=False))
                for name in info.header[len(values):]:
                    row[name] = None
                extra = [v for v in values[width:] if v != ""]
                if extra:
                    row[None] = extra
                yield row
        yield rows()
        return
    with info.path.open(encoding=info.encoding, newline="") as handle:
        reader = csv.DictReader(handle)
        _ = reader.fieldnames  # reads the header line
        reader.fieldnames = info.header  # the cleaned names (no stray spaces or BOM)
        yield reader


def defuse(value: str) -> str:
    """A cell that a spreadsheet would run as a formula is kept as text."""
    return "'" + value if value and value.startswith(FORMULA_PREFIXES) else value


class TableWriter:
    """Write rows to `.csv` (UTF-8 with BOM) or `.xlsx`, atomically: the file appears whole or not at all."""

    def __init__(self, path: Path, fieldnames: list[str], *, defuse_formulas: bool = False) -> None:
        self.path = Path(path)
        self.fieldnames = list(fieldnames)
        self.defuse_formulas = defuse_formulas
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        self._handle = None
        self._writer = None
        self._book = None
        self._sheet = None

    def __enter__(self) -> TableWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if is_excel(self.path):
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("data")
            self._sheet.append(self.fieldnames)
        else:
            self._handle = self._tmp.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.DictWriter(self._handle, fieldnames=self.fieldnames, extrasaction="ignore")
            self._writer.writeheader()
        return self

    def writerow(self, row: dict) -> None:
        if self.defuse_formulas:
            row = {k: defuse(v) if isinstance(v, str) else v for k, v in row.items()}
        if self._sheet is not None:
            self._sheet.append([_cell(row.get(name)) for name in self.fieldnames])
        else:
            self._writer.writerow(row)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self._book is not None:
                if exc_type is None:
                    self._book.save(self._tmp)
            elif self._handle is not None:
                self._handle.close()
            if exc_type is None:
                os.replace(self._tmp, self.path)
        finally:
            if self._tmp.exists():
                self._tmp.unlink()


_ILLEGAL_XML = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])


def _cell(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value.translate(_ILLEGAL_XML)  # control characters are illegal in the XML of a sheet
    return value
