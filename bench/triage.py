"""Benchmark of triage against plain VADER on the same messages, in process:

- single-message p50: one message through the whole triage (language, sentiment,
  intent, flags, priority, routing) vs VADER's polarity_scores on it;
- batch throughput: 256 messages through triage_messages vs VADER over the same 256;
- the service's overhead: a TriageMessages batch of 256 over gRPC (the service under its
  supervisor, 1 worker) against the raw engines (language, sentiment with its sentence
  encoder, intent) called in this process on the same batch, and one TriageMessage p50
  over gRPC against the raw engines on one message.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

import grpc
from retail.triage.v1 import triage_pb2 as pb
from retail.triage.v1 import triage_pb2_grpc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from bench.servers import REPO, supervised
from services.common.model_registry import DEFAULT_ROOT
from services.triage.core.config import DEFAULT_CONFIG_PATH, load_config
from services.triage.core.triage import TriageRequest, triage_message, triage_messages
from services.triage.engines.bundle import TriageEngines
from services.triage.engines.text_features import shared_sentence_embeddings
from services.triage.engines.watcher import TriageModelWatcher

LANGUAGES = ("english", "spanish", "french", "portuguese", "italian", "german")


def _messages(per_language: int) -> list[str]:
    texts = []
    for language in LANGUAGES:
        path = REPO / "data" / "triage" / "umsab" / language / "val_text.txt"
        texts += path.read_text(encoding="utf-8").splitlines()[:per_language]
    return texts


def _raw_engines(engines: TriageEngines, texts: Sequence[str]) -> None:
    """The models alone on a batch: what the service adds is everything around them."""
    candidates = engines.language.predict(texts)
    codes = [c[0].code if c else "und" for c in candidates]
    embeddings = shared_sentence_embeddings().transform(texts)  # once for both, as the service
    engines.sentiment.predict(texts, codes, embeddings)
    engines.intent.predict(texts, embeddings)


def _best_rate(call: Callable[[], object], size: int, rounds: int) -> float:
    """Messages a second of the fastest of `rounds` calls (the least disturbed by load)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return size / best


def _p50_ms(call: Callable[[str], object], texts: Sequence[str]) -> float:
    samples = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def service_overhead(engines: TriageEngines, texts: list[str], rounds: int) -> list[str]:
    """TriageMessages (256) and TriageMessage over gRPC, 1 worker, against the raw engines."""
    batch = (texts * 256)[:256]
    raw_rate = _best_rate(lambda: _raw_engines(engines, batch), len(batch), rounds)
    raw_p50 = _p50_ms(lambda t: _raw_engines(engines, [t]), texts)
    with (
        supervised("services.triage", "TRIAGE_", workers=1) as target,
        grpc.insecure_channel(target) as channel,
    ):
        stub = triage_pb2_grpc.TriageServiceStub(channel)
        request = pb.TriageMessagesRequest(
            messages=[pb.TriageMessageRequest(tenant_id="bench", text=t) for t in batch]
        )
        stub.TriageMessages(request, timeout=60)  # warm up
        grpc_rate = _best_rate(lambda: stub.TriageMessages(request, timeout=60), 256, rounds)
        for text in texts[:20]:
            stub.TriageMessage(pb.TriageMessageRequest(tenant_id="bench", text=text))
        grpc_p50 = _p50_ms(
            lambda t: stub.TriageMessage(pb.TriageMessageRequest(tenant_id="bench", text=t)),
            texts,
        )
    return [
        "  service over gRPC (1 worker) against the raw engines in process (no gRPC, no servicer):",
        f"  TriageMessages batch of 256: {grpc_rate:,.0f} msg/s vs raw engines "
        f"{raw_rate:,.0f} msg/s -> {grpc_rate / raw_rate:.2f}x (target at least 0.7x)",
        f"  TriageMessage p50: {grpc_p50:.3f} ms vs raw engines on one message "
        f"{raw_p50:.3f} ms -> {grpc_p50 / raw_p50:.2f}x",
    ]


def run(quick: bool = False) -> list[str]:
    subprocess.run(
        [sys.executable, "-m", "models.triage", "train", "--if-missing"],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    engines = TriageModelWatcher(DEFAULT_ROOT).load()  # the registry's active versions
    config = load_config(DEFAULT_CONFIG_PATH)
    vader = SentimentIntensityAnalyzer()
    texts = _messages(20 if quick else 50)
    requests = [TriageRequest(text) for text in texts]
    for request in requests[:20]:  # warm up
        triage_message(engines, config, request)
        vader.polarity_scores(request.text)

    def per_message(call: object) -> float:
        samples = []
        for request in requests:
            started = time.perf_counter()
            call(request)  # type: ignore[operator]
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000

    ours_p50 = per_message(lambda r: triage_message(engines, config, r))
    vader_p50 = per_message(lambda r: vader.polarity_scores(r.text))
    batch = (requests * 256)[:256]
    rounds = 2 if quick else 5
    started = time.perf_counter()
    for _ in range(rounds):
        triage_messages(engines, config, batch)
    ours_rate = rounds * len(batch) / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(rounds):
        for request in batch:
            vader.polarity_scores(request.text)
    vader_rate = rounds * len(batch) / (time.perf_counter() - started)
    return [
        f"triage ({len(texts)} UMSAB val messages in six languages), in process:",
        f"  single message p50: triage {ours_p50:.3f} ms vs VADER {vader_p50:.3f} ms"
        f"  -> {ours_p50 / vader_p50:.2f}x VADER",
        f"  batch of 256: triage {ours_rate:,.0f} msg/s vs VADER {vader_rate:,.0f} msg/s"
        f"  -> {ours_rate / vader_rate:.2f}x VADER's throughput",
        *service_overhead(engines, texts, 3 if quick else 7),
    ]


if __name__ == "__main__":
    for line in run(quick="--quick" in sys.argv):
        print(line, flush=True)
