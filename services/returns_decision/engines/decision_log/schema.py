"""The decision log's layout and columns: the one definition the service writes by and
training (``models.returns.decisions``) reads by.

A decision is written as one row per returned item. Columns named like ``RiskInput``'s
fields hold the model input exactly as it was scored, so they are a training table's input
columns as they stand; ``features`` holds the row ``build_features`` made of it. New
columns may be added (e.g. a shadow model's scores): readers must take a column that
older files lack as null, and a file's ``decision_log_schema`` metadata says which
version wrote it.

Standard library and pyarrow only: the service imports it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped]

from services.returns_decision.engines.risk.features import RiskInput

# /2 added the shadow columns; files of /1 lack them (read as null).
SCHEMA_VERSION: Final = "decision-log/2"
SCHEMA_METADATA_KEY: Final = b"decision_log_schema"

# <dir>/decisions/date=YYYY-MM-DD/part-<UTC time>-<pid>-<seq>.parquet, one file per flush.
DECISIONS_DIR: Final = "decisions"
PARTITION_PREFIX: Final = "date="
PART_GLOB: Final = "part-*.parquet"
# The index of logged lines and the outcomes recorded for them (SQLite, WAL mode).
INDEX_FILE: Final = "index.sqlite"

# Tables of the index. `lines` has one row per logged (tenant, request, line);
# `outcomes` the merged outcome per line, a NULL where it is not known.
LINES_TABLE: Final = "lines"
OUTCOMES_TABLE: Final = "outcomes"
KEY_COLUMNS: Final = ("tenant_id", "request_id", "line_item_id")
# Outcome columns: the core's ReturnOutcome fields; the enums stored by their value
# ("used", "resold"), booleans as 0/1.
OUTCOME_COLUMNS: Final = (
    "received",
    "inspected_condition",
    "disposition",
    "charged_back",
    "fraud_confirmed",
    "wardrobing_confirmed",
)

_UTC_MICROS = pa.timestamp("us", tz="UTC")


def _arrow_type(hint: Any) -> Any:
    if hint is dt.date:
        return pa.date32()
    if hint is bool:
        return pa.bool_()
    if hint is int:
        return pa.int64()
    if hint is str:
        return pa.string()
    if hint is float or (
        isinstance(hint, types.UnionType) and set(typing.get_args(hint)) == {float, type(None)}
    ):
        return pa.float64()
    raise TypeError(f"no Arrow type for {hint!r}")  # pragma: no cover - guards RiskInput edits


_HINTS = typing.get_type_hints(RiskInput)
# The model input columns, named and typed like RiskInput's fields.
INPUT_COLUMNS: Final = tuple(f.name for f in dataclasses.fields(RiskInput))

# Who, when and under what: repeated on each row of a decision.
DECISION_FIELDS: Final = (
    pa.field("request_id", pa.string(), nullable=False),
    pa.field("tenant_id", pa.string(), nullable=False),
    pa.field("decided_at", _UTC_MICROS, nullable=False),  # wall clock of the decision
    pa.field("evaluated_at", _UTC_MICROS, nullable=False),  # the instant windows counted to
    pa.field("order_id", pa.string()),  # ids only: never names, addresses or text
    pa.field("customer_id", pa.string()),
    pa.field("policy_label", pa.string()),
    pa.field("policy_hash", pa.string()),
    pa.field("fraud_model_version", pa.string()),  # null when risk is not scored
    pa.field("wardrobing_model_version", pa.string()),
    pa.field("request_outcome", pa.string()),
    pa.field("refund_total_minor", pa.int64()),
    pa.field("currency", pa.string()),
)
# The item: its decision, its scores, and what the models scored.
ITEM_FIELDS: Final = (
    pa.field("line_item_id", pa.string(), nullable=False),
    pa.field("item_index", pa.int32(), nullable=False),
    pa.field("item_outcome", pa.string()),
    pa.field("refund_method", pa.string()),
    pa.field("refund_minor", pa.int64()),
    pa.field("exchange_offered", pa.bool_()),
    pa.field("label_required", pa.bool_()),
    pa.field("inspection_required", pa.bool_()),
    pa.field("net_recovery_minor", pa.int64()),
    pa.field("reason_codes", pa.list_(pa.string())),
    pa.field("fraud_score", pa.float64()),  # calibrated
    pa.field("fraud_raw_score", pa.float64()),  # the booster's output
    pa.field("fraud_band", pa.string()),
    pa.field("wardrobing_score", pa.float64()),
    pa.field("wardrobing_raw_score", pa.float64()),
    pa.field("wardrobing_band", pa.string()),
    pa.field("feature_schema", pa.string()),  # features.SCHEMA_VERSION of `features`
    pa.field("features", pa.list_(pa.float64())),  # build_features, FEATURE_NAMES order
    *(pa.field(name, _arrow_type(_HINTS[name])) for name in INPUT_COLUMNS),
)
# The versions marked shadow, scored on the same row and logged, never served: null when
# no shadow was set (and in files written before these columns existed).
SHADOW_FIELDS: Final = tuple(
    pa.field(f"{model}_shadow_{part}", kind)
    for model in ("fraud", "wardrobing")
    for part, kind in (
        ("version", pa.string()),
        ("score", pa.float64()),
        ("raw_score", pa.float64()),
        ("band", pa.string()),
    )
)

DECISION_SCHEMA: Final = pa.schema(
    [*DECISION_FIELDS, *ITEM_FIELDS, *SHADOW_FIELDS],
    metadata={SCHEMA_METADATA_KEY: SCHEMA_VERSION.encode()},
)
COLUMNS: Final = tuple(DECISION_SCHEMA.names)


def partition_dir(root: Path, day: dt.date) -> Path:
    return root / DECISIONS_DIR / f"{PARTITION_PREFIX}{day.isoformat()}"


def part_files(root: Path) -> list[Path]:
    """Every complete part file under a log directory, in name (time) order; files being
    written have another name until they are complete."""
    return sorted((root / DECISIONS_DIR).glob(f"{PARTITION_PREFIX}*/{PART_GLOB}"))
