"""The generator: deterministic, calibrated to its story, posterior exact."""

from __future__ import annotations

import numpy as np
import pytest

from models.returns import synthetic
from models.returns.metrics import roc_auc


@pytest.fixture(scope="module")
def sample() -> synthetic.SyntheticReturns:
    return synthetic.generate(40_000, seed=5)


def test_same_seed_same_rows() -> None:
    a, b = synthetic.generate(500, 3), synthetic.generate(500, 3)
    for name in a.columns:
        np.testing.assert_array_equal(a.columns[name], b.columns[name])
    np.testing.assert_array_equal(a.posterior["fraud"], b.posterior["fraud"])
    c = synthetic.generate(500, 4)
    assert not np.array_equal(a.columns["item_price"], c.columns["item_price"])


def test_base_rates(sample: synthetic.SyntheticReturns) -> None:
    summary = sample.summary()
    # Published: about 9-14 % of return value is fraudulent or abusive.
    assert 0.09 <= summary["value_share_abusive"] <= 0.14
    assert 0.01 <= summary["share_fraud_acts"] <= 0.04
    assert 0.015 <= summary["share_wardrobing_acts"] <= 0.05
    # Labels are noisy views of the acts: fewer confirmed than committed.
    assert summary["label_rate_fraud"] < summary["share_fraud_acts"] + 0.005


def test_time_order_and_wardrobing_after_events(sample: synthetic.SyntheticReturns) -> None:
    days = sample.columns["requested_on"]
    assert (np.diff(days.astype(np.int64)) >= 0).all()
    from services.returns_decision.engines.risk.features import days_since_event

    near = np.array([days_since_event(d) <= synthetic.NEAR_EVENT_DAYS for d in days.tolist()])
    wardrobing = sample.act == synthetic.WARDROBING_ACT
    assert wardrobing[near].mean() > 1.5 * wardrobing[~near].mean()


def test_posterior_is_calibrated_and_beats_single_signals(
    sample: synthetic.SyntheticReturns,
) -> None:
    for task in ("fraud", "wardrobing"):
        posterior, labels = sample.posterior[task], sample.labels[task]
        assert abs(posterior.mean() - labels.mean()) < 0.004
        high = posterior > 0.5
        assert abs(labels[high].mean() - posterior[high].mean()) < 0.05
        best = roc_auc(posterior, labels)
        assert 0.8 < best < 0.99  # overlapping classes: not separable
        for signal in ("item_price", "account_age_days", "chargebacks"):
            values = sample.columns[signal].astype(np.float64)
            assert roc_auc(values, labels) < best
            assert roc_auc(-values, labels) < best
