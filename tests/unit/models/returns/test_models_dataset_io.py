"""Training tables: Parquet and CSV round trips, and errors that name the column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.returns import dataset
from models.returns.dataset import DataError
from models.returns.table_io import read_table, write_table


@pytest.fixture(scope="module")
def columns() -> dict[str, np.ndarray]:
    return dataset.synthetic_columns(800, seed=21)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_round_trip_gives_identical_features(
    columns: dict[str, np.ndarray], tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"returns{suffix}"
    write_table(columns, path)
    loaded = dataset.load(path, tasks=("fraud", "wardrobing"))
    direct = dataset.from_columns(columns, source="memory", tasks=("fraud",))
    np.testing.assert_array_equal(loaded.feature_matrix(), direct.feature_matrix())
    np.testing.assert_array_equal(loaded.labels["fraud"], direct.labels["fraud"])
    np.testing.assert_array_equal(loaded.posterior["wardrobing"], direct.posterior["wardrobing"])
    assert loaded.inputs == direct.inputs


def _broken(columns: dict[str, np.ndarray], tmp_path: Path, **change: Any) -> Path:
    table = dict(columns)
    for name, value in change.items():
        if value is None:
            del table[name]
        else:
            table[name] = value
    path = tmp_path / "broken.parquet"
    write_table(table, path)
    return path


def test_missing_columns_are_named(columns: dict[str, np.ndarray], tmp_path: Path) -> None:
    path = _broken(columns, tmp_path, chargebacks=None, is_fraud=None)
    with pytest.raises(DataError, match=r"missing column\(s\): 'chargebacks', 'is_fraud'"):
        dataset.load(path, tasks=("fraud",))


def test_optional_columns_may_be_absent(columns: dict[str, np.ndarray], tmp_path: Path) -> None:
    path = _broken(columns, tmp_path, condition=None, items_in_order=None, is_wardrobing=None)
    data = dataset.load(path, tasks=("fraud",))
    assert {inp.condition for inp in data.inputs} == {"not_inspected"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "lifetime_orders",
            lambda n: np.array(["many"] * n, dtype=object),
            "'lifetime_orders': expected",
        ),
        (
            "account_age_days",
            lambda n: np.array(["old"] * n, dtype=object),
            "'account_age_days': expected numbers",
        ),
        ("item_category", lambda n: np.arange(n), "'item_category': expected category labels"),
        (
            "channel",
            lambda n: np.array(["fax"] * n, dtype=object),
            "'channel': unknown values \\['fax'\\]",
        ),
        ("final_sale", lambda n: np.full(n, 2), "'final_sale': expected booleans"),
        ("is_fraud", lambda n: np.full(n, 0.5), "'is_fraud': labels must be"),
        (
            "requested_on",
            lambda n: np.array(["soon"] * n, dtype=object),
            "'requested_on': expected dates",
        ),
        ("order_value", lambda n: np.full(n, np.nan), "'order_value': missing value at row 0"),
        ("returns_365d", lambda n: np.full(n, 1.5), "'returns_365d': expected whole numbers"),
    ],
)
def test_mistyped_columns_are_named(
    columns: dict[str, np.ndarray], tmp_path: Path, name: str, value: Any, message: str
) -> None:
    path = _broken(columns, tmp_path, **{name: value(len(columns[name]))})
    with pytest.raises(DataError, match=message):
        dataset.load(path, tasks=("fraud",))


def test_bad_value_names_column_and_row(columns: dict[str, np.ndarray]) -> None:
    table = dict(columns)
    prices = table["item_price"].copy()
    prices[5] = -3.0
    table["item_price"] = prices
    with pytest.raises(DataError, match=r"column 'item_price', row 5: .*>= 0"):
        dataset.from_columns(table, source="memory")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unsupported file type"):
        read_table(tmp_path / "x.xlsx")
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "x.csv")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="cannot read parquet"):
        read_table(tmp_path / "bad.parquet")


def test_rows_come_out_in_time_order(columns: dict[str, np.ndarray]) -> None:
    table = {k: v[::-1].copy() for k, v in columns.items()}
    data = dataset.from_columns(table, source="reversed")
    days = [inp.requested_on for inp in data.inputs]
    assert days == sorted(days)


def _csv_lines(columns: dict[str, np.ndarray], tmp_path: Path) -> tuple[list[str], list[str]]:
    """The CSV writer's header cells and data lines (no value holds a comma)."""
    path = tmp_path / "table.csv"
    write_table(columns, path)
    header, *rows = path.read_text().splitlines()
    return header.split(","), rows


def test_duplicated_header_is_named(columns: dict[str, np.ndarray], tmp_path: Path) -> None:
    header, rows = _csv_lines(columns, tmp_path)
    header[header.index('"channel"')] = '"order_value"'
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([",".join(header), *rows]) + "\n")
    with pytest.raises(DataError, match=r"duplicated column name\(s\): 'order_value' \(2 times\)"):
        read_table(path)


@pytest.mark.parametrize("kind", ["0/1", "true/false"])
def test_blank_labels_are_counted_with_the_first_row_in_file_order(
    columns: dict[str, np.ndarray], tmp_path: Path, kind: str
) -> None:
    # Newest first, so the file's order is not the (date) order training sorts into.
    table = {k: v[::-1].copy() for k, v in columns.items()}
    if kind == "true/false":
        table["is_fraud"] = table["is_fraud"].astype(bool)
    header, rows = _csv_lines(table, tmp_path)
    at = header.index('"is_fraud"')
    blank = (99, 16, 40)
    for row in blank:
        cells = rows[row].split(",")
        cells[at] = ""
        rows[row] = ",".join(cells)
    path = tmp_path / "blank.csv"
    path.write_text("\n".join([",".join(header), *rows]) + "\n")
    message = (
        "column 'is_fraud': 3 blank value(s), first at row 16 (data rows counted from 0, "
        "header excluded); every row needs a 0/1 or true/false label"
    )
    with pytest.raises(DataError) as caught:
        dataset.load(path, tasks=("fraud",))
    assert str(caught.value) == message


def test_missing_value_row_is_counted_in_file_order(columns: dict[str, np.ndarray]) -> None:
    table = {k: v[::-1].copy() for k, v in columns.items()}
    values = table["order_value"].astype(np.float64)
    values[[30, 7]] = np.nan
    table["order_value"] = values
    with pytest.raises(DataError, match=r"'order_value': missing value at row 7$"):
        dataset.from_columns(table, source="memory")


def test_absent_optional_columns_are_listed(columns: dict[str, np.ndarray]) -> None:
    assert dataset.from_columns(columns, source="memory").defaulted == ()
    table = {k: v for k, v in columns.items() if k not in ("condition", "items_in_order")}
    data = dataset.from_columns(table, source="memory")
    assert data.defaulted == ("condition", "items_in_order")
    assert data.subset(slice(0, 10)).defaulted == data.defaulted
    assert set(dataset.OPTIONAL_DEFAULTS) == set(dataset.INPUT_COLUMNS) - set(
        dataset.REQUIRED_COLUMNS
    )
