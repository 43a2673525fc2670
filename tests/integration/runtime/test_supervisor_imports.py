"""The supervisor imports a service's SPEC module and never serves: that module must not
pull in the model libraries, which every worker loads anyway (~160 MiB per supervisor)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("lightgbm", "durable", "sklearn", "scipy", "numpy", "lingua", "vaderSentiment")


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("services.returns_decision.server", ()),
        ("services.triage.server", ()),
        ("services.translation.server", ("lingua",)),  # the detector is small
    ],
)
def test_spec_module_does_not_import_the_model_libraries(
    module: str, allowed: tuple[str, ...]
) -> None:
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    assert [m for m in loaded if m not in allowed] == []
