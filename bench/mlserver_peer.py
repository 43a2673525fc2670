"""Returns against Seldon MLServer: the returns service's whole `DecideReturn` next to
MLServer 1.7.1 serving the project's active fraud model alone, in the same run, from the
same clients (bench.grpc_load's Python client with raw request bytes, and the native
client when `make bench` has built it).

    python -m bench.mlserver_peer [--quick]

MLServer runs from its own virtual environment, var/bench/mlserver-venv, installed from
bench/mlserver-requirements.txt and reinstalled only when that file changes (a stamp
holds the file's digest), so the project's .venv never holds it. It serves a copy of the
active fraud model's LightGBM file through mlserver_lightgbm; each `ModelInfer` carries
one FP64 row: the fraud features the service builds for the bench's `DecideReturn`
request. One answer must equal the project's raw (uncalibrated) probability for that row.

MLServer is measured in two configurations, since neither is plainly its best here:
parallel_workers=1, its default (inference in one worker process behind the server
process), and parallel_workers=0 (inference in the server process, no hop between
processes). Each target is checked against the better of the two. MLServer's LightGBM
scores on one OpenMP thread, as the service does (OMP_NUM_THREADS=1; see `mlserver`).
All servers run at once and are measured in turns, so that a shared machine's changing
load falls on each of them alike. Without network (MLServer cannot be installed) the
peer is skipped with one line saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from retail.triage.v1 import triage_pb2

from bench.grpc_load import Latency, native_serial_latency, serial_latency, throughput
from bench.returns import DECIDE, EMPTY, NATIVE_CLIENT, REGISTRY, _ensure_models
from bench.returns_samples import request
from bench.servers import REPO, supervised
from services.returns_decision import converters
from services.returns_decision.engines.risk.artifact import MODEL_FILE
from services.returns_decision.engines.risk.features import build_features
from services.returns_decision.engines.risk.model import WARM_UP_TOLERANCE, RiskModel
from services.returns_decision.engines.risk.registry import active_version_dir
from services.returns_decision.engines.risk.request_inputs import risk_inputs
from services.returns_decision.engines.risk.scorer import FRAUD_MODEL

MLSERVER_VERSION = "1.7.1"
VENV = REPO / "var" / "bench" / "mlserver-venv"
REQUIREMENTS = REPO / "bench" / "mlserver-requirements.txt"
STAMP = ".requirements.sha256"  # in the venv: the digest of the requirements it holds
INFER_SCRIPT = REPO / "bench" / "mlserver_infer.py"  # run by the venv's interpreter
INFER = "/inference.GRPCInferenceService/ModelInfer"
LIGHTGBM_RUNTIME = "mlserver_lightgbm.LightGBMModel"
MODEL_BASENAME = "model.bst"  # mlserver_lightgbm's well-known file name
PARALLEL_WORKERS = (0, 1)
CLIENTS, CONCURRENCY = 2, 16  # 32 calls in flight
SERVICE_WORKERS = 2


class PeerSkipped(Exception):
    """MLServer could not be installed, started or trusted: the reason, for one line."""


Runner = Callable[[list[str]], None]


def _run_quietly(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerSkipped(f"`{Path(argv[0]).name}` could not run: {exc}") from None
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise PeerSkipped(f"`{' '.join(Path(a).name for a in argv[:4])}` failed: {last}")


def requirements_digest(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def needs_install(venv: Path, requirements: Path) -> bool:
    """True unless the venv holds MLServer installed from this very requirements file."""
    if not (venv / "bin" / "mlserver").is_file():
        return True
    try:
        return (venv / STAMP).read_text().strip() != requirements_digest(requirements)
    except FileNotFoundError:
        return True


def ensure_venv(
    venv: Path = VENV, requirements: Path = REQUIREMENTS, run: Runner = _run_quietly
) -> Path:
    """The MLServer venv, (re)installed first if the requirements changed since the stamp."""
    if not needs_install(venv, requirements):
        return venv
    digest = requirements_digest(requirements)  # what is installed, even if edited meanwhile
    if venv.exists():
        shutil.rmtree(venv)  # from scratch: nothing left over from an older pin
    run([shutil.which("python3.11") or sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "--requirement", str(requirements)])
    (venv / STAMP).write_text(digest + "\n")  # only once the install succeeded
    return venv


@dataclass(frozen=True)
class ExportedModel:
    name: str
    version: str
    path: Path


def export_active_model(registry: Path, directory: Path, name: str = FRAUD_MODEL) -> ExportedModel:
    """The registry's active version of `name` as a LightGBM model file for MLServer.

    The registry's model.txt is already LightGBM's own text format: a byte-for-byte copy
    (no load and save, which could rewrite it) is exactly the model the service loads.
    """
    source = active_version_dir(registry, name)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MODEL_BASENAME
    shutil.copyfile(source / MODEL_FILE, target)
    return ExportedModel(name=name, version=source.name, path=target)


def write_model_settings(repository: Path, model: ExportedModel) -> Path:
    directory = repository / model.name
    directory.mkdir(parents=True, exist_ok=True)
    settings = {
        "name": model.name,
        "implementation": LIGHTGBM_RUNTIME,
        "parameters": {"uri": str(model.path.resolve()), "version": model.version},
    }
    path = directory / "model-settings.json"
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


@dataclass(frozen=True)
class Ports:
    grpc: int
    http: int
    metrics: int


def write_server_settings(repository: Path, ports: Ports, parallel_workers: int) -> Path:
    repository.mkdir(parents=True, exist_ok=True)
    settings = {
        # debug adds an access-log line per call; the project's services log at WARNING here.
        "debug": False,
        "host": "127.0.0.1",
        "grpc_port": ports.grpc,
        "http_port": ports.http,
        "metrics_port": ports.metrics,
        "parallel_workers": parallel_workers,
        "model_repository_root": str(repository),
        "load_models_at_startup": True,
        "metrics_dir": str(repository / ".metrics"),
        "environments_dir": str(repository / ".envs"),
    }
    path = repository / "settings.json"
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def free_ports(count: int) -> list[int]:
    """Ports free now (MLServer takes no port 0): all held open together, so distinct."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return " | ".join(text[-lines:]) or "no output"


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PeerSkipped(f"mlserver exited ({process.returncode}): {_tail(log)}")
        with (
            suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=1) as answer,  # noqa: S310 - local URL
        ):
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise PeerSkipped(f"the model was not ready after {timeout:.0f} s: {_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # MLServer stops its inference workers on SIGTERM
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    # Anything of its own session still alive (its workers) goes too: that group is ours.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def mlserver(venv: Path, repository: Path, model: str, timeout: float = 180.0) -> Iterator[str]:
    """`mlserver start` on a repository written above; yields its gRPC target once the
    model is ready, and stops it (and its workers) afterwards."""
    settings = json.loads((repository / "settings.json").read_text())
    log = repository / "mlserver.log"
    # The caller's MLSERVER_* variables would override settings.json, a venv's would leak.
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("MLSERVER")}
    # The service scores on one thread (FastBooster); mlserver_lightgbm calls Booster.predict
    # with OpenMP's default, whose barrier stalls a row's call for milliseconds whenever the
    # machine has other work. One thread each: the comparison is of serving, not OpenMP.
    env["OMP_NUM_THREADS"] = "1"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "mlserver"), "start", str(repository)],
            cwd=repository,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ready = f"http://127.0.0.1:{settings['http_port']}/v2/models/{model}/ready"
        _wait_ready(process, ready, log, timeout)
        yield f"127.0.0.1:{settings['grpc_port']}"
    finally:
        _stop(process)


def fraud_row() -> list[float]:
    """The fraud model's feature row for the bench's DecideReturn request (one item), built
    as the service builds it."""
    domain = converters.return_request(request())
    assert domain.requested_at is not None  # the sample request sets it
    (risk_input,) = risk_inputs(domain, domain.requested_at)
    return build_features(risk_input)


def project_probability(registry: Path, row: list[float]) -> float:
    """What the service's fraud model gives for `row` before calibration: the probability
    LightGBM itself computes, which is all MLServer's LightGBM runtime returns."""
    model = RiskModel.load(active_version_dir(registry, FRAUD_MODEL))
    try:
        raw = model.score_features(row, top_k=0).raw_probability
    finally:
        model.close()
    assert raw is not None
    return raw


def _helper(venv: Path, *args: str) -> str:
    """bench/mlserver_infer.py in the MLServer venv (-I: isolated from bench/ and .venv)."""
    argv = [str(venv / "bin" / "python"), "-I", str(INFER_SCRIPT), *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise PeerSkipped(f"{INFER_SCRIPT.name} {args[0]} failed: {lines[-1]}")
    return done.stdout


@dataclass(frozen=True)
class Target:
    label: str
    address: str
    method: str
    body: bytes


Caller = Callable[[Target, int, int], Latency]  # target, calls, warm-up calls


def _python_client(target: Target, calls: int, warmup: int) -> Latency:
    return serial_latency(target.address, target.method, target.body, calls, warmup=warmup)


def _native_client(target: Target, calls: int, warmup: int) -> Latency:
    return native_serial_latency(
        NATIVE_CLIENT, target.address, target.method, target.body, calls, warmup=warmup
    )


def serial_in_turns(
    targets: list[Target], caller: Caller, calls: int, rounds: int
) -> dict[str, Latency]:
    """Each target's serial latency, `rounds` turns of calls/rounds calls each (A, B, C,
    A, B, C, ...): the median of the turns' quantiles."""
    turns: dict[str, list[Latency]] = {t.label: [] for t in targets}
    for index in range(rounds):
        for target in targets:
            # Each turn opens its own channel; the first also warms the server up.
            latency = caller(target, max(calls // rounds, 100), 200 if index == 0 else 50)
            turns[target.label].append(latency)
    return {
        label: Latency(
            statistics.median(t.p50_ms for t in values),
            statistics.median(t.p90_ms for t in values),
            statistics.median(t.p99_ms for t in values),
            sum(t.calls for t in values),
        )
        for label, values in turns.items()
    }


def throughput_in_turns(targets: list[Target], seconds: float, rounds: int) -> dict[str, float]:
    """Calls/s with CLIENTS processes x CONCURRENCY calls in flight, measured in turns;
    the median over the rounds."""
    rates: dict[str, list[float]] = {t.label: [] for t in targets}
    for _ in range(rounds):
        for target in targets:
            rate = throughput(
                target.address,
                target.method,
                target.body,
                clients=CLIENTS,
                concurrency=CONCURRENCY,
                seconds=seconds,
            )
            rates[target.label].append(rate)
    return {label: statistics.median(values) for label, values in rates.items()}


@dataclass(frozen=True)
class Figures:
    model: ExportedModel
    expected: float
    answers: dict[str, float]  # peer label -> its ModelInfer probability for the row
    python: dict[str, Latency]
    native: dict[str, Latency] | None
    rates: dict[str, float]
    rounds: int
    seconds: float
    throughput_rounds: int


def _start_peers(
    stack: ExitStack, venv: Path, root: Path, model: ExportedModel, body: Path, expected: float
) -> tuple[list[Target], dict[str, float]]:
    """Both MLServer configurations, each checked on the row before it is measured."""
    peers, answers = [], {}
    for workers in PARALLEL_WORKERS:
        repository = root / f"parallel-workers-{workers}"
        write_model_settings(repository, model)
        write_server_settings(repository, Ports(*free_ports(3)), workers)
        address = stack.enter_context(mlserver(venv, repository, model.name))
        label = f"ModelInfer, parallel_workers={workers}"
        answers[label] = float(
            json.loads(_helper(venv, "check", address, str(body)))["probability"]
        )
        if not abs(answers[label] - expected) <= WARM_UP_TOLERANCE:
            raise PeerSkipped(
                f"{label} answered {answers[label]!r} for the row, the project's fraud model "
                f"gives {expected!r}: not the same model, nothing to compare"
            )
        peers.append(Target(label, address, INFER, body.read_bytes()))
    return peers, answers


def measure(venv: Path, quick: bool) -> Figures:
    row = fraud_row()
    expected = project_probability(REGISTRY, row)
    calls, rounds = (1000, 5) if quick else (5000, 5)
    seconds, throughput_rounds = (1.5, 2) if quick else (3.0, 3)
    empty = triage_pb2.TriageMessageRequest(tenant_id="acme", text="hello").SerializeToString()
    env = {"RETURNS_MODELS_REGISTRY": str(REGISTRY)}
    with tempfile.TemporaryDirectory(prefix="mlserver-peer-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        model = export_active_model(REGISTRY, root / "model")
        body = root / "model-infer-request.bin"
        _helper(venv, "request", model.name, model.version, json.dumps(row), str(body))
        peers, answers = _start_peers(stack, venv, root, model, body, expected)
        decide = supervised(
            "services.returns_decision", "RETURNS_", workers=SERVICE_WORKERS, extra_env=env
        )
        runtime = supervised("bench.empty_service", "TRIAGE_", workers=SERVICE_WORKERS)
        ours = [
            Target(
                "DecideReturn", stack.enter_context(decide), DECIDE, request().SerializeToString()
            ),
            Target("empty call", stack.enter_context(runtime), EMPTY, empty),
        ]
        targets = [*ours, *peers]
        python = serial_in_turns(targets, _python_client, calls, rounds)
        native = (
            serial_in_turns(targets, _native_client, calls, rounds)
            if NATIVE_CLIENT.exists()
            else None
        )
        # The empty call too: its rate is the ceiling of any handler on this runtime.
        rates = throughput_in_turns(targets, seconds, throughput_rounds)
    return Figures(
        model, expected, answers, python, native, rates, rounds, seconds, throughput_rounds
    )


def _verdict(met: bool) -> str:
    return "met" if met else "not met"


def _best(figures: dict[str, float], lowest: bool) -> str:
    """The MLServer configuration with the best figure: the stricter comparison."""
    peers = [label for label in figures if label.startswith("ModelInfer")]
    return (min if lowest else max)(peers, key=lambda label: figures[label])


def _config(label: str) -> str:
    return label.split(", ", 1)[1]


def _details(figures: Figures) -> list[str]:
    model = figures.model
    answers = ", ".join(f"{p!r} ({_config(k)})" for k, p in figures.answers.items())
    lines = [
        f"returns vs MLServer {MLSERVER_VERSION}, the figures: MLServer serves {model.name} "
        f"{model.version} (the registry's LightGBM file) through {LIGHTGBM_RUNTIME}; "
        f"DecideReturn and the empty call with {SERVICE_WORKERS} workers",
        f"  sanity: ModelInfer probability {answers}; the project's fraud model for the same "
        f"row (raw, before calibration) {figures.expected!r}: equal",
    ]
    clients = [("Python", figures.python)]
    if figures.native is None:
        lines.append(f"  native client: {NATIVE_CLIENT.relative_to(REPO)} not built (`make bench`)")
    else:
        clients.append(("native", figures.native))
    for client, latencies in clients:
        lines.append(f"  {client} client, serial (median of {figures.rounds} turns, in turns):")
        lines += [f"    {label:<32} {value}" for label, value in latencies.items()]
    lines.append(
        f"  {CLIENTS * CONCURRENCY} in flight ({CLIENTS} client processes x {CONCURRENCY}; "
        f"median of {figures.throughput_rounds} turns of {figures.seconds:g} s):"
    )
    lines += [f"    {label:<32} {rate:8,.0f} calls/s" for label, rate in figures.rates.items()]
    return lines


def _serial(latencies: dict[str, Latency], client: str) -> tuple[str, str]:
    """The serial p50 line and the empty-call line for one client."""
    p50 = {label: value.p50_ms for label, value in latencies.items()}
    decide, best = p50["DecideReturn"], _best(p50, lowest=True)
    ratio, overhead = decide / p50[best], decide / p50["empty call"]
    return (
        f"serial p50 ({client} client): DecideReturn {decide:.3f} ms, ModelInfer "
        f"{p50[best]:.3f} ms ({_config(best)}) -> {ratio:.2f}x (target <= 1.0x): "
        f"{_verdict(ratio <= 1.0)}",
        f"DecideReturn p50 / empty call p50 on the same runtime ({client} client) -> "
        f"{overhead:.2f}x (target <= 1.3x): {_verdict(overhead <= 1.3)}",
    )


def report(figures: Figures) -> list[str]:
    serial = [_serial(figures.python, "Python")]
    if figures.native is not None:
        serial.append(_serial(figures.native, "native"))
    rates = figures.rates
    decide, best = rates["DecideReturn"], _best(rates, lowest=False)
    ratio = decide / rates[best]
    in_flight = (
        f"{CLIENTS * CONCURRENCY} in flight: DecideReturn {decide:,.0f}/s, ModelInfer "
        f"{rates[best]:,.0f}/s ({_config(best)}) -> {ratio:.2f}x (target >= 1.5x): "
        f"{_verdict(ratio >= 1.5)}"
    )
    ceiling = ""
    if "empty call" in rates:
        empty = rates["empty call"]
        ceiling = (
            f"  ceiling: the empty call on the same runtime {empty:,.0f}/s -> "
            f"{empty / rates[best]:.2f}x ModelInfer; DecideReturn {decide / empty:.2f}x it"
        )
    return [
        *_details(figures),
        f"returns vs MLServer {MLSERVER_VERSION} (fraud model alone, same client, same run):",
        *(f"  {p50}" for p50, _ in serial),
        f"  {in_flight}",
        *([ceiling] if ceiling else []),
        *(f"  {overhead}" for _, overhead in serial),
    ]


def run(quick: bool = False) -> list[str]:
    try:
        venv = ensure_venv()
        _ensure_models()
        return report(measure(venv, quick))
    except PeerSkipped as exc:
        return [f"returns vs MLServer {MLSERVER_VERSION}: peer skipped, {exc}"]


if __name__ == "__main__":
    for line in run(quick="--quick" in sys.argv):
        print(line, flush=True)
