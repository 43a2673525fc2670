"""`python -m tools.policy validate` and `bench`: what a person runs by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.returns_decision.returns_builders import BROKEN, POLICIES
from tools.policy.__main__ import main


def test_cli_validate(tmp_path: Path, capsys: Any) -> None:
    good = POLICIES / "apparel.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    assert main(["validate", str(good)]) == 0
    assert "ok (tenant northwind-apparel" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad), str(tmp_path / "missing.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:11: rules[0].then.outcome: unknown value 'REJECT'" in out
    assert "missing.yaml: cannot read" in out
    assert len([line for line in out.splitlines() if line.startswith(str(bad))]) == 17


def test_cli_bench_runs(capsys: Any) -> None:
    assert main(["bench", "--policies", str(POLICIES), "--repeat", "3"]) == 0
    out = capsys.readouterr().out
    assert "rules, 3 item(s)" in out
    assert "decide, 1 item(s)" in out
