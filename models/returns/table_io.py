"""Parquet and CSV tables as numpy columns (pyarrow does the parsing).

pyarrow ships no type information, so its use is confined to this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from models.returns.dataset import DataError

SUFFIXES = (".parquet", ".pq", ".csv")


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{path}: unsupported file type {suffix!r}; use one of {SUFFIXES}")
    return "csv" if suffix == ".csv" else "parquet"


def read_table(path: Path) -> dict[str, npt.NDArray[Any]]:
    fmt = _format(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        table = pq.read_table(path) if fmt == "parquet" else pa_csv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: cannot read {fmt}: {exc}") from None
    # pyarrow keeps repeated names (CSV headers allow them); which one is meant is unknowable.
    counts = Counter(table.column_names)
    repeated = [f"{name!r} ({n} times)" for name, n in counts.items() if n > 1]
    if repeated:
        raise DataError(f"{path}: duplicated column name(s): {', '.join(repeated)}")
    return columns_of(table)


def columns_of(table: Any) -> dict[str, npt.NDArray[Any]]:
    """An Arrow table's columns as numpy arrays (dates as datetime64[D])."""
    columns: dict[str, npt.NDArray[Any]] = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            columns[name] = np.asarray(column.to_numpy(), dtype="datetime64[D]")
        else:
            columns[name] = np.asarray(column.to_numpy(zero_copy_only=False))
    return columns


def write_table(columns: Mapping[str, npt.NDArray[Any]], path: Path) -> None:
    fmt = _format(path)
    arrays = {}
    for name, values in columns.items():
        if values.dtype.kind == "M":
            arrays[name] = pa.array(values.astype("datetime64[D]"), type=pa.date32())
        elif values.dtype.kind == "O":
            arrays[name] = pa.array(values.tolist(), type=pa.string())
        else:
            arrays[name] = pa.array(values)
    table = pa.table(arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        pa_csv.write_csv(table, path)
