"""`yuqing analyze --input IN.csv --output OUT.csv`: analyse a CSV of texts, streaming in batches
(bounded memory for any number of rows). Every input column is written back, followed by the
analysis; a row that cannot be analysed keeps its columns and says why in `error`."""

from __future__ import annotations

import csv
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from nlp.analyze import AnalysisResult, Analyzer
from yuqing import tables
from yuqing.errors import BadInput

log = logging.getLogger(__name__)
BATCH = 256
OUTPUT_COLUMNS = ("topic", "topic_prob", "topic_level2", "relevant", "urgency", "urgency_signals", "sentiment",
                  "sentiment_score", "places", "jurisdiction", "keywords", "spam", "spam_reason", "triage", "emotion",
                  "negative_intensity", "error")
ENGAGEMENT = ("likes", "reposts", "comments")


@dataclass
class BatchReport:
    rows: int = 0
    analysed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, reason: str) -> None:
        self.errors[reason] = self.errors.get(reason, 0) + 1

    def describe(self) -> str:
        failed = "，".join(f"{why} {n} 行" for why, n in sorted(self.errors.items())) or "无"
        return f"读取 {self.rows} 行，分析 {self.analysed} 行；error 列有内容的行：{failed}"


def _count(engagement: str | None) -> tuple[int, str | None]:
    if engagement is None or not str(engagement).strip():
        return 0, None
    try:
        value = int(float(str(engagement).replace(",", "").strip()))
    except ValueError:
        return 0, f"not a number: {engagement!r}"
    return max(value, 0), None


def result_columns(result: AnalysisResult) -> dict[str, str]:
    return {
        "topic": result.topic or "", "topic_prob": f"{result.topic_prob:.4f}", "topic_level2": result.topic_level2 or "",
        "relevant": "true" if result.relevant else "false", "urgency": str(result.urgency),
        "urgency_signals": "; ".join(result.urgency_signals), "sentiment": result.sentiment,
        "sentiment_score": f"{result.sentiment_score:.4f}", "places": "; ".join(result.places),
        "jurisdiction": result.jurisdiction or "", "keywords": "; ".join(result.keywords),
        "spam": "true" if result.spam else "false", "spam_reason": result.spam_reason or "",
        "triage": "true" if result.needs_triage else "false",
        "emotion": result.emotion or "", "negative_intensity": f"{result.negative_intensity:.4f}",
    }


def _prepare(row: dict) -> tuple[tuple | None, str | None]:
    """The analyser's input for one CSV row, or the reason it cannot be analysed."""
    problems = []
    if None in row:  # csv puts surplus fields of a ragged row under the key None
        problems.append(f"{len(row.pop(None))} field(s) beyond the header ignored")
    text, title = row.get("text"), row.get("title")
    if text is None:
        return None, "; ".join(problems + ["row has fewer fields than the header (no text)"])
    if not (text.strip() or (title or "").strip()):
        return None, "; ".join(problems + ["empty text"])
    counts = []
    for name in ENGAGEMENT:
        value, problem = _count(row.get(name))
        counts.append(value)
        if problem:
            problems.append(f"{name} {problem}; taken as 0")
    return (title or "", text, *counts), ("; ".join(problems) or None)


def analyze_csv(input_path: Path, output_path: Path, analyzer: Analyzer, *, progress: bool = True,
                batch_size: int = BATCH) -> BatchReport:
    report = BatchReport()
    info = tables.inspect(input_path)
    header, total = info.header, info.rows
    if "text" not in header:
        raise BadInput(f"{input_path}：需要 `text` 列；现有列：{'、'.join(header) or '无'}")
    out_fields = list(dict.fromkeys(header + [c for c in OUTPUT_COLUMNS if c not in header]))
    with tables.dict_rows(info) as reader, tables.TableWriter(output_path, out_fields) as writer:
        bar = tqdm(total=total, desc="analyse", unit="row", disable=not progress, file=sys.stderr)
        pending: list[tuple[dict, tuple | None, str | None]] = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # a broken line: report it in the output and go on with the next
                report.rows += 1
                line = getattr(reader, "line_num", report.rows)
                log.warning("%s line %s: %s", input_path, line, exc)
                pending.append(({}, None, f"unreadable CSV line {line}: {exc}"))
                continue
            report.rows += 1
            post, problem = _prepare(row)
            pending.append((row, post, problem))
            if len(pending) >= batch_size:
                _flush(pending, analyzer, writer, report)
                bar.update(len(pending))
                pending = []
        if pending:
            _flush(pending, analyzer, writer, report)
            bar.update(len(pending))
        bar.close()
    return report


def _flush(pending, analyzer: Analyzer, writer: tables.TableWriter, report: BatchReport) -> None:
    ready = [(i, post) for i, (_, post, _) in enumerate(pending) if post is not None]
    results: dict[int, AnalysisResult | str] = {}
    try:
        for (i, _), result in zip(ready, analyzer.analyze_many([post for _, post in ready]), strict=True):
            results[i] = result
    except Exception:  # one poisonous row must not cost the batch: retry one by one, name the culprit
        log.exception("batch failed; analysing its rows one by one")
        for i, post in ready:
            try:
                results[i] = analyzer.analyze_many([post])[0]
            except Exception as exc:
                results[i] = f"analysis failed: {type(exc).__name__}: {exc}"
    for i, (row, _post, problem) in enumerate(pending):
        out = dict(row)
        result = results.get(i)
        if isinstance(result, AnalysisResult):
            out.update(result_columns(result))
            report.analysed += 1
            out["error"] = problem or ""
            if problem:
                report.error("analysed with a warning")
        else:
            reason = result if isinstance(result, str) else (problem or "not analysed")
            out["error"] = reason
            report.error(reason.split(":")[0].split(" line ")[0])
            log.warning("row not analysed: %s", reason)
        writer.writerow(out)
