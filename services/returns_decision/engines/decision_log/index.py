"""The SQLite index next to the decision log: which (tenant, request, line) were logged,
and the outcome recorded for each, merged field by field.

Only the writer thread uses a connection (SQLite connections stay on the thread that made
them). Worker processes share the file: WAL mode lets one write while the others read, and
a busy writer is waited for rather than failed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from services.returns_decision.core.outcomes import Disposition, ReturnOutcome
from services.returns_decision.core.requests import ItemCondition
from services.returns_decision.engines.decision_log.records import log_key
from services.returns_decision.engines.decision_log.schema import (
    LINES_TABLE,
    OUTCOME_COLUMNS,
    OUTCOMES_TABLE,
)

_KEY = "tenant_id TEXT NOT NULL, request_id TEXT NOT NULL, line_item_id TEXT NOT NULL"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {LINES_TABLE} ({_KEY}, decided_at REAL NOT NULL, "
    "PRIMARY KEY (tenant_id, request_id, line_item_id)) WITHOUT ROWID",
    f"CREATE TABLE IF NOT EXISTS {OUTCOMES_TABLE} ({_KEY}, "
    "received INTEGER, inspected_condition TEXT, disposition TEXT, charged_back INTEGER, "
    "fraud_confirmed INTEGER, wardrobing_confirmed INTEGER, updated_at REAL NOT NULL, "
    "PRIMARY KEY (tenant_id, request_id, line_item_id)) WITHOUT ROWID",
)
# SQL is built from schema.py's constant names only; values always go in as parameters.
_COLUMNS = ", ".join(OUTCOME_COLUMNS)
_MARKS = ", ".join("?" * (len(OUTCOME_COLUMNS) + 4))
_WHERE_KEY = "WHERE tenant_id = ? AND request_id = ? AND line_item_id = ?"
_ADD_LINE = f"INSERT OR REPLACE INTO {LINES_TABLE} VALUES (?, ?, ?, ?)"  # noqa: S608
_FIND_LINE = f"SELECT 1 FROM {LINES_TABLE} {_WHERE_KEY}"  # noqa: S608
_FIND_OUTCOME = f"SELECT {_COLUMNS} FROM {OUTCOMES_TABLE} {_WHERE_KEY}"  # noqa: S608
# Last write per field wins; a field the new outcome does not know keeps its value.
_UPSERT = (
    f"INSERT INTO {OUTCOMES_TABLE} (tenant_id, request_id, line_item_id, {_COLUMNS}, "  # noqa: S608
    f"updated_at) VALUES ({_MARKS}) "
    "ON CONFLICT (tenant_id, request_id, line_item_id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, {c})" for c in OUTCOME_COLUMNS)
    + ", updated_at = excluded.updated_at"
)


def _db_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, ItemCondition | Disposition):
        return value.value
    return value


class LogIndex:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=10.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        for statement in _CREATE:
            self.db.execute(statement)

    def add_lines(self, rows: Iterable[tuple[str, str, str, float]]) -> None:
        with self.db:  # one transaction per batch
            self.db.execute("BEGIN")
            self.db.executemany(_ADD_LINE, rows)

    def record_outcomes(
        self, tenant_id: str, outcomes: Sequence[ReturnOutcome], now: float
    ) -> list[ReturnOutcome | None]:
        results: list[ReturnOutcome | None] = []
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for outcome in outcomes:
                key = (tenant_id, log_key(outcome.request_id), outcome.line_item_id)
                known = self.db.execute(_FIND_LINE, key).fetchone()
                if known is None:
                    results.append(None)
                    continue
                values = [_db_value(getattr(outcome, c)) for c in OUTCOME_COLUMNS]
                self.db.execute(_UPSERT, (*key, *values, now))
                stored = self.db.execute(_FIND_OUTCOME, key).fetchone()
                results.append(_outcome(outcome.request_id, outcome.line_item_id, stored))
        return results

    def close(self) -> None:
        self.db.close()


def _outcome(request_id: str, line_item_id: str, row: Sequence[Any]) -> ReturnOutcome:
    received, condition, disposition, charged_back, fraud, wardrobing = row

    def flag(value: int | None) -> bool | None:
        return None if value is None else bool(value)

    return ReturnOutcome(
        request_id=request_id,
        line_item_id=line_item_id,
        received=flag(received),
        inspected_condition=None if condition is None else ItemCondition(condition),
        disposition=None if disposition is None else Disposition(disposition),
        charged_back=flag(charged_back),
        fraud_confirmed=flag(fraud),
        wardrobing_confirmed=flag(wardrobing),
    )
