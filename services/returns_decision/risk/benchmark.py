"""Latency of the risk engine, as ratios against ``Booster.predict`` measured in the same run.

    python -m services.returns_decision.risk.benchmark [--registry ROOT] [--calls N]

Machines here are shared and noisy, so every figure is the median of several repeats and
is printed next to its ratio to the baseline; nothing here is an assertion.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import lightgbm
import numpy as np

from models.returns.features import build_features
from services.returns_decision.risk.artifact import MODEL_FILE
from services.returns_decision.risk.fast_predict import FastBooster
from services.returns_decision.risk.model import WARM_UP_INPUT, RiskModel
from services.returns_decision.risk.registry import active_version_dir
from services.returns_decision.risk.scorer import FRAUD_MODEL, ReturnRiskScorer


def per_call_us(fn: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Median over ``repeats`` of the mean time per call, in microseconds."""
    for _ in range(min(calls, 200)):  # warm caches and lazy set-up
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - start) / calls / 1000.0)
    return statistics.median(samples)


def run(registry_root: Path, calls: int) -> dict[str, float]:
    directory = active_version_dir(registry_root, FRAUD_MODEL)
    row = build_features(WARM_UP_INPUT)
    batch = np.array([row])
    # Baseline first: FastBooster's init pins this thread's OpenMP pool to one thread,
    # which would make later default Booster.predict calls look faster than they are.
    booster = lightgbm.Booster(model_file=str(directory / MODEL_FILE))
    results = {
        "booster_predict_default_threads": per_call_us(lambda: booster.predict(batch), calls)
    }
    results["booster_predict_1_thread"] = per_call_us(
        lambda: booster.predict(batch, num_threads=1), calls
    )
    fast = FastBooster(booster)
    results["fast_predict"] = per_call_us(lambda: fast.predict(row), calls)
    results["booster_pred_contrib_1_thread"] = per_call_us(
        lambda: booster.predict(batch, pred_contrib=True, num_threads=1), max(calls // 10, 10)
    )
    results["fast_contributions"] = per_call_us(
        lambda: fast.contributions(row), max(calls // 10, 10)
    )
    results["build_features"] = per_call_us(lambda: build_features(WARM_UP_INPUT), calls)

    model = RiskModel.load(directory)
    results["score_no_explanation"] = per_call_us(lambda: model.score_features(row, top_k=0), calls)
    scorer = ReturnRiskScorer(registry_root)
    scorer.load()
    results["assess_both_models_no_explanation"] = per_call_us(
        lambda: scorer.assess(WARM_UP_INPUT, top_k=0), calls
    )
    results["assess_both_models_top3"] = per_call_us(
        lambda: scorer.assess(WARM_UP_INPUT, top_k=3), max(calls // 10, 10)
    )
    results["maybe_reload_no_change"] = per_call_us(scorer.maybe_reload, calls)
    start = time.perf_counter()
    RiskModel.load(directory).close()
    results["load_and_warm_up_one_model"] = (time.perf_counter() - start) * 1e6
    results["trees"] = float(booster.num_trees())
    return results


def main(argv: Sequence[str] | None = None) -> int:
    from models.returns.registry import resolve_root

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registry", help="registry root (default as `python -m models`)")
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args(argv)
    results = run(resolve_root(args.registry), args.calls)
    trees = int(results.pop("trees"))
    base = results["booster_predict_default_threads"]
    base_1 = results["booster_predict_1_thread"]
    print(f"fraud model, {trees} trees; microseconds per call (median of 5 repeats)")
    for name, value in results.items():
        print(f"  {name:<36} {value:>10.2f} us  {base / value:>7.2f}x vs default predict")
    print(
        f"fast path vs Booster.predict: {base / results['fast_predict']:.1f}x (default threads), "
        f"{base_1 / results['fast_predict']:.1f}x (num_threads=1)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
