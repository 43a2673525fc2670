"""`make check-generated` catches drift, and the client stubs install on their own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import protos
from services.common.paths import REPO_ROOT

REPO = REPO_ROOT


def test_committed_stubs_match_the_protos() -> None:
    assert protos.drift(protos.PROTO_ROOT, protos.OUT_ROOT) == []


def test_check_fails_when_a_proto_changes(tmp_path: Path) -> None:
    changed = tmp_path / "protos"
    shutil.copytree(protos.PROTO_ROOT, changed)
    proto = changed / "retail" / "triage" / "v1" / "triage.proto"
    text = proto.read_text()
    proto.write_text(
        text.replace(
            "  string language_hint = 5;",
            "  string language_hint = 5;\n  // A field added without regenerating.\n"
            "  string added_field = 99;",
        )
    )
    drifted = protos.drift(changed, protos.OUT_ROOT)
    assert "retail/triage/v1/triage_pb2.py" in drifted
    assert "retail/triage/v1/triage_pb2.pyi" in drifted
    # The CLI (what `make check-generated` runs) exits non-zero and names the file.
    result = subprocess.run(
        [sys.executable, "-m", "scripts.protos", "check", "--protos", str(changed)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "triage_pb2.py" in result.stderr


def test_check_fails_when_a_stub_is_edited_by_hand(tmp_path: Path) -> None:
    stubs = tmp_path / "src"
    shutil.copytree(protos.OUT_ROOT, stubs, ignore=shutil.ignore_patterns("__pycache__"))
    edited = stubs / "retail" / "translation" / "v1" / "translation_pb2_grpc.py"
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    assert protos.drift(protos.PROTO_ROOT, stubs) == [
        "retail/translation/v1/translation_pb2_grpc.py"
    ]


@pytest.mark.slow
def test_client_stubs_build_as_a_wheel_that_imports_alone(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path),
         str(REPO / "clients" / "python")],
        check=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("retail_support_api-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for service, module in [
        ("returns_decision", "returns_decision"),
        ("triage", "triage"),
        ("translation", "translation"),
    ]:
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi"):
            assert f"retail/{service}/v1/{module}{suffix}" in names
    assert "retail/py.typed" in names
    # The unpacked wheel goes first on the path and the assert proves the stubs came
    # from it (only grpcio and protobuf, its declared dependencies, come from the venv).
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from retail.returns_decision.v1 import returns_decision_pb2_grpc as g;"
        "assert g.__file__.startswith(sys.argv[1]), g.__file__;"
        "print(g.ReturnsDecisionServiceStub.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "ReturnsDecisionServiceStub"
