"""Drift metrics: how the logged rows are distributed, computed on the decision log's writer
thread from the rows it takes (never on the request path), exported through Prometheus.

- ``returns_drift_feature_bin_total{feature, bin}``: rows per bin of each numeric feature.
  Bins are the active fraud model's training deciles when its version has a training
  profile (``engines/risk/profile.py``), so each bin held about a tenth of the training
  rows and a live share far from 0.1 is drift; otherwise ``FIXED_EDGES``. ``bin`` is the
  bin's index (``0`` is ``<= edges[0]``) or ``missing``.
- ``returns_drift_category_total{feature, category}``: rows per category.
- ``returns_drift_score{model}``: a histogram of each model's calibrated score (shadows as
  ``<model>:shadow``).

Counts are added once per batch the writer takes (every 0.2 s), not per row: the cost
does not grow with the number of Prometheus updates under load.
"""

from __future__ import annotations

import math
from collections import Counter as Tally
from collections.abc import Mapping, Sequence
from typing import Any, Final

from prometheus_client import Counter, Histogram

from services.returns_decision.engines.decision_log.schema import COLUMNS
from services.returns_decision.engines.risk.features import FEATURES
from services.returns_decision.engines.risk.profile import numeric_bin

# Used without a training profile: wide enough for amounts, counts, days and shares.
FIXED_EDGES: Final = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 5000.0)
SCORE_BUCKETS: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)
MISSING: Final = "missing"

_FEATURES = COLUMNS.index("features")
_SCORES: Final = (
    ("fraud", COLUMNS.index("fraud_score"), ""),
    ("wardrobing", COLUMNS.index("wardrobing_score"), ""),
    ("fraud", COLUMNS.index("fraud_shadow_score"), ":shadow"),
    ("wardrobing", COLUMNS.index("wardrobing_shadow_score"), ":shadow"),
)


def reference_edges(profile: Mapping[str, Any] | None) -> dict[str, tuple[float, ...]]:
    """Each numeric feature's bin edges: the profile's training deciles, else fixed."""
    found: dict[str, tuple[float, ...]] = {}
    stored = profile.get("features", {}) if profile else {}
    for spec in FEATURES:
        if spec.kind != "numeric":
            continue
        edges = stored.get(spec.name, {}).get("edges")
        found[spec.name] = tuple(float(e) for e in edges) if edges else FIXED_EDGES
    return found


class DriftMetrics:
    """Adds a batch of log rows (``schema.COLUMNS`` tuples) to the drift metrics."""

    def __init__(
        self,
        edges: Mapping[str, Sequence[float]],
        bins: Counter,
        categories: Counter,
        scores: Histogram,
        model_names: Mapping[str, str],  # task -> model name
    ) -> None:
        self._numeric = [
            (i, spec.name, tuple(edges[spec.name]))
            for i, spec in enumerate(FEATURES)
            if spec.kind == "numeric"
        ]
        self._categorical = [
            (i, spec.name, spec.categories)
            for i, spec in enumerate(FEATURES)
            if spec.kind == "categorical"
        ]
        self._bins = bins
        self._categories = categories
        self._scores = [
            (column, scores.labels(model_names[task] + suffix)) for task, column, suffix in _SCORES
        ]

    def observe(self, rows: Sequence[tuple[Any, ...]]) -> None:
        binned: Tally[tuple[str, str]] = Tally()
        labelled: Tally[tuple[str, str]] = Tally()
        for row in rows:
            features = row[_FEATURES]
            if features is not None:
                for i, name, edges in self._numeric:
                    b = numeric_bin(edges, features[i])
                    binned[name, MISSING if b < 0 else str(b)] += 1
                for i, name, categories in self._categorical:
                    value = features[i]
                    code = -1 if math.isnan(value) else int(value)
                    label = categories[code] if 0 <= code < len(categories) else MISSING
                    labelled[name, label] += 1
            for column, histogram in self._scores:
                score = row[column]
                if score is not None:
                    histogram.observe(score)
        for (name, bin_label), n in binned.items():
            self._bins.labels(name, bin_label).inc(n)
        for (name, label), n in labelled.items():
            self._categories.labels(name, label).inc(n)
