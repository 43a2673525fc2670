"""The three services on port 0 in this process, as the API tests call them."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.returns_decision.server import SPEC as RETURNS
from services.returns_decision.settings import ReturnsSettings
from services.translation.server import SPEC as TRANSLATION
from services.translation.settings import TranslationSettings
from services.triage.server import SPEC as TRIAGE
from services.triage.settings import TriageSettings
from tests.integration.harness import REPO, ServerThread, serving


@dataclass(frozen=True)
class Servers:
    returns: ServerThread
    triage: ServerThread
    translation: ServerThread


@contextmanager
def three_services(registry: Path, triage_models: Path) -> Iterator[Servers]:
    with ExitStack() as stack:
        log_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="decision-log-"))
        returns = stack.enter_context(
            serving(
                RETURNS,
                ReturnsSettings(
                    port=0,
                    metrics_port=0,
                    policies_dir=REPO / "policies",
                    models_registry=registry,
                    decision_log_dir=Path(log_dir),
                ),
            )
        )
        triage = stack.enter_context(
            serving(TRIAGE, TriageSettings(port=0, metrics_port=0, model_dir=triage_models))
        )
        translation = stack.enter_context(
            serving(TRANSLATION, TranslationSettings(port=0, metrics_port=0))
        )
        yield Servers(returns, triage, translation)
