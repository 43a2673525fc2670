"""Benchmark of triage against plain VADER on the same messages, in process:

- single-message p50: one message through the whole triage (language, sentiment,
  intent, flags, priority, routing) vs VADER's polarity_scores on it;
- batch throughput: 256 messages through triage_messages vs VADER over the same 256.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from bench.servers import REPO
from services.triage.core.config import DEFAULT_CONFIG_PATH, load_config
from services.triage.core.triage import TriageRequest, triage_message, triage_messages
from services.triage.engines.bundle import TriageEngines
from services.triage.paths import DEFAULT_MODEL_DIR

LANGUAGES = ("english", "spanish", "french", "portuguese", "italian", "german")


def _messages(per_language: int) -> list[str]:
    texts = []
    for language in LANGUAGES:
        path = REPO / "data" / "triage" / "umsab" / language / "val_text.txt"
        texts += path.read_text(encoding="utf-8").splitlines()[:per_language]
    return texts


def run(quick: bool = False) -> list[str]:
    subprocess.run(
        [sys.executable, "-m", "models.triage", "train", "--if-missing"],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    engines = TriageEngines.load(DEFAULT_MODEL_DIR)
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
    ]


if __name__ == "__main__":
    for line in run(quick="--quick" in sys.argv):
        print(line, flush=True)
