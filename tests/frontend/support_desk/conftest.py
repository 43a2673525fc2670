"""Fixtures of the desk's tests: a seeded store, and (per module) the three real
services with a desk served against them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from frontend.support_desk.store import demo
from frontend.support_desk.store.repository import Store
from tests.frontend.support_desk.harness import DeskThread, desk_settings, running_desk
from tests.integration.api.servers import Servers, three_services

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store in tmp_path with the demo data seeded at NOW."""
    created = Store(f"sqlite:///{tmp_path / 'desk.db'}")
    created.create_schema()
    with created.session() as session:
        demo.seed(session, NOW)
    yield created
    created.close()


@pytest.fixture(scope="module")
def services(returns_model_registry: Path, triage_model_dir: Path) -> Iterator[Servers]:
    with three_services(returns_model_registry, triage_model_dir) as servers:
        yield servers


@pytest.fixture(scope="module")
def desk(services: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskThread]:
    settings = desk_settings(services, tmp_path_factory.mktemp("desk") / "desk.db")
    with running_desk(settings) as running:
        running.wait_warm()
        yield running
