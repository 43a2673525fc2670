"""Evaluation report for one model version: PNG plots and a model card (Markdown and JSON).

Written next to the artifact in the version directory. Unlike ``model.txt`` and
``metadata.json`` it records wall-clock facts (when, how long), so it is not byte-stable.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from models.returns import metrics
from models.returns.dataset import ReturnsDataset, Task
from models.returns.targets import PromotionTargets, check_targets, targets_for
from models.returns.train import TrainResult
from services.returns_decision.engines.risk.features import FEATURE_NAMES

CARD_MD = "model_card.md"
CARD_JSON = "model_card.json"
PLOTS_DIR = "plots"


def auc_standard_error(auc: float, positives: int, negatives: int) -> float:
    """Hanley & McNeil (1982): how much an AUC moves between samples of this size."""
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    return math.sqrt(max(var, 0.0))


def _title(result: TrainResult, what: str) -> str:
    # Name and (final, content-derived) version on the image itself: a PNG pasted into a
    # slide or a ticket still says which model it shows.
    return f"{result.metadata.name} {result.metadata.version}\n{what}"


def _save(fig: Figure, path: Path, result: TrainResult) -> None:
    fig.tight_layout()
    identity = f"{result.metadata.name} {result.metadata.version}"
    fig.savefig(path, dpi=100, metadata={"Title": identity})
    plt.close(fig)


def _plot_roc(result: TrainResult, path: Path) -> None:
    test = result.splits["test"]
    fig, ax = plt.subplots(figsize=(5, 5))
    fpr, tpr = metrics.roc_curve(result.probabilities["test"], test.labels)
    auc = metrics.roc_auc(result.probabilities["test"], test.labels)
    ax.plot(fpr, tpr, label=f"model (AUC {auc:.3f})")
    if test.posterior is not None:
        fpr_b, tpr_b = metrics.roc_curve(test.posterior, test.labels)
        auc_b = metrics.roc_auc(test.posterior, test.labels)
        ax.plot(fpr_b, tpr_b, "--", label=f"Bayes-optimal (AUC {auc_b:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title=_title(result, "ROC, test split"),
    )
    ax.legend(loc="lower right")
    _save(fig, path, result)


def _plot_pr(result: TrainResult, path: Path) -> None:
    test = result.splits["test"]
    fig, ax = plt.subplots(figsize=(5, 5))
    pr = metrics.precision_recall(result.probabilities["test"], test.labels)
    ax.step(pr.recall, pr.precision, where="post", label="model")
    if test.posterior is not None:
        prb = metrics.precision_recall(test.posterior, test.labels)
        ax.step(prb.recall, prb.precision, "--", where="post", label="Bayes-optimal")
    for band, row in result.metadata.training["test_metrics"]["bands"].items():
        if row["precision"] is not None:
            ax.plot(row["recall"], row["precision"], "o")
            ax.annotate(
                band, (row["recall"], row["precision"]), textcoords="offset points", xytext=(4, 4)
            )
    ax.set(
        xlabel="recall",
        ylabel="precision",
        title=_title(result, "Precision-recall, test split"),
        ylim=(0, 1.02),
    )
    ax.legend(loc="upper right")
    _save(fig, path, result)


RELIABILITY_EDGES = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0)


def _plot_reliability(result: TrainResult, path: Path) -> None:
    """Log-log, with bins spaced for rare events: most returns score below 1 %."""
    test = result.splits["test"]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    floor = 1e-4  # where a bin with no positives is drawn on the log axis
    for label, scores, marker in (
        ("calibrated", result.probabilities["test"], "o-"),
        ("uncalibrated", result.raw_scores["test"], "s--"),
    ):
        bins = np.digitize(scores, RELIABILITY_EDGES[1:-1])
        xs, ys = [], []
        for b in range(len(RELIABILITY_EDGES) - 1):
            mask = bins == b
            if mask.sum() >= 20:  # fewer rows than that say nothing about a rate
                xs.append(float(scores[mask].mean()))
                ys.append(max(float(test.labels[mask].mean()), floor))
        ax.plot(xs, ys, marker, label=label)
    ax.plot([floor, 1], [floor, 1], ":", color="grey", label="perfect")
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(floor, 1),
        ylim=(floor * 0.8, 1.2),
        xlabel="mean predicted probability (bins of >= 20 rows)",
        ylabel="observed positive rate",
        title=_title(result, "Reliability, test split"),
    )
    ax.legend(loc="upper left")
    _save(fig, path, result)


def _plot_importance(result: TrainResult, path: Path) -> None:
    gain = result.metadata.training["feature_importance_gain"]
    names = sorted(FEATURE_NAMES, key=lambda n: gain[n])
    fig, ax = plt.subplots(figsize=(6, 7))
    ax.barh(names, [gain[n] for n in names])
    ax.set(xlabel="total gain", title=_title(result, "Feature importance (gain)"))
    _save(fig, path, result)


def holdout_check(result: TrainResult, holdout: ReturnsDataset) -> dict[str, Any] | None:
    """Model vs Bayes-optimal ROC-AUC on a fresh, larger synthetic sample.

    The test split holds a few hundred positives, so there the model can beat the
    Bayes-optimal score by luck; a fresh sample of many more rows settles the comparison.
    """
    task: Task = result.metadata.task  # type: ignore[assignment]
    if task not in holdout.posterior or task not in holdout.labels:
        return None
    labels = holdout.labels[task]
    raw = np.asarray(result.booster.predict(holdout.feature_matrix()), dtype=np.float64)
    positives = int(labels.sum())
    model_auc = metrics.roc_auc(raw, labels)
    best_auc = metrics.roc_auc(holdout.posterior[task], labels)
    return {
        "source": holdout.source,
        "rows": len(labels),
        "positives": positives,
        "roc_auc": model_auc,
        "best_achievable_roc_auc": best_auc,
        "roc_auc_standard_error": auc_standard_error(model_auc, positives, len(labels) - positives),
    }


def build_card(
    result: TrainResult, *, trained_seconds: float, holdout: ReturnsDataset | None = None
) -> dict[str, Any]:
    meta = result.metadata
    training = meta.training
    test = result.splits["test"]
    tm = training["test_metrics"]
    positives = int(test.labels.sum())
    negatives = len(test.labels) - positives
    best = training["best_achievable"]
    card: dict[str, Any] = {
        "name": meta.name,
        "version": meta.version,
        "task": meta.task,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_seconds": round(trained_seconds, 3),
        "trained_on": training.get("trained_on"),
        "stage_seconds": {k: round(v, 3) for k, v in result.timings.items()},
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
        "data": {
            "source": training["data_source"],
            "fingerprint": training["data_fingerprint"],
            "splits": training["splits"],
            "defaulted_columns": training.get("defaulted_columns", []),
        },
        "schema_fingerprint": meta.schema_fingerprint,
        "parameters": training["params"],
        "best_iteration": training["best_iteration"],
        "calibration": meta.calibration["method"],
        "bands": meta.bands,
        "band_selection": training["band_selection"],
        "metrics": {
            "roc_auc": tm["roc_auc"],
            "roc_auc_standard_error": auc_standard_error(tm["roc_auc"], positives, negatives),
            "pr_auc": tm["pr_auc"],
            "brier": tm["brier"],
            "brier_uncalibrated": tm["brier_uncalibrated"],
            "bands": tm["bands"],
            "reliability": tm["reliability"],
        },
        "best_achievable": best,
        # What `promote` holds this version to (gate.py reads them back from here).
        "promotion_targets": targets_for(meta.task).to_json(),
        "fresh_sample": None if holdout is None else holdout_check(result, holdout),
        "feature_importance_gain": training["feature_importance_gain"],
        "plots": [
            f"{PLOTS_DIR}/{n}" for n in ("roc.png", "pr.png", "reliability.png", "importance.png")
        ],
    }
    return card


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_markdown(card: dict[str, Any]) -> str:
    lines = [
        f"# Model card: {card['name']} {card['version']}",
        "",
        f"Task: **{card['task']}** risk of a return request (binary, LightGBM, "
        f"{card['calibration']} calibration). Trained {card['created_at']} in "
        f"{card['training_seconds']:.1f} s, {_where(card.get('trained_on'))}.",
        "",
    ]
    lines += _data_section(card)
    lines += _metrics_section(card)
    lines += _bands_section(card)
    lines += _targets_section(card)
    lines += _importance_section(card)
    lines += ["", "## Plots", ""]
    lines += [f"![{p}]({p})" for p in card["plots"]]
    lines += [
        "",
        "## Parameters",
        "",
        "```json",
        json.dumps(card["parameters"], indent=2, sort_keys=True),
        "```",
        "",
        "## Intended use and limits",
        "",
        "Ranks return requests for review and picks a handling band; it never decides a "
        "refund alone. Trained on synthetic histories unless the data source says otherwise: "
        "its figures describe the generator's world, not a merchant's.",
        "",
    ]
    return "\n".join(lines)


def _where(trained_on: dict[str, Any] | None) -> str:
    if trained_on is None:  # metadata from before training recorded it
        return "place not recorded"
    if trained_on.get("mode") == "dask":
        return (
            f"boosting on a dask cluster ({trained_on['workers']} worker(s), scheduler "
            f"`{trained_on['scheduler']}`)"
        )
    return "locally (one process)"


def _data_section(card: dict[str, Any]) -> list[str]:
    defaulted = card["data"].get("defaulted_columns") or []
    lines = [
        "## Data",
        "",
        f"- source: `{card['data']['source']}`; fingerprint `{card['data']['fingerprint']}`",
        f"- feature schema fingerprint `{card['schema_fingerprint']}`",
    ]
    if defaulted:
        lines.append(
            f"- **defaulted columns**: {', '.join(f'`{c}`' for c in defaulted)} were absent "
            "from the table; every row got the default value, so the model did not learn "
            "from them"
        )
    lines += [
        "",
        "| split | rows | positives | from | to |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for name, s in card["data"]["splits"].items():
        lines.append(
            f"| {name} | {s['rows']} | {s['positives']} | {s['first_day']} | {s['last_day']} |"
        )
    return [
        *lines,
        "",
        "Split by request date: train on the oldest, early-stop, calibrate and choose band "
        "thresholds on the next, report on the newest.",
        "",
    ]


def _metrics_section(card: dict[str, Any]) -> list[str]:
    m = card["metrics"]
    best = card["best_achievable"]
    lines = [
        "## Metrics (test split)",
        "",
        "| metric | model | best achievable |",
        "| --- | ---: | ---: |",
        f"| ROC-AUC | {_fmt(m['roc_auc'])} ± {_fmt(m['roc_auc_standard_error'])} | "
        f"{_fmt(best['roc_auc'] if best else None)} |",
        f"| PR-AUC | {_fmt(m['pr_auc'])} | {_fmt(best['pr_auc'] if best else None)} |",
        f"| Brier | {_fmt(m['brier'], 4)} (uncalibrated {_fmt(m['brier_uncalibrated'], 4)}) | "
        f"{_fmt(best['brier'] if best else None, 4)} |",
        "",
    ]
    if best:
        lines += [
            '"Best achievable" scores the same rows with the generator\'s true posterior '
            "P(label | visible fields): the Bayes-optimal score, which no model can beat in "
            "expectation. On a finite test split either can come out ahead by sampling noise "
            "(the ± is one standard error, Hanley & McNeil).",
            "",
        ]
    else:
        lines += ["Best achievable AUC: unknown (real data has no known posterior).", ""]
    fresh = card.get("fresh_sample")
    if fresh:
        lines += [
            f"On a fresh synthetic sample ({fresh['rows']} rows, {fresh['positives']} positive, "
            f"`{fresh['source']}`): model ROC-AUC {fresh['roc_auc']:.4f} "
            f"± {fresh['roc_auc_standard_error']:.4f}, best achievable "
            f"{fresh['best_achievable_roc_auc']:.4f}.",
            "",
        ]
    return lines


def _bands_section(card: dict[str, Any]) -> list[str]:
    lines = [
        "## Score bands",
        "",
        "A band includes every score at or above its threshold. Precision, recall and share "
        'flagged are for "this band or above".',
        "",
        "| band | threshold | precision (valid / test) | recall (valid / test) | flagged (test) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    selection = card["band_selection"]
    valid = selection["validation"]
    for band, row in card["metrics"]["bands"].items():
        v = valid[band]
        lines.append(
            f"| {band} | {row['threshold']:.4f} "
            f"| {_fmt(v['precision'])} / {_fmt(row['precision'])} "
            f"| {_fmt(v['recall'])} / {_fmt(row['recall'])} | {100 * row['flagged']:.2f} % |"
        )
    targets = selection["targets"]
    return [
        *lines,
        "",
        f"Targets: CRITICAL precision >= {targets['critical_precision']} flagging at most "
        f"{100 * targets['critical_max_flagged']:.0f} % of returns "
        f"({'met' if selection['critical_target_met'] else 'NOT met'}); HIGH "
        f"precision >= {targets['high_precision']} "
        f"({'met' if selection['high_target_met'] else 'NOT met'}); MEDIUM and "
        f"above recall >= {targets['medium_recall']} flagging at most "
        f"{100 * targets['medium_max_flagged']:.0f} % "
        f"({'met' if selection['medium_target_met'] else 'NOT met'}), on validation.",
        "",
    ]


def _targets_section(card: dict[str, Any]) -> list[str]:
    targets = PromotionTargets.from_json(card["promotion_targets"])
    test = {
        "roc_auc": card["metrics"]["roc_auc"],
        "bands": card["metrics"]["bands"],
        "rows": card["data"]["splits"]["test"]["rows"],
    }
    lines = [
        "## Promotion targets",
        "",
        "`python -m models promote` refuses this version unless it meets these on its test "
        "split and, on the same rows, its ROC-AUC trails the active version's by at most "
        f"{targets.max_roc_auc_loss} (models/returns/targets.py, gate.py).",
        "",
        "| check | result |",
        "| --- | --- |",
    ]
    for check in check_targets(test, targets):
        verdict = "met" if check.passed and check.judged else "NOT met" if not check.passed else ""
        lines.append(f"| {check.name} | {check.detail}{f' ({verdict})' if verdict else ''} |")
    return [*lines, ""]


def _importance_section(card: dict[str, Any]) -> list[str]:
    lines = ["## Feature importance (gain, top 10)", ""]
    gain = card["feature_importance_gain"]
    total = sum(gain.values()) or 1.0
    for name in sorted(gain, key=lambda n: -gain[n])[:10]:
        lines.append(f"- {name}: {100 * gain[name] / total:.1f} %")
    return lines


def write_report(
    directory: Path,
    result: TrainResult,
    *,
    trained_seconds: float,
    holdout: ReturnsDataset | None = None,
) -> dict[str, Any]:
    plots = directory / PLOTS_DIR
    plots.mkdir(parents=True, exist_ok=True)
    _plot_roc(result, plots / "roc.png")
    _plot_pr(result, plots / "pr.png")
    _plot_reliability(result, plots / "reliability.png")
    _plot_importance(result, plots / "importance.png")
    card = build_card(result, trained_seconds=trained_seconds, holdout=holdout)
    (directory / CARD_JSON).write_text(
        json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (directory / CARD_MD).write_text(render_markdown(card), encoding="utf-8")
    return card
