"""Benchmarks of the returns_decision service, every figure against a baseline measured
in the same run:

- the in-process decision (rules + economics + both models with their top features)
  p50, as a ratio to one single-row `Booster.predict` (target: at most 2x);
- each model's scoring on the fast path, as a ratio to `Booster.predict` (target: at
  least 4x faster);
- serial gRPC `DecideReturn` p50 (target under 0.5 ms here), next to the empty servicer
  on the same runtime; from the Python client, then from a native one
  (bench/native/unary_client.cc, built by `make bench`), whose figures hold no Python
  client time: what a caller in Go, Java or C++ sees, and the floor the runtime sets
  (an empty call to a bare grpc.aio server);
- throughput with 2 workers, as a ratio to the empty servicer with 2 workers;
- the decision log's cost: serial `DecideReturn` p50 with the log on against the log off,
  both servers up at once and called in alternating turns (target: at most 1.05x).

`Booster.predict` is timed both with its default threads and with num_threads=1: on a
loaded machine the default (OpenMP) call slows down much more, which flatters ratios
against it, so both are printed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack

import lightgbm
import numpy as np
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.triage.v1 import triage_pb2

from bench.grpc_load import Latency, native_serial_latency, serial_latency, throughput
from bench.returns_samples import request
from bench.servers import REPO, bare_server, handling_seconds, supervised
from services.returns_decision import converters
from services.returns_decision.core.returns import ReturnsCore
from services.returns_decision.engines.risk.features import build_features
from services.returns_decision.engines.risk.model import WARM_UP_INPUT
from services.returns_decision.engines.risk.registry import active_version_dir
from services.returns_decision.engines.risk.request_inputs import risk_inputs
from services.returns_decision.engines.risk.scorer import FRAUD_MODEL, ReturnRiskScorer
from services.returns_decision.engines.rules.store import PolicyStore

REGISTRY = REPO / "var" / "models" / "registry"
NATIVE_CLIENT = REPO / "var" / "bench" / "unary_client"  # built by `make bench`
DECIDE = "/retail.returns_decision.v1.ReturnsDecisionService/DecideReturn"
EMPTY = "/retail.triage.v1.TriageService/TriageMessage"


def _median_us(call: Callable[[], object], calls: int, repeats: int = 5) -> float:
    medians = []
    for _ in range(repeats):
        samples = []
        for _ in range(calls):
            started = time.perf_counter_ns()
            call()
            samples.append(time.perf_counter_ns() - started)
        medians.append(statistics.median(samples) / 1000)
    return statistics.median(medians)


def _ensure_models() -> None:
    subprocess.run(
        [sys.executable, "-m", "models", "build-defaults", "--if-missing", "--no-report"],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def in_process(calls: int) -> list[str]:
    store = PolicyStore(REPO / "policies")
    store.reload()
    scorer = ReturnRiskScorer(REGISTRY)
    scorer.load()
    core = ReturnsCore(store, scorer, top_features=3)
    raw = request().SerializeToString()
    domain_request = converters.return_request(pb.DecideReturnRequest.FromString(raw))
    evaluated_at = domain_request.requested_at
    assert evaluated_at is not None
    booster = lightgbm.Booster(
        model_file=str(active_version_dir(REGISTRY, FRAUD_MODEL) / "model.txt")
    )
    row = np.asarray([build_features(WARM_UP_INPUT)], dtype=np.float64)
    (risk_input,) = risk_inputs(domain_request, evaluated_at)
    fraud = scorer.fraud.model
    assert fraud is not None
    figures: dict[str, Callable[[], object]] = {
        "Booster.predict (default threads)": lambda: booster.predict(row),
        "Booster.predict (num_threads=1)": lambda: booster.predict(row, num_threads=1),
        "fraud model, fast path, row -> probability": lambda: fraud.predict_row(row[0]),
        "fraud model, + features, calibration, band": lambda: fraud.score(risk_input, top_k=0),
        "both models + top-3 features": lambda: scorer.assess(risk_input, top_k=3),
        "decision: rules + economics + both models": lambda: core.decide(domain_request),
        "decision from and to wire bytes": lambda: _decide_wire(core, raw),
    }
    for call in figures.values():  # warm up
        for _ in range(200):
            call()
    times = {name: _median_us(call, calls) for name, call in figures.items()}
    base, base1 = (
        times["Booster.predict (default threads)"],
        times["Booster.predict (num_threads=1)"],
    )
    lines = [f"returns_decision, in process (median of 5 x {calls} calls):"]
    for name, value in times.items():
        lines.append(
            f"  {name:<45} {value:8.1f} us  {value / base:5.2f}x Booster.predict"
            f"  ({value / base1:5.2f}x with num_threads=1)"
        )
    score = times["fraud model, fast path, row -> probability"]
    scored = times["fraud model, + features, calibration, band"]
    decision = times["decision: rules + economics + both models"]
    lines.append(
        f"  -> model scoring (same row in, same probability out as Booster.predict) "
        f"{base / score:.1f}x faster ({base1 / score:.1f}x vs num_threads=1; target >= 4x); "
        f"with feature building, calibration and band {base / scored:.1f}x"
    )
    lines.append(
        f"  -> decision {decision / base:.2f}x Booster.predict "
        f"({decision / base1:.2f}x vs num_threads=1; target <= 2x)"
    )
    store.close()
    return lines


def _decide_wire(core: ReturnsCore, raw: bytes) -> bytes:
    """What the servicer does for DecideReturn, without the gRPC runtime."""
    result = core.decide(
        converters.return_request(pb.DecideReturnRequest.FromString(raw)), validated=True
    )
    response = pb.DecideReturnResponse()
    converters.set_decision(
        response.decision, result.decision, result.evaluated_at, result.fraud, result.wardrobing
    )
    return response.SerializeToString()


def over_grpc(quick: bool) -> list[str]:
    message = request().SerializeToString()
    empty = triage_pb2.TriageMessageRequest(tenant_id="acme", text="hello").SerializeToString()
    calls = 1000 if quick else 5000
    seconds = 1.5 if quick else 3.0
    env = {"RETURNS_MODELS_REGISTRY": str(REGISTRY)}
    native = NATIVE_CLIENT.exists()
    native_serial = native_empty = native_bare = None
    with supervised("services.returns_decision", "RETURNS_", workers=1, extra_env=env) as target:
        before = handling_seconds(target, "DecideReturn")
        serial = serial_latency(target, DECIDE, message, calls)
        after = handling_seconds(target, "DecideReturn")
        if native:
            native_serial = native_serial_latency(NATIVE_CLIENT, target, DECIDE, message, calls)
    # Includes the warm-up calls serial_latency makes: a mean over all of them.
    server_ms = (after[0] - before[0]) / max(1, after[1] - before[1]) * 1000
    with supervised("bench.empty_service", "TRIAGE_", workers=1) as target:
        empty_serial = serial_latency(target, EMPTY, empty, calls)
        if native:
            native_empty = native_serial_latency(NATIVE_CLIENT, target, EMPTY, empty, calls)
    if native:
        with bare_server() as target:
            native_bare = native_serial_latency(NATIVE_CLIENT, target, EMPTY, empty, calls)
    with supervised("services.returns_decision", "RETURNS_", workers=2, extra_env=env) as target:
        rate = throughput(target, DECIDE, message, seconds=seconds)
    with supervised("bench.empty_service", "TRIAGE_", workers=2) as target:
        empty_rate = throughput(target, EMPTY, empty, seconds=seconds)
    lines = [
        "returns_decision over gRPC:",
        f"  serial DecideReturn, 1 worker:  {serial}  (target p50 < 0.5 ms)",
        f"    of which in the server (interceptor to answer, mean): {server_ms:.3f} ms",
        f"  serial empty servicer, 1 worker: {empty_serial}"
        f"  -> DecideReturn p50 {serial.p50_ms / empty_serial.p50_ms:.2f}x empty",
    ]
    lines += _native_lines(native_serial, native_empty, native_bare)
    lines.append(
        f"  throughput, 2 workers: {rate:,.0f} DecideReturn/s vs {empty_rate:,.0f} empty/s"
        f"  -> {rate / empty_rate:.2f}x empty servicer"
    )
    return lines


def _native_lines(decide: Latency | None, empty: Latency | None, bare: Latency | None) -> list[str]:
    if decide is None or empty is None or bare is None:
        return [
            f"  native client: {NATIVE_CLIENT.relative_to(REPO)} not built (`make bench` builds it)"
        ]
    return [
        "  the same from a native (C++) client, without the Python client's own cost:",
        f"    serial DecideReturn, 1 worker:   {decide}  (target p50 < 0.5 ms)",
        f"    serial empty servicer, 1 worker: {empty}"
        f"  -> DecideReturn p50 {decide.p50_ms / empty.p50_ms:.2f}x empty",
        f"    serial empty call, bare grpc.aio server (no interceptor): {bare}"
        f"  -> DecideReturn p50 {decide.p50_ms / bare.p50_ms:.2f}x",
    ]


def decision_log_cost(calls: int, turns: int = 10) -> list[str]:
    """Serial DecideReturn p50 with the decision log on and off: both servers (one worker
    each) run at once and are called in alternating turns, so that drift on a shared
    machine falls on both; each turn's pair gives a ratio, and their spread shows the
    noise. The log writes to a temporary directory and flushes every second, so its files
    are written during the run."""
    message = request().SerializeToString()
    p50: dict[bool, list[float]] = {True: [], False: []}
    with (
        tempfile.TemporaryDirectory(prefix="decision-log-bench-") as directory,
        ExitStack() as stack,
    ):
        targets = {}
        for enabled in (True, False):
            env = {
                "RETURNS_MODELS_REGISTRY": str(REGISTRY),
                "RETURNS_DECISION_LOG_ENABLED": str(enabled).lower(),
                "RETURNS_DECISION_LOG_DIR": directory,
                "RETURNS_DECISION_LOG_FLUSH_SECONDS": "1",
            }
            targets[enabled] = stack.enter_context(
                supervised("services.returns_decision", "RETURNS_", 1, env)
            )
        per_turn = max(calls // turns, 200)
        for turn in range(turns):
            for enabled in (True, False) if turn % 2 else (False, True):
                latency = serial_latency(targets[enabled], DECIDE, message, per_turn)
                p50[enabled].append(latency.p50_ms)
    on, off = statistics.median(p50[True]), statistics.median(p50[False])
    ratios = sorted(a / b for a, b in zip(p50[True], p50[False], strict=True))
    return [
        "returns_decision decision log (serial DecideReturn, 1 worker each, both up, "
        f"median of {turns} alternating turns of {per_turn} calls):",
        f"  log on p50 {on:.3f} ms, log off p50 {off:.3f} ms"
        f"  -> log on {on / off:.3f}x off  (target at most 1.05x); "
        f"turn by turn {ratios[0]:.2f}-{ratios[-1]:.2f}x",
    ]


def run(quick: bool = False) -> list[str]:
    _ensure_models()
    return (
        in_process(calls=500 if quick else 2000)
        + over_grpc(quick)
        + decision_log_cost(calls=2000 if quick else 6000)
    )


if __name__ == "__main__":
    for line in run(quick="--quick" in sys.argv):
        print(line, flush=True)
