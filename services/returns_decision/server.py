"""Wiring of the returns_decision service onto the shared runtime.

Policies and models are loaded on the event-loop thread (durable_rules rulesets must be
created on the thread that will use them) and watched by one periodic task on that
same thread: a changed policy file or a promoted model is validated and swapped in
between two calls, so no call ever sees half a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import grpc
from retail.returns_decision.v1 import returns_decision_pb2, returns_decision_pb2_grpc

from services.common.errors import CannotStart
from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.returns_decision.settings import ReturnsSettings

if TYPE_CHECKING:
    from services.returns_decision.engines.decision_log.writer import DecisionLogWriter
    from services.returns_decision.engines.risk.scorer import ReturnRiskScorer
    from services.returns_decision.engines.rules.store import ReloadReport

log = logging.getLogger("services.returns_decision")

SERVICE_NAME = returns_decision_pb2.DESCRIPTOR.services_by_name["ReturnsDecisionService"].full_name


def _report(report: ReloadReport, metrics: ServiceMetrics) -> None:
    for version in report.loaded:
        log.info(
            "policy loaded",
            extra={
                "tenant": version.tenant_id,
                "label": version.label,
                "hash": version.content_hash,
            },
        )
        metrics.set_component_version(
            f"policy:{version.tenant_id}", f"{version.label}@{version.content_hash[:19]}"
        )
    for problem in report.failed:
        log.error(
            "policy file rejected; the previous version keeps serving",
            extra={
                "path": problem.path,
                "errors": [f"{e.path}: {e.message}" for e in problem.errors][:20],
                "serving": problem.serving.label if problem.serving else None,
            },
        )
    for tenant in report.removed:
        log.warning("policy removed", extra={"tenant": tenant})


def _model_versions(scorer: ReturnRiskScorer, metrics: ServiceMetrics) -> None:
    for name, version in scorer.versions.items():
        metrics.set_component_version(name, version or "none")
    for name, version in scorer.shadow_versions.items():
        metrics.set_component_version(f"{name}:shadow", version or "none")


def _drift(
    settings: ReturnsSettings, scorer: ReturnRiskScorer | None, metrics: ServiceMetrics
) -> Callable[[list[tuple[Any, ...]]], None]:
    """The drift metrics' update, binned by the active fraud model's training profile."""
    from services.returns_decision.engines.decision_log.drift import (
        SCORE_BUCKETS,
        DriftMetrics,
        reference_edges,
    )
    from services.returns_decision.engines.risk.profile import read_profile
    from services.returns_decision.engines.risk.registry import active_version_dir
    from services.returns_decision.engines.risk.scorer import FRAUD_MODEL, WARDROBING_MODEL

    profile, reference = None, "fixed"
    if scorer is not None:
        profile = read_profile(active_version_dir(settings.models_registry, scorer.fraud.name))
        reference = f"{scorer.fraud.name}@{scorer.fraud.version}" if profile else "fixed"
    metrics.set_component_version("drift_reference", reference)
    drift = DriftMetrics(
        reference_edges(profile),
        metrics.counter(
            "returns_drift_feature_bin",
            "Logged rows per bin of each numeric feature (bins: the reference model's "
            "training deciles, see component drift_reference; or fixed).",
            ("feature", "bin"),
        ),
        metrics.counter(
            "returns_drift_category",
            "Logged rows per category of each categorical feature.",
            ("feature", "category"),
        ),
        metrics.histogram(
            "returns_drift_score",
            "Calibrated scores of logged rows, per model.",
            ("model",),
            buckets=SCORE_BUCKETS,
        ),
        {
            "fraud": scorer.fraud.name if scorer else FRAUD_MODEL,
            "wardrobing": scorer.wardrobing.name if scorer else WARDROBING_MODEL,
        },
    )
    return drift.observe


def _decision_log(
    settings: ReturnsSettings, scorer: ReturnRiskScorer | None, metrics: ServiceMetrics
) -> DecisionLogWriter | None:
    if not settings.decision_log_enabled:
        return None
    from services.returns_decision.engines.decision_log.writer import (
        DecisionLogWriter,
        LogCounters,
    )

    written = metrics.counter(
        "returns_decision_log_written", "Decisions written to the decision log's Parquet files."
    )
    dropped = metrics.counter(
        "returns_decision_log_dropped", "Decisions not logged: the log's queue was full."
    )
    depth = metrics.gauge("returns_decision_log_queue_depth", "Decisions waiting to be logged.")
    errors = metrics.counter(
        "returns_decision_log_write_errors", "Failed writes of the decision log (files, index)."
    )
    writer = DecisionLogWriter(
        settings.decision_log_dir,
        queue_size=settings.decision_log_queue_size,
        flush_seconds=settings.decision_log_flush_seconds,
        max_file_records=settings.decision_log_max_file_records,
        counters=LogCounters(
            written=written.inc,
            dropped=dropped.inc,
            depth=depth.set,
            errors=errors.inc,
            rows=_drift(settings, scorer, metrics),
        ),
    )
    try:
        writer.start()
    except OSError as exc:
        raise CannotStart(
            f"cannot start the decision log in {settings.decision_log_dir}: {exc}. Set "
            "RETURNS_DECISION_LOG_DIR to a writable directory, or "
            "RETURNS_DECISION_LOG_ENABLED=false."
        ) from exc
    return writer


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    # Imported here, not at the top: the supervisor imports this module for SPEC and never
    # serves, so it does without durable_rules, LightGBM and numpy (~160 MiB per process).
    from services.returns_decision.core.returns import ReturnsCore
    from services.returns_decision.engines.risk.errors import RiskModelError
    from services.returns_decision.engines.risk.scorer import ReturnRiskScorer
    from services.returns_decision.engines.rules.store import PolicyStore
    from services.returns_decision.servicer import ReturnsDecisionServiceServicer

    assert isinstance(settings, ReturnsSettings)
    store = PolicyStore(settings.policies_dir)
    _report(store.reload(), metrics)
    scorer = None
    if settings.risk_enabled:
        scorer = ReturnRiskScorer(settings.models_registry)
        try:
            scorer.load()
        except RiskModelError as exc:
            raise CannotStart(
                f"cannot load the risk models from {settings.models_registry}: {exc}. "
                "Build the defaults with `make models` (python -m models build-defaults), "
                "or set RETURNS_RISK_ENABLED=false to decide without risk scores."
            ) from exc
        _model_versions(scorer, metrics)
    decision_log = _decision_log(settings, scorer, metrics)
    core = ReturnsCore(store, scorer, top_features=settings.top_features, decision_log=decision_log)
    returns_decision_pb2_grpc.add_ReturnsDecisionServiceServicer_to_server(
        ReturnsDecisionServiceServicer(core, settings.max_batch_size), server
    )
    swaps = metrics.counter("returns_model_swaps", "Risk models swapped in by hot reload.")
    reload_failures = metrics.counter(
        "returns_policy_reload_failures", "Policy files rejected at reload (old version kept)."
    )

    async def watch() -> None:
        next_policy = next_model = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(min(settings.policy_reload_seconds, settings.model_reload_seconds))
            now = asyncio.get_running_loop().time()
            if now >= next_policy:
                next_policy = now + settings.policy_reload_seconds
                report = store.reload()
                reload_failures.inc(len(report.failed))
                _report(report, metrics)
            if scorer is not None and now >= next_model:
                next_model = now + settings.model_reload_seconds
                if await scorer.maybe_reload_in_thread():
                    swaps.inc()
                    _model_versions(scorer, metrics)
                    log.info(
                        "risk models swapped",
                        extra={"versions": scorer.versions, "shadows": scorer.shadow_versions},
                    )

    watcher = asyncio.get_running_loop().create_task(watch())

    async def close() -> None:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        store.close()
        if decision_log is not None:
            await decision_log.close()  # after the server stopped: nothing more to log

    return close


SPEC = ServiceSpec(
    name="returns_decision",
    service_names=(SERVICE_NAME,),
    settings_cls=ReturnsSettings,
    attach=attach,
)


async def create_server(settings: ReturnsSettings) -> tuple[ServiceServer, int]:
    """Build and start the returns_decision server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
