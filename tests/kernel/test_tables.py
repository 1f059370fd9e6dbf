"""Tables as analysts keep them: GBK CSV from Excel/WPS on Chinese Windows, UTF-8 with and without
BOM, .xlsx; CSV written with a BOM so Excel and WPS open it right, .xlsx written directly."""

import csv

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli.main import main
from yuqing import tables
from yuqing.errors import BadInput

ROWS = [["1", "小区门口垃圾三天没人清理", "12"], ["2", "公司拖欠工资半年，社保也没交", "3"]]
HEADER = ["id", "text", "likes"]


def _csv_bytes(encoding: str) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"),
                                                ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_csv_in_any_encoding_excel_or_wps_writes_is_read_right(tmp_path, encoding, expected):
    path = tmp_path / "in.csv"
    path.write_bytes(_csv_bytes(encoding))
    info = tables.inspect(path)
    assert (info.header, info.rows, info.encoding) == (HEADER, 2, expected)
    with tables.dict_rows(info) as rows:
        assert [dict(r) for r in rows] == [dict(zip(HEADER, r, strict=True)) for r in ROWS]


def test_gbk_whose_chinese_starts_late_is_still_gbk(tmp_path):
    path = tmp_path / "late.csv"
    path.write_bytes(b"id,text\n" + b"".join(b"%d,ascii only\n" % i for i in range(50_000)) + "9,投诉噪音\n".encode("gbk"))
    info = tables.inspect(path)
    assert info.encoding == "gb18030" and info.rows == 50_001


def test_bytes_of_no_known_encoding_are_refused_with_a_reason(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"text\n\x81\x20\xff\xfe\n")
    with pytest.raises(BadInput, match="编码"):
        tables.inspect(path)


def test_xlsx_is_read_with_ragged_and_empty_rows(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append([None, None, None])
    sheet.append(["2", "公司拖欠工资半年，社保也没交", 3, "多余"])
    book.save(tmp_path / "in.xlsx")
    info = tables.inspect(tmp_path / "in.xlsx")
    with tables.dict_rows(info) as rows:
        got = list(rows)
    assert info.encoding == "xlsx" and len(got) == 2
    assert got[1]["likes"] == "3" and got[1][None] == ["多余"]


def test_csv_written_has_a_bom_and_xlsx_is_a_workbook_and_both_are_atomic(tmp_path):
    with tables.TableWriter(tmp_path / "out.csv", ["a", "b"]) as writer:
        writer.writerow({"a": "中文", "b": "=1+1"})
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with tables.TableWriter(tmp_path / "out.xlsx", ["a", "b"], defuse_formulas=True) as writer:
        writer.writerow({"a": "中文\x07", "b": "=1+1"})
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["a", "b"], ["中文", "'=1+1"]]
    with pytest.raises(RuntimeError), tables.TableWriter(tmp_path / "half.csv", ["a"]) as writer:
        writer.writerow({"a": "x"})
        raise RuntimeError("killed midway")
    assert not (tmp_path / "half.csv").exists() and list(tmp_path.glob(".half*")) == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_analyze_reads_a_gbk_csv_and_writes_csv_or_xlsx(tmp_path, suffix):
    source = tmp_path / "wps.csv"
    source.write_bytes(_csv_bytes("gbk"))
    out = tmp_path / f"out{suffix}"
    result = CliRunner().invoke(main, ["analyze", "--input", str(source), "--output", str(out), "--profile", "demo"])
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        with out.open(encoding="utf-8-sig", newline="") as handle:
            got = list(csv.DictReader(handle))
    else:
        rows = list(load_workbook(out).active.iter_rows(values_only=True))
        got = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [r["text"] for r in got] == [r[1] for r in ROWS]
    assert got[1]["topic"] == "劳动和社会保障"
