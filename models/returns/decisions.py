"""From the service's decision log to a training table (``python -m models dataset``).

Joins the logged decisions (``<dir>/decisions/date=*/part-*.parquet``, one row per
returned item) with the outcomes recorded for them through RecordOutcomes
(``<dir>/index.sqlite``), labels each line, and writes the training format of
``models/returns/dataset.py``: the logged model input columns, as the models scored them,
plus ``is_fraud`` and/or ``is_wardrobing``. The column names come from the service's
``engines/decision_log/schema.py``, the one definition both sides use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from models.returns.dataset import LABEL_COLUMNS, TASKS, DataError, Task
from services.returns_decision.engines.decision_log.schema import (
    DECISION_SCHEMA,
    INDEX_FILE,
    INPUT_COLUMNS,
    KEY_COLUMNS,
    OUTCOME_COLUMNS,
    OUTCOMES_TABLE,
    part_files,
)

DEFAULT_MATURITY_DAYS: Final = 90

LABELS_HELP: Final = """\
labels (per returned line):
  is_fraud = 1       fraud confirmed, or the payment charged back, or the item not received
                     back although it had to be sent back (label_required)
  is_fraud = 0       none of those, the return is mature, and its fraud outcome is known:
                     fraud cleared, or the item received
  is_wardrobing = 1  wardrobing confirmed
  is_wardrobing = 0  the return is mature and wardrobing cleared, or the item received and
                     inspected without a wardrobing verdict
  A return is mature when decided at least --maturity-days days before --as-of. A line
  with no label is dropped, never taken as a negative: younger than the maturity window
  ("immature") or mature with nothing known ("<task>_outcome_unknown"). Without --task a
  row needs both labels.
dropped, and why (counted in the report):
  superseded             an earlier record of the same request and line (a retry)
  decided_after_as_of    decided after --as-of
  not_scored             decided without risk scores (RETURNS_RISK_ENABLED=false)
  immature               no positive label yet and younger than the maturity window
  <task>_outcome_unknown mature, and nothing known that settles the label
The report (stderr, and <out>.report.json) also counts outcomes whose decision is not in
the log files (outcomes_without_decision)."""

ID_COLUMNS: Final = ("request_id", "tenant_id", "line_item_id", "decided_at")


@dataclass
class BuildReport:
    log_dir: str
    as_of: str
    maturity_days: int
    tasks: tuple[Task, ...]
    files: int = 0
    rows_read: int = 0
    rows_written: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    outcomes_read: int = 0
    outcomes_without_decision: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "log_dir": self.log_dir,
            "as_of": self.as_of,
            "maturity_days": self.maturity_days,
            "tasks": list(self.tasks),
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "dropped": dict(sorted(self.dropped.items())),
            "labels": self.labels,
            "outcomes_read": self.outcomes_read,
            "outcomes_without_decision": self.outcomes_without_decision,
        }

    def lines(self) -> list[str]:
        found = [
            f"{self.rows_read} logged lines in {self.files} files; {self.outcomes_read} outcomes "
            f"({self.outcomes_without_decision} without a logged decision)",
            f"as of {self.as_of}, maturity {self.maturity_days} days: "
            f"{self.rows_written} rows kept",
        ]
        found += [f"  dropped {n:>7}  {reason}" for reason, n in sorted(self.dropped.items())]
        for task, counts in self.labels.items():
            found.append(f"  {task}: {counts['positive']} positive, {counts['negative']} negative")
        return found


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def fraud_label(
    outcome: Mapping[str, Any] | None, label_required: bool, mature: bool
) -> int | None:
    if outcome is None:
        return None
    received = _flag(outcome["received"])
    fraud = _flag(outcome["fraud_confirmed"])
    if fraud is True or _flag(outcome["charged_back"]) is True:
        return 1
    if received is False and label_required:
        return 1
    if mature and (fraud is False or received is True):
        return 0
    return None


def wardrobing_label(outcome: Mapping[str, Any] | None, mature: bool) -> int | None:
    if outcome is None:
        return None
    wardrobing = _flag(outcome["wardrobing_confirmed"])
    if wardrobing is True:
        return 1
    inspected = _flag(outcome["received"]) is True and outcome["inspected_condition"] is not None
    if mature and (wardrobing is False or inspected):
        return 0
    return None


def read_log(
    log_dir: Path, wanted: Sequence[str], optional: Sequence[str] = ()
) -> tuple[dict[str, list[Any]], int]:
    """The ``wanted`` and ``optional`` columns of every logged row, and the number of files
    read. Files written before a column was added lack it: null there; an ``optional``
    column no file has yet (e.g. the shadow scores) is null throughout."""
    files = part_files(log_dir)
    if not files:
        raise DataError(f"{log_dir}: no decision log files (decisions/date=*/part-*.parquet)")
    try:
        tables = [pq.read_table(p) for p in files]
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{log_dir}: cannot read the decision log: {exc}") from None
    table = pa.concat_tables(tables, promote_options="default")
    missing = [c for c in wanted if c not in table.column_names]
    if missing:
        raise DataError(f"{log_dir}: the decision log lacks column(s) {missing}")
    present = [c for c in (*wanted, *optional) if c in table.column_names]
    columns: dict[str, list[Any]] = table.select(present).to_pydict()
    columns.update({c: [None] * table.num_rows for c in optional if c not in columns})
    return columns, len(files)


def latest(columns: Mapping[str, list[Any]]) -> dict[tuple[str, str, str], int]:
    """Per (tenant, request, line), the index of its latest record (a retry is logged again)."""
    found: dict[tuple[str, str, str], int] = {}
    for i in range(len(columns["request_id"])):
        key = (columns["tenant_id"][i], columns["request_id"][i], columns["line_item_id"][i])
        kept = found.get(key)
        if kept is None or columns["decided_at"][i] >= columns["decided_at"][kept]:
            found[key] = i
    return found


def _read_decisions(log_dir: Path) -> tuple[dict[str, list[Any]], int]:
    return read_log(log_dir, [*ID_COLUMNS, "label_required", *INPUT_COLUMNS])


def _read_outcomes(log_dir: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    path = log_dir / INDEX_FILE
    if not path.exists():
        return {}
    names = [*KEY_COLUMNS, *OUTCOME_COLUMNS]
    query = f"SELECT {', '.join(names)} FROM {OUTCOMES_TABLE}"  # noqa: S608 - schema's names
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute(query).fetchall()
    return {tuple(row[:3]): dict(zip(names, row, strict=True)) for row in rows}


def build(
    log_dir: Path, *, as_of: dt.date, maturity_days: int, tasks: Sequence[Task] = TASKS
) -> tuple[dict[str, list[Any]], BuildReport]:
    """The training table's columns and what was kept and dropped, and why."""
    report = BuildReport(str(log_dir), as_of.isoformat(), maturity_days, tuple(tasks))
    columns, report.files = _read_decisions(log_dir)
    outcomes = _read_outcomes(log_dir)
    report.outcomes_read = len(outcomes)
    n = len(columns["request_id"])
    report.rows_read = n

    kept = latest(columns)
    report.dropped["superseded"] = n - len(kept)
    report.outcomes_without_decision = sum(1 for key in outcomes if key not in kept)

    out: dict[str, list[Any]] = {name: [] for name in (*ID_COLUMNS, *INPUT_COLUMNS)}
    out.update({LABEL_COLUMNS[t]: [] for t in tasks})
    counts = {t: Counter[int]() for t in tasks}
    mature_before = as_of - dt.timedelta(days=maturity_days)
    for key, i in sorted(kept.items(), key=lambda kv: kv[1]):
        decided_on = columns["decided_at"][i].date()
        if decided_on > as_of:
            report.dropped["decided_after_as_of"] += 1
            continue
        if columns["requested_on"][i] is None:
            report.dropped["not_scored"] += 1
            continue
        mature = decided_on <= mature_before
        outcome = outcomes.get(key)
        labels: dict[Task, int | None] = {
            "fraud": fraud_label(outcome, bool(columns["label_required"][i]), mature),
            "wardrobing": wardrobing_label(outcome, mature),
        }
        unknown = [t for t in tasks if labels[t] is None]
        if unknown:
            report.dropped["immature" if not mature else f"{unknown[0]}_outcome_unknown"] += 1
            continue
        for name in (*ID_COLUMNS, *INPUT_COLUMNS):
            out[name].append(columns[name][i])
        for task in tasks:
            out[LABEL_COLUMNS[task]].append(labels[task])
            counts[task][labels[task] or 0] += 1
    report.dropped = Counter({k: v for k, v in report.dropped.items() if v})
    report.rows_written = len(out["request_id"])
    report.labels = {t: {"positive": counts[t][1], "negative": counts[t][0]} for t in tasks}
    return out, report


def write(columns: Mapping[str, list[Any]], path: Path) -> None:
    """Writes the table as Parquet, the input columns typed as the log types them."""
    types = {f.name: f.type for f in DECISION_SCHEMA}
    arrays = {
        name: pa.array(values, type=types.get(name, pa.int8())) for name, values in columns.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(arrays), path)


def report_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.report.json")


def add_command(sub: Any) -> None:
    """The `dataset` subcommand of ``python -m models``."""
    p = sub.add_parser(
        "dataset",
        help="build a training table from the returns service's decision log and outcomes",
        description="Joins the decision log's decisions and the outcomes recorded for them "
        "(RecordOutcomes) into the training format (models/returns/dataset.py), labelled "
        "as below; see docs/decision-log.md.",
        epilog=LABELS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--from-decisions",
        dest="from_decisions",
        metavar="DIR",
        type=Path,
        required=True,
        help="the decision log directory (RETURNS_DECISION_LOG_DIR, default var/decision-log)",
    )
    p.add_argument("--out", type=Path, required=True, help="the Parquet table to write")
    p.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE",
        type=dt.date.fromisoformat,
        default=dt.datetime.now(dt.UTC).date(),
        help="YYYY-MM-DD: maturity is counted to this day; later decisions are left out "
        "(default: today, UTC)",
    )
    p.add_argument(
        "--maturity-days",
        dest="maturity_days",
        metavar="N",
        type=int,
        default=DEFAULT_MATURITY_DAYS,
        help=f"days a return needs before a missing fraud or wardrobing finding counts as "
        f"a negative (default {DEFAULT_MATURITY_DAYS})",
    )
    p.add_argument(
        "--task",
        choices=TASKS,
        help="label only this task (default: both, and a row needs both labels)",
    )


def run(args: argparse.Namespace) -> int:
    tasks: tuple[Task, ...] = (args.task,) if args.task else TASKS
    if args.maturity_days < 0:
        raise DataError(f"--maturity-days must be >= 0, got {args.maturity_days}")
    columns, report = build(
        args.from_decisions, as_of=args.as_of, maturity_days=args.maturity_days, tasks=tasks
    )
    report_file = report_path(args.out)
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    for line in report.lines():
        print(line, file=sys.stderr)
    if not report.rows_written:
        raise DataError(f"no row has a label; nothing written (report: {report_file})")
    write(columns, args.out)
    print(
        f"wrote {report.rows_written} rows to {args.out} (report: {report_file})", file=sys.stderr
    )
    return 0
