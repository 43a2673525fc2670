"""Latency of the risk engine, as ratios against ``Booster.predict`` measured in the same run.

    python -m bench.returns_risk [--registry ROOT] [--calls N]

Machines here are shared and noisy, so every figure is a median of several repeats, the
repeats of all entries taken in turns (``interleaved_us``), and is printed next to its
ratio to the baseline: one single-row ``Booster.predict`` call with default threads,
measured first and alone (see ``run``). Nothing here is an assertion.

The budget for a whole returns decision is about 2x one ``Booster.predict`` call, so
``assess_both_models_top3`` (both models, three features each, by path attribution) must
stay well under it. The summary lines also give ratios to
``Booster.predict(num_threads=1)``: it is measured in turns with everything else, and a
loaded machine inflates it much less than the default (OpenMP) call, so that ratio is the
conservative one.

It also prints how often path attribution and TreeSHAP pick the same features, on
generated requests: they are different explanations, and this says how different.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import lightgbm
import numpy as np

from models.returns import dataset
from services.returns_decision.engines.risk.artifact import MODEL_FILE
from services.returns_decision.engines.risk.fast_predict import FastBooster
from services.returns_decision.engines.risk.features import build_features
from services.returns_decision.engines.risk.model import WARM_UP_INPUT, RiskModel
from services.returns_decision.engines.risk.registry import active_version_dir
from services.returns_decision.engines.risk.scorer import (
    FRAUD_MODEL,
    WARDROBING_MODEL,
    ReturnRiskScorer,
)


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


def interleaved_us(
    entries: dict[str, tuple[Callable[[], object], int]], rounds: int = 10
) -> dict[str, float]:
    """Median over ``rounds`` of each entry's mean time per call, measured in turns.

    Entries take turns (A, B, C, A, B, C, ...) with ``calls`` calls each per turn. On a
    shared machine the load changes from second to second; taking turns gives every entry
    the same conditions, so their ratios hold even when the absolute figures drift.
    """
    for fn, calls in entries.values():
        for _ in range(min(calls, 200)):  # warm caches and lazy set-up
            fn()
    samples: dict[str, list[float]] = {name: [] for name in entries}
    for _ in range(rounds):
        for name, (fn, calls) in entries.items():
            start = time.perf_counter_ns()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter_ns() - start) / calls / 1000.0)
    return {name: statistics.median(values) for name, values in samples.items()}


def run(registry_root: Path, calls: int) -> dict[str, float]:
    directory = active_version_dir(registry_root, FRAUD_MODEL)
    row = build_features(WARM_UP_INPUT)
    batch = np.array([row])
    # Baseline first, alone: FastBooster's init pins this thread's OpenMP pool to one
    # thread, which would make later default Booster.predict calls look faster than they are.
    booster = lightgbm.Booster(model_file=str(directory / MODEL_FILE))
    results = {
        "booster_predict_default_threads": per_call_us(lambda: booster.predict(batch), calls)
    }
    fast = FastBooster(booster)
    model = RiskModel.load(directory)
    scorer = ReturnRiskScorer(registry_root)
    scorer.load()
    turn = max(calls // 2, 1)  # 10 turns of calls/2: as many calls as 5 repeats of calls
    slow = max(turn // 10, 10)  # TreeSHAP entries are ~10x slower: fewer calls per turn
    entries: dict[str, tuple[Callable[[], object], int]] = {
        "booster_predict_1_thread": (lambda: booster.predict(batch, num_threads=1), turn),
        "fast_predict": (lambda: fast.predict(row), turn),
        "fast_leaf_indices": (lambda: fast.leaf_indices(row), turn),
        "booster_pred_contrib_1_thread": (
            lambda: booster.predict(batch, pred_contrib=True, num_threads=1),
            slow,
        ),
        "fast_contributions": (lambda: fast.contributions(row), slow),
        "build_features": (lambda: build_features(WARM_UP_INPUT), turn),
        "score_no_explanation": (lambda: model.score_features(row, top_k=0), turn),
        # All contributions for one row: load, leaf indices, gather and sum / TreeSHAP.
        "explain_path": (lambda: model.explain(row), turn),
        "explain_shap": (lambda: model.explain(row, explainer="shap"), slow),
        "score_top3_path": (lambda: model.score_features(row, top_k=3), turn),
        "score_top3_shap": (lambda: model.score_features(row, top_k=3, explainer="shap"), slow),
        "assess_both_models_no_explanation": (lambda: scorer.assess(WARM_UP_INPUT, top_k=0), turn),
        "assess_both_models_top3": (lambda: scorer.assess(WARM_UP_INPUT, top_k=3), turn),
        "assess_both_models_top3_shap": (
            lambda: scorer.assess(WARM_UP_INPUT, top_k=3, explainer="shap"),
            slow,
        ),
        # What the service's reload poll costs when nothing was promoted (no thread started).
        "maybe_reload_no_change": (
            lambda: (scorer.fraud.pending(), scorer.wardrobing.pending()),
            turn,
        ),
    }
    results.update(interleaved_us(entries))
    start = time.perf_counter()
    RiskModel.load(directory).close()
    results["load_and_warm_up_one_model"] = (time.perf_counter() - start) * 1e6
    results["trees"] = float(booster.num_trees())
    return results


def agreement(model: RiskModel, rows: int, seed: int = 5) -> dict[str, float]:
    """How often path attribution and TreeSHAP report the same features, on generated rows."""
    features = dataset.from_synthetic(rows, seed=seed).feature_matrix()
    same_top1 = same_top3 = overlap = 0
    for row in features:
        path = np.argsort(-np.abs(model.explain(row)[0]), kind="stable")[:3]
        shap = np.argsort(-np.abs(model.explain(row, explainer="shap")[0]), kind="stable")[:3]
        same_top1 += int(path[0] == shap[0])
        common = len(set(path.tolist()) & set(shap.tolist()))
        same_top3 += int(common == 3)
        overlap += common
    n = len(features)
    return {
        "rows": n,
        "same_top1": same_top1 / n,
        "same_top3_set": same_top3 / n,
        "overlap3": overlap / n,
    }


def main(argv: Sequence[str] | None = None) -> int:
    from models.returns.registry import resolve_root

    parser = argparse.ArgumentParser(
        prog="python -m bench.returns_risk",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--registry", help="registry root (default as `python -m models`)")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument(
        "--agreement-rows", type=int, default=1000, help="generated rows for path vs TreeSHAP"
    )
    args = parser.parse_args(argv)
    root = resolve_root(args.registry)
    results = run(root, args.calls)
    trees = int(results.pop("trees"))
    base = results["booster_predict_default_threads"]
    base_1 = results["booster_predict_1_thread"]
    print(
        f"fraud model, {trees} trees; microseconds per call (medians, entries measured in "
        "turns after the default-threads baseline), and as a multiple of one Booster.predict "
        "call (default threads)"
    )
    for name, value in results.items():
        print(f"  {name:<36} {value:>10.2f} us  {value / base:>8.2f}x Booster.predict")
    print(
        f"fast path vs Booster.predict: {base / results['fast_predict']:.1f}x faster (default "
        f"threads), {base_1 / results['fast_predict']:.1f}x (num_threads=1)"
    )
    no_explanation = results["score_no_explanation"]
    path_cost = results["score_top3_path"] - no_explanation
    shap_cost = results["score_top3_shap"] - no_explanation

    def ratios(value: float) -> str:
        # Default-threads predict balloons on a loaded machine (OpenMP), the 1-thread one
        # much less: both are shown, and the 1-thread ratio is the conservative one.
        return f"{value / base_1:.2f}x Booster.predict(num_threads=1), {value / base:.2f}x default"

    print("explanation cost per model (score_top3 minus score_no_explanation):")
    print(f"  path attribution {path_cost:>8.2f} us = {ratios(path_cost)}")
    print(f"  TreeSHAP         {shap_cost:>8.2f} us = {ratios(shap_cost)}")
    alone = results["explain_shap"] / results["explain_path"]
    if path_cost > 0:  # a difference of two noisy medians
        print(
            f"  path attribution is {shap_cost / path_cost:.1f}x cheaper; contributions alone "
            f"(explain_shap / explain_path) {alone:.1f}x"
        )
    assess = results["assess_both_models_top3"]
    assess_shap = results["assess_both_models_top3_shap"]
    print("assess_both_models_top3 (both models, 3 features each):")
    print(f"  path attribution {assess:>8.2f} us = {ratios(assess)}")
    print(f"  TreeSHAP         {assess_shap:>8.2f} us = {ratios(assess_shap)}")
    for name in (FRAUD_MODEL, WARDROBING_MODEL):
        model = RiskModel.load(active_version_dir(root, name))
        agree = agreement(model, args.agreement_rows)
        print(
            f"{name}: path attribution vs TreeSHAP on {agree['rows']:.0f} generated requests: "
            f"same top feature {agree['same_top1']:.0%}, same top-3 set "
            f"{agree['same_top3_set']:.0%}, {agree['overlap3']:.2f} of 3 in common"
        )
        model.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
