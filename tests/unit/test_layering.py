"""Import rules between the top-level packages, checked on the source (no imports run).

Serving code never imports training, the frontend, benchmarks, tools or tests: those
import the services, never the reverse. Within returns_decision, the core stays plain
Python: no grpc, no model runtime, nothing from the engines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.paths import REPO_ROOT

SERVICES = REPO_ROOT / "services"
NOT_FROM_SERVICES = ("models", "frontend", "bench", "tools", "tests")
RETURNS_CORE = SERVICES / "returns_decision" / "core"
NOT_FROM_RETURNS_CORE = (
    "grpc",
    "google.protobuf",
    "retail",
    "durable",
    "lightgbm",
    "numpy",
    "services.returns_decision.engines",
    "services.returns_decision.converters",
    "services.returns_decision.servicer",
    "services.returns_decision.server",
)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every absolute import in the file, at any depth (lazy ones too)."""
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def offending(root: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for line, module in imported_modules(path):
            if any(module == f or module.startswith(f"{f}.") for f in forbidden):
                where = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
                found.append(f"{where}:{line}: imports {module}")
    return found


def test_the_walk_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from models.returns import train\n    import tests\n")
    assert [m for _, m in imported_modules(module)] == ["models.returns", "tests"]
    assert len(offending(tmp_path, NOT_FROM_SERVICES)) == 2


@pytest.mark.parametrize("package", NOT_FROM_SERVICES)
def test_services_never_import(package: str) -> None:
    assert list(SERVICES.rglob("*.py"))
    assert offending(SERVICES, (package,)) == []


def test_the_returns_core_imports_no_grpc_model_runtime_or_engine() -> None:
    assert list(RETURNS_CORE.rglob("*.py"))
    assert offending(RETURNS_CORE, NOT_FROM_RETURNS_CORE) == []
