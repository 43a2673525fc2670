"""Training data for the returns risk models: columns in, validated ``RiskInput`` rows out.

A table (Parquet, CSV, or the synthetic generator's columns) has one column per
``RiskInput`` field, named like the field, plus one label column per task (``is_fraud``,
``is_wardrobing``: 0/1). The column types follow the field types; anything missing or
mistyped is a ``DataError`` that names the column (and the row, for bad values).

Rows in messages are counted as in the table itself (before sorting by date), from 0 and
without the header: row 0 is the first data row, line 2 of a CSV file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from models.returns import synthetic
from services.returns_decision.engines.risk.features import (
    CATEGORY_FIELDS,
    FEATURE_NAMES,
    FeatureError,
    RiskInput,
    build_features,
)

Task = Literal["fraud", "wardrobing"]
TASKS: Final[tuple[Task, ...]] = ("fraud", "wardrobing")
LABEL_COLUMNS: Final[Mapping[Task, str]] = {"fraud": "is_fraud", "wardrobing": "is_wardrobing"}
# Optional: the generator's true posterior, written by `models synth`, read back if present.
POSTERIOR_COLUMNS: Final[Mapping[Task, str]] = {
    "fraud": "bayes_fraud",
    "wardrobing": "bayes_wardrobing",
}

ColumnKind = Literal["date", "float", "optional_float", "int", "bool", "category"]


class DataError(ValueError):
    """Training data that cannot be used; the message names the column."""


def _column_kinds() -> dict[str, ColumnKind]:
    hints = typing.get_type_hints(RiskInput)
    kinds: dict[str, ColumnKind] = {}
    for field in dataclasses.fields(RiskInput):
        hint = hints[field.name]
        kind: ColumnKind
        if field.name in CATEGORY_FIELDS:
            kind = "category"
        elif hint is dt.date:
            kind = "date"
        elif hint is bool:
            kind = "bool"
        elif hint is int:
            kind = "int"
        elif hint is float:
            kind = "float"
        elif isinstance(hint, types.UnionType) and set(typing.get_args(hint)) == {
            float,
            type(None),
        }:
            kind = "optional_float"
        else:  # pragma: no cover - guards RiskInput edits
            raise TypeError(f"RiskInput.{field.name}: no column kind for {hint!r}")
        kinds[field.name] = kind
    return kinds


# Column name -> kind, derived from RiskInput itself so the two cannot disagree.
INPUT_COLUMNS: Final = _column_kinds()
REQUIRED_COLUMNS: Final = tuple(
    f.name for f in dataclasses.fields(RiskInput) if f.default is dataclasses.MISSING
)
# Optional column -> the value every row gets when the table lacks the column.
OPTIONAL_DEFAULTS: Final[Mapping[str, Any]] = {
    f.name: f.default for f in dataclasses.fields(RiskInput) if f.default is not dataclasses.MISSING
}


@dataclass(frozen=True)
class ReturnsDataset:
    """Validated rows in time order, with labels per task."""

    inputs: list[RiskInput]
    labels: dict[Task, npt.NDArray[np.int8]]
    posterior: dict[Task, npt.NDArray[np.float64]]
    source: str
    # Optional input columns the table lacked: constant (RiskInput's default) in every row,
    # so the model cannot learn from them.
    defaulted: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.inputs)

    def feature_matrix(self) -> npt.NDArray[np.float64]:
        """The model inputs, built row by row with the same function the service uses."""
        matrix = np.array([build_features(inp) for inp in self.inputs], dtype=np.float64)
        return matrix.reshape(len(self.inputs), len(FEATURE_NAMES))

    def subset(self, index: slice) -> ReturnsDataset:
        return ReturnsDataset(
            inputs=self.inputs[index],
            labels={k: v[index] for k, v in self.labels.items()},
            posterior={k: v[index] for k, v in self.posterior.items()},
            source=self.source,
            defaulted=self.defaulted,
        )


def fingerprint(features: npt.NDArray[np.float64], labels: npt.NDArray[np.int8]) -> str:
    """Identifies the exact training data: hash of the feature matrix and labels."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(features).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()[:16]


def _as_dates(name: str, values: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    try:
        dates = np.asarray(values).astype("datetime64[D]")
    except (ValueError, TypeError) as exc:
        raise DataError(f"column {name!r}: expected dates (YYYY-MM-DD): {exc}") from None
    if np.isnat(dates).any():
        raise DataError(f"column {name!r}: missing date at row {int(np.isnat(dates).argmax())}")
    return dates


def _first_row(mask: npt.NDArray[np.bool_], order: npt.NDArray[np.intp]) -> int:
    """The earliest flagged row in the table's own order (``mask`` is in sorted order)."""
    return int(order[mask].min())


def _as_numbers(
    name: str, values: npt.NDArray[Any], order: npt.NDArray[np.intp], *, allow_missing: bool
) -> list[Any]:
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        # Nulls in an otherwise numeric column (pyarrow hands these back as objects).
        if not all(v is None or isinstance(v, int | float) for v in arr.tolist()):
            raise DataError(f"column {name!r}: expected numbers, got {_describe(arr)}")
        arr = np.array([np.nan if v is None else v for v in arr.tolist()], dtype=np.float64)
    if arr.dtype.kind not in "iuf":
        raise DataError(f"column {name!r}: expected numbers, got {_describe(arr)}")
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        if missing.any() and not allow_missing:
            raise DataError(f"column {name!r}: missing value at row {_first_row(missing, order)}")
        return [
            None if m else float(v) for v, m in zip(arr.tolist(), missing.tolist(), strict=True)
        ]
    return [float(v) for v in arr.tolist()]


def _as_ints(name: str, values: npt.NDArray[Any], order: npt.NDArray[np.intp]) -> list[int]:
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return [int(v) for v in arr.tolist()]
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        if missing.any():
            raise DataError(f"column {name!r}: missing value at row {_first_row(missing, order)}")
        if (arr != np.round(arr)).any():
            raise DataError(f"column {name!r}: expected whole numbers")
        return [int(v) for v in arr.tolist()]
    raise DataError(f"column {name!r}: expected integers, got {_describe(arr)}")


def _as_bools(name: str, values: npt.NDArray[Any]) -> list[bool]:
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        return [bool(v) for v in arr.tolist()]
    if arr.dtype.kind in "iu" and np.isin(arr, (0, 1)).all():
        return [bool(v) for v in arr.tolist()]
    raise DataError(f"column {name!r}: expected booleans (true/false or 0/1), got {_describe(arr)}")


def _as_categories(name: str, values: npt.NDArray[Any]) -> list[str]:
    arr = np.asarray(values)
    if arr.dtype.kind not in "OUT" or not all(isinstance(v, str) for v in arr.tolist()):
        raise DataError(f"column {name!r}: expected category labels (text), got {_describe(arr)}")
    allowed = CATEGORY_FIELDS[name]
    unknown = sorted(set(arr.tolist()) - set(allowed))
    if unknown:
        raise DataError(f"column {name!r}: unknown values {unknown[:5]}; expected one of {allowed}")
    return [str(v) for v in arr.tolist()]


def _describe(arr: npt.NDArray[Any]) -> str:
    sample = next((v for v in arr.tolist() if v is not None), None)
    return f"dtype {arr.dtype} (e.g. {sample!r})"


def _blank(arr: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Empty cells: NaN in numbers, None in booleans (pyarrow's nulls), "" in text."""
    if arr.dtype.kind == "f":
        nan: npt.NDArray[np.bool_] = np.isnan(arr)
        return nan
    if arr.dtype.kind in "OUT":
        return np.array(
            [
                v is None
                or (isinstance(v, float) and math.isnan(v))
                or (isinstance(v, str) and not v.strip())
                for v in arr.tolist()
            ],
            dtype=np.bool_,
        )
    return np.zeros(len(arr), dtype=np.bool_)


def _labels(name: str, values: npt.NDArray[Any]) -> npt.NDArray[np.int8]:
    """Labels in the table's own order (so blank rows are reported as the file numbers them)."""
    arr = np.asarray(values)
    blank = _blank(arr)
    if blank.any():
        raise DataError(
            f"column {name!r}: {int(blank.sum())} blank value(s), first at row "
            f"{int(blank.argmax())} (data rows counted from 0, header excluded); every row "
            "needs a 0/1 or true/false label"
        )
    if arr.dtype.kind == "b" or (arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all()):
        return arr.astype(np.int8)
    raise DataError(f"column {name!r}: labels must be 0/1 or true/false, got {_describe(arr)}")


def from_columns(
    columns: Mapping[str, npt.NDArray[Any]],
    *,
    source: str,
    tasks: Sequence[Task] = (),
) -> ReturnsDataset:
    """Validates columns and builds rows sorted by ``requested_on`` (stable)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    missing += [LABEL_COLUMNS[t] for t in tasks if LABEL_COLUMNS[t] not in columns]
    if missing:
        raise DataError(f"missing column(s): {', '.join(repr(c) for c in missing)}")
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise DataError(f"columns have different lengths: {sorted(lengths)}")
    n = lengths.pop()
    if n == 0:
        raise DataError("the table has no rows")

    dates = _as_dates("requested_on", columns["requested_on"])
    order = np.argsort(dates, kind="stable")
    parsed: dict[str, list[Any]] = {"requested_on": dates[order].astype(dt.date).tolist()}
    for name, kind in INPUT_COLUMNS.items():
        if name == "requested_on" or name not in columns:
            continue
        values = np.asarray(columns[name])[order]
        if kind == "category":
            parsed[name] = _as_categories(name, values)
        elif kind == "bool":
            parsed[name] = _as_bools(name, values)
        elif kind == "int":
            parsed[name] = _as_ints(name, values, order)
        else:
            parsed[name] = _as_numbers(name, values, order, allow_missing=kind == "optional_float")

    names = list(parsed)
    inputs: list[RiskInput] = []
    for i, row in enumerate(zip(*(parsed[k] for k in names), strict=True)):
        try:
            inputs.append(RiskInput(**dict(zip(names, row, strict=True))))
        except FeatureError as exc:
            raise DataError(f"column {exc.field!r}, row {int(order[i])}: {exc}") from None

    labels = {
        t: _labels(LABEL_COLUMNS[t], np.asarray(columns[LABEL_COLUMNS[t]]))[order]
        for t in TASKS
        if LABEL_COLUMNS[t] in columns
    }
    posterior = {
        t: np.asarray(columns[POSTERIOR_COLUMNS[t]], dtype=np.float64)[order]
        for t in TASKS
        if POSTERIOR_COLUMNS[t] in columns
    }
    defaulted = tuple(c for c in OPTIONAL_DEFAULTS if c not in columns)
    return ReturnsDataset(
        inputs=inputs, labels=labels, posterior=posterior, source=source, defaulted=defaulted
    )


def synthetic_columns(rows: int, seed: int) -> dict[str, npt.NDArray[Any]]:
    """The generator's rows as a table: inputs, labels and the true posterior."""
    gen = synthetic.generate(rows, seed)
    columns = dict(gen.columns)
    for task in TASKS:
        columns[LABEL_COLUMNS[task]] = gen.labels[task]
        columns[POSTERIOR_COLUMNS[task]] = gen.posterior[task]
    return columns


def from_synthetic(rows: int, seed: int) -> ReturnsDataset:
    return from_columns(
        synthetic_columns(rows, seed), source=f"synthetic(rows={rows}, seed={seed})", tasks=TASKS
    )


def load(path: Path, tasks: Sequence[Task]) -> ReturnsDataset:
    """Reads a Parquet or CSV table and validates it for ``tasks``."""
    from models.returns.table_io import read_table  # pyarrow is needed only for files

    return from_columns(read_table(path), source=str(path), tasks=tasks)
