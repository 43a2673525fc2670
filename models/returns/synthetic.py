"""Synthetic return requests from a generative story whose posterior is known exactly.

The story, per return request (each row is an independent draw from the population of
returning customers; a customer's past is summarised in their history counts):

1. The request day ``D`` is uniform over two years starting 2023-01-01.
2. A latent customer type ``t``: honest (82 % of returns), serial returner (11 %; buys
   several sizes and returns most), wardrober (4 %), fraudster (3 %).
3. A latent act ``a`` given ``t`` and ``D``: legitimate return, wardrobing (bought for an
   occasion, worn, returned), or one of three frauds: empty box (returns packaging only),
   item swap (returns a cheaper or broken item), false "not received" claim. Wardrobers
   wardrobe far more often in the ten days after a calendar event (the same calendar as
   ``features.EVENT_CALENDAR``); honest customers very occasionally wardrobe or claim
   non-delivery; serial returners sometimes wardrobe.
4. Customer history given ``t``: account age (log-normal; fraudsters' accounts are young),
   lifetime orders (Poisson in account age), spend (log-normal order value), returns in
   365 days (Poisson) of which a binomial share fell in the last 90, keep-it refunds and
   chargebacks (Poisson), payment method, channel, discount level, bracketing.
5. The return given ``a``: category (frauds favour electronics and jewellery, wardrobing
   formalwear), price (log-normal per category, higher for abuse), other items in the
   order, final sale, stated reason, days from order to delivery, days from delivery to
   request (wardrobing is returned after about 11 days, false claims within two), and the
   condition on receipt (often not yet inspected; empty boxes and swaps show when it is).
6. Observed labels come from ``a`` through noise: only 85 % of frauds and 80 % of
   wardrobing are ever confirmed, and 0.3 % / 0.4 % of other returns are labelled wrongly.

Every step has a closed-form probability, so for each row the generator computes the true
posterior ``P(label = 1 | everything visible)`` by summing over the latent ``(t, a)``.
Scoring with that posterior is Bayes-optimal: its ROC-AUC is the best any model can reach
on these rows, and the evaluation report states it next to the model's.

Calibration against published figures: about 9-14 % of return value is fraudulent or
abusive (``value_share_abusive`` in ``summary()``; about 11 % with the default
parameters); the models' CRITICAL band is chosen to flag under 1 % of returns, like
production systems do.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from services.returns_decision.engines.risk.features import (
    CHANNELS,
    CONDITIONS,
    ITEM_CATEGORIES,
    PAYMENT_METHODS,
    REASON_CODES,
    days_since_event,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

START_DATE: Final = dt.date(2023, 1, 1)
PERIOD_DAYS: Final = 730
NEAR_EVENT_DAYS: Final = 10

CUSTOMER_TYPES: Final = ("honest", "serial_returner", "wardrober", "fraudster")
ACTS: Final = ("legit", "wardrobing", "empty_box", "item_swap", "false_not_received")
FRAUD_ACTS: Final = (2, 3, 4)
WARDROBING_ACT: Final = 1

# Observed label = confirmed act, with misses and false alarms.
LABEL_NOISE: Final = {
    "fraud": (0.85, 0.003),  # P(label=1 | fraud act), P(label=1 | other act)
    "wardrobing": (0.80, 0.004),
}

_EPS: Final = 1e-9  # floor for "never": keeps every log finite; sampled with that floor too


def _rows(table: list[list[float]]) -> FloatArray:
    arr = np.maximum(np.asarray(table, dtype=np.float64), _EPS)
    return np.asarray(arr / arr.sum(axis=1, keepdims=True), dtype=np.float64)


TYPE_PRIOR: Final = np.array([0.82, 0.11, 0.04, 0.03])

# ---- customer history given the type (index by CUSTOMER_TYPES) ----
AGE_MU: Final = np.log([900.0, 1100.0, 500.0, 60.0])
AGE_SIGMA: Final = np.array([0.9, 0.7, 0.9, 1.2])
ORDERS_PER_YEAR: Final = np.array([5.0, 14.0, 8.0, 10.0])
AOV_MU: Final = np.log([70.0, 85.0, 110.0, 160.0])
AOV_SIGMA: Final = 0.5
RETURNS_365_RATE: Final = np.array([0.8, 7.0, 3.5, 2.0])
RECENT_SHARE: Final = np.array([0.25, 0.3, 0.3, 0.5])  # of the 365-day returns, in the last 90
KEEP_IT_RATE: Final = np.array([0.1, 0.3, 0.3, 1.0])
CHARGEBACK_RATE: Final = np.array([0.02, 0.04, 0.05, 0.4])
MULTI_SIZE_P: Final = np.array([0.06, 0.40, 0.12, 0.04])
PAYMENT_P: Final = _rows(  # PAYMENT_METHODS order
    [
        [0.02, 0.55, 0.25, 0.08, 0.04, 0.04, 0.02],
        [0.02, 0.45, 0.25, 0.20, 0.04, 0.02, 0.02],
        [0.02, 0.45, 0.22, 0.22, 0.05, 0.02, 0.02],
        [0.04, 0.30, 0.15, 0.20, 0.20, 0.03, 0.08],
    ]
)
CHANNEL_P: Final = _rows(  # CHANNELS order
    [
        [0.01, 0.55, 0.30, 0.08, 0.04, 0.02],
        [0.01, 0.50, 0.38, 0.08, 0.02, 0.01],
        [0.01, 0.50, 0.35, 0.10, 0.03, 0.01],
        [0.02, 0.35, 0.30, 0.30, 0.01, 0.02],
    ]
)
DISCOUNT_LEVELS: Final = np.array([0.0, 0.1, 0.2, 0.3, 0.5])
DISCOUNT_P: Final = _rows(
    [
        [0.60, 0.20, 0.12, 0.05, 0.03],
        [0.40, 0.25, 0.20, 0.10, 0.05],
        [0.50, 0.20, 0.15, 0.10, 0.05],
        [0.35, 0.20, 0.20, 0.15, 0.10],
    ]
)

# ---- the return given the act (index by ACTS) ----
CATEGORY_P: Final = _rows(  # ITEM_CATEGORIES order
    [
        [0.03, 0.34, 0.04, 0.15, 0.06, 0.12, 0.03, 0.09, 0.05, 0.05, 0.04],
        [0.01, 0.30, 0.30, 0.10, 0.08, 0.10, 0.06, 0.01, 0.01, 0.02, 0.01],
        [0.02, 0.08, 0.02, 0.12, 0.06, 0.45, 0.15, 0.03, 0.04, 0.02, 0.01],
        [0.02, 0.10, 0.04, 0.15, 0.08, 0.38, 0.15, 0.03, 0.02, 0.02, 0.01],
        [0.03, 0.22, 0.04, 0.12, 0.06, 0.28, 0.08, 0.07, 0.04, 0.03, 0.03],
    ]
)
PRICE_MU: Final = np.log([40.0, 45.0, 170.0, 90.0, 40.0, 240.0, 190.0, 60.0, 30.0, 70.0, 35.0])
PRICE_SIGMA: Final = 0.6
PRICE_SHIFT: Final = np.array([0.0, 0.3, 0.5, 0.55, 0.3])  # abuse targets dearer items
EXTRA_ITEMS_RATE: Final = np.array([1.0, 0.6, 0.3, 0.3, 0.6])
EXTRA_ITEM_VALUE: Final = 45.0
EXTRA_SIGMA: Final = 0.5
FINAL_SALE_P: Final = np.array([0.03, 0.05, 0.03, 0.03, 0.03])
REASON_P: Final = _rows(  # REASON_CODES order
    [
        [0.05, 0.25, 0.30, 0.11, 0.12, 0.06, 0.04, 0.03, 0.04],
        [0.06, 0.36, 0.28, 0.08, 0.20, 0.01, 0.005, 0.0025, 0.0025],
        [0.06, 0.18, 0.05, 0.34, 0.24, 0.10, 0.02, 0.005, 0.005],
        [0.04, 0.08, 0.04, 0.45, 0.20, 0.16, 0.02, 0.005, 0.005],
        [0.02, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.93, 0.05],
    ]
)
NO_SCAN_P: Final = np.array([0.02, 0.02, 0.02, 0.02, 0.12])  # no delivery scan
TRANSIT_RATE: Final = 2.5  # days in transit = 1 + Poisson
WAIT_MEDIAN: Final = np.array([6.0, 11.0, 4.0, 8.0, 1.5])  # delivery -> request, days
WAIT_SIGMA: Final = np.array([0.8, 0.35, 0.6, 0.6, 0.8])
MAX_WAIT: Final = 90
INSPECTED_P: Final = np.array([0.55, 0.55, 0.55, 0.55, 0.02])
CONDITION_IF_INSPECTED: Final = _rows(  # CONDITIONS order; index 0 (not_inspected) unused
    [
        [0.0, 0.33, 0.45, 0.07, 0.10, 0.04, 0.003, 0.007],
        [0.0, 0.05, 0.52, 0.36, 0.05, 0.02, 0.0, 0.0],
        [0.0, 0.0, 0.05, 0.0, 0.08, 0.17, 0.70, 0.0],
        [0.0, 0.0, 0.12, 0.05, 0.25, 0.05, 0.0, 0.53],
        [0.0, 0.30, 0.40, 0.10, 0.10, 0.05, 0.0, 0.05],
    ]
)


def _condition_p() -> FloatArray:
    p = CONDITION_IF_INSPECTED * INSPECTED_P[:, None]
    p[:, 0] = 1.0 - INSPECTED_P
    return _rows(p.tolist())


CONDITION_P: Final = _condition_p()


def _wait_pmf() -> FloatArray:
    def cdf(x: float, mu: float, sigma: float) -> float:
        if x <= 0:
            return 0.0
        return 0.5 * (1.0 + math.erf((math.log(x) - mu) / (sigma * math.sqrt(2.0))))

    table = [
        [cdf(k + 1, math.log(m), s) - cdf(k, math.log(m), s) for k in range(MAX_WAIT)]
        for m, s in zip(WAIT_MEDIAN, WAIT_SIGMA, strict=True)
    ]
    return _rows(table)


WAIT_PMF: Final = _wait_pmf()


def act_prior(near_event: npt.NDArray[np.bool_]) -> FloatArray:
    """P(act | type, day) for each row: shape (rows, types, acts)."""
    n = near_event.shape[0]
    near = near_event.astype(np.float64)
    prior = np.full((n, len(CUSTOMER_TYPES), len(ACTS)), _EPS)
    honest_w = 0.004 + 0.006 * near
    prior[:, 0, 1] = honest_w
    prior[:, 0, 4] = 0.002
    prior[:, 1, 1] = 0.08
    prior[:, 2, 1] = 0.30 + 0.50 * near
    prior[:, 3, 2] = 0.22
    prior[:, 3, 3] = 0.22
    prior[:, 3, 4] = 0.28
    legit = 1.0 - prior[:, :, 1:].sum(axis=2)
    prior[:, :, 0] = legit
    return np.asarray(prior / prior.sum(axis=2, keepdims=True), dtype=np.float64)


# ---- log-densities ----
_LOG_FACT: Final = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, 4001)))])
_HALF_LOG_2PI: Final = 0.5 * math.log(2 * math.pi)


def _poisson_logpmf(k: IntArray, lam: FloatArray) -> FloatArray:
    lam = np.maximum(lam, 1e-300)
    return np.asarray(k * np.log(lam) - lam - _LOG_FACT[k], dtype=np.float64)


def _binom_logpmf(k: IntArray, n: IntArray, p: float) -> FloatArray:
    out = _LOG_FACT[n] - _LOG_FACT[k] - _LOG_FACT[n - k]
    return np.asarray(out + k * math.log(p) + (n - k) * math.log(1 - p), dtype=np.float64)


def _lognormal_logpdf(x: FloatArray, mu: FloatArray | float, sigma: float) -> FloatArray:
    lx = np.log(x)
    return np.asarray(
        -lx - math.log(sigma) - _HALF_LOG_2PI - (lx - mu) ** 2 / (2 * sigma**2),
        dtype=np.float64,
    )


def _bernoulli_logpmf(x: npt.NDArray[np.bool_], p: float) -> FloatArray:
    return np.where(x, math.log(p), math.log(1 - p))


def _sample_categorical(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One draw per row from per-row probability vectors (rows, k)."""
    u = rng.random(int(probs.shape[0]))
    cum = np.cumsum(probs, axis=1)
    idx = (u[:, None] > cum).sum(axis=1)
    return np.asarray(np.minimum(idx, probs.shape[1] - 1), dtype=np.int64)


@dataclass(frozen=True)
class SyntheticReturns:
    """Generated rows in time order, as columns named like ``RiskInput`` fields."""

    columns: dict[str, npt.NDArray[Any]]
    customer_type: IntArray  # index into CUSTOMER_TYPES (latent)
    act: IntArray  # index into ACTS (latent)
    labels: dict[str, npt.NDArray[np.int8]]  # "fraud", "wardrobing": observed, noisy
    posterior: dict[str, FloatArray]  # true P(label=1 | visible row)

    def __len__(self) -> int:
        return int(self.act.shape[0])

    def summary(self) -> dict[str, float]:
        price = self.columns["item_price"].astype(np.float64)
        abusive = self.act != 0
        fraud = np.isin(self.act, FRAUD_ACTS)
        return {
            "rows": float(len(self)),
            "share_fraud_acts": float(fraud.mean()),
            "share_wardrobing_acts": float((self.act == WARDROBING_ACT).mean()),
            "value_share_abusive": float(price[abusive].sum() / price.sum()),
            "label_rate_fraud": float(self.labels["fraud"].mean()),
            "label_rate_wardrobing": float(self.labels["wardrobing"].mean()),
        }


def generate(rows: int, seed: int) -> SyntheticReturns:
    """``rows`` return requests, deterministic in ``seed``, sorted by request day."""
    # The draws happen in the story's order (day, type, act, history, return, labels):
    # the same seed gives the same rows only as long as that order stays the same.
    rng = np.random.default_rng(seed)
    n = rows
    day = np.sort(rng.integers(0, PERIOD_DAYS, n))
    dates = [START_DATE + dt.timedelta(days=int(d)) for d in day]
    near = np.array([days_since_event(d) <= NEAR_EVENT_DAYS for d in dates])

    ctype = _sample_categorical(rng, np.broadcast_to(TYPE_PRIOR, (n, len(TYPE_PRIOR))))
    prior = act_prior(near)
    act = _sample_categorical(rng, prior[np.arange(n), ctype])
    history = _sample_history(rng, ctype, n)
    ret = _sample_return(rng, act, n)
    labels: dict[str, npt.NDArray[np.int8]] = {}
    is_fraud = np.isin(act, FRAUD_ACTS)
    is_wardrobing = act == WARDROBING_ACT
    for task, truth in (("fraud", is_fraud), ("wardrobing", is_wardrobing)):
        hit, false_alarm = LABEL_NOISE[task]
        labels[task] = (rng.random(n) < np.where(truth, hit, false_alarm)).astype(np.int8)

    return SyntheticReturns(
        columns=_columns(dates, history, ret),
        customer_type=ctype,
        act=act,
        labels=labels,
        posterior=_posterior(prior, history, ret),
    )


@dataclass(frozen=True)
class _History:
    """A customer's history, drawn given their type (step 4 of the story)."""

    age: FloatArray
    orders: IntArray
    spend: FloatArray
    returns_365: IntArray
    returns_90: IntArray
    keep_it: IntArray
    chargebacks: IntArray
    payment: IntArray
    channel: IntArray
    discount: IntArray
    multi_size: npt.NDArray[np.bool_]


def _sample_history(rng: np.random.Generator, ctype: IntArray, n: int) -> _History:
    age = np.exp(rng.normal(AGE_MU[ctype], AGE_SIGMA[ctype]))
    orders = 1 + rng.poisson(ORDERS_PER_YEAR[ctype] * age / 365.0)
    spend = np.asarray(orders * np.exp(rng.normal(AOV_MU[ctype], AOV_SIGMA)), dtype=np.float64)
    returns_365 = rng.poisson(RETURNS_365_RATE[ctype])
    returns_90 = rng.binomial(returns_365, RECENT_SHARE[ctype])
    keep_it = rng.poisson(KEEP_IT_RATE[ctype])
    chargebacks = rng.poisson(CHARGEBACK_RATE[ctype])
    payment = _sample_categorical(rng, PAYMENT_P[ctype])
    channel = _sample_categorical(rng, CHANNEL_P[ctype])
    discount = _sample_categorical(rng, DISCOUNT_P[ctype])
    multi_size = rng.random(n) < MULTI_SIZE_P[ctype]
    return _History(
        age, orders, spend, returns_365, returns_90, keep_it, chargebacks,
        payment, channel, discount, multi_size,
    )  # fmt: skip


@dataclass(frozen=True)
class _Return:
    """The returned item and its journey, drawn given the act (step 5 of the story)."""

    category: IntArray
    price: FloatArray
    extra: IntArray
    extra_value: FloatArray
    final_sale: npt.NDArray[np.bool_]
    reason: IntArray
    no_scan: npt.NDArray[np.bool_]
    transit: IntArray
    wait: IntArray
    condition: IntArray


def _sample_return(rng: np.random.Generator, act: IntArray, n: int) -> _Return:
    category = _sample_categorical(rng, CATEGORY_P[act])
    price = np.exp(rng.normal(PRICE_MU[category] + PRICE_SHIFT[act], PRICE_SIGMA))
    extra = rng.poisson(EXTRA_ITEMS_RATE[act])
    extra_value = np.where(
        extra > 0,
        np.exp(rng.normal(np.log(EXTRA_ITEM_VALUE * np.maximum(extra, 1)), EXTRA_SIGMA)),
        0.0,
    )
    final_sale = rng.random(n) < FINAL_SALE_P[act]
    reason = _sample_categorical(rng, REASON_P[act])
    no_scan = rng.random(n) < NO_SCAN_P[act]
    transit = 1 + rng.poisson(TRANSIT_RATE, n)
    wait = _sample_categorical(rng, WAIT_PMF[act])
    condition = _sample_categorical(rng, CONDITION_P[act])
    return _Return(
        category, price, extra, extra_value, final_sale, reason, no_scan, transit, wait, condition
    )


def _columns(dates: list[dt.date], h: _History, r: _Return) -> dict[str, npt.NDArray[Any]]:
    """The visible fields, named like ``RiskInput``'s."""
    nan = np.nan
    return {
        "requested_on": np.array(dates, dtype="datetime64[D]"),
        "order_value": r.price + r.extra_value,
        "item_price": r.price,
        "item_category": np.array(ITEM_CATEGORIES, dtype=object)[r.category],
        "final_sale": r.final_sale,
        "reason_code": np.array(REASON_CODES, dtype=object)[r.reason],
        "days_order_to_delivery": np.where(r.no_scan, nan, r.transit.astype(np.float64)),
        "days_delivery_to_request": np.where(r.no_scan, nan, r.wait.astype(np.float64)),
        "account_age_days": h.age,
        "lifetime_orders": h.orders.astype(np.int64),
        "lifetime_spend": h.spend,
        "returns_90d": h.returns_90.astype(np.int64),
        "returns_365d": h.returns_365.astype(np.int64),
        "keep_it_refunds": h.keep_it.astype(np.int64),
        "chargebacks": h.chargebacks.astype(np.int64),
        "payment_method": np.array(PAYMENT_METHODS, dtype=object)[h.payment],
        "channel": np.array(CHANNELS, dtype=object)[h.channel],
        "discount_share": DISCOUNT_LEVELS[h.discount],
        "condition": np.array(CONDITIONS, dtype=object)[r.condition],
        "items_in_order": (1 + r.extra).astype(np.int64),
        "multiple_sizes_ordered": h.multi_size,
    }


def _posterior(prior: FloatArray, h: _History, r: _Return) -> dict[str, FloatArray]:
    """P(label = 1 | the visible row) per task, summing over the latent type and act."""
    log_cust = _customer_loglik(
        h.age, h.orders, h.spend, h.returns_365, h.returns_90, h.keep_it, h.chargebacks,
        h.payment, h.channel, h.discount, h.multi_size,
    )  # fmt: skip
    log_ret = _return_loglik(
        r.category, r.price, r.extra, r.extra_value, r.final_sale, r.reason, r.no_scan,
        r.transit, r.wait, r.condition,
    )  # fmt: skip
    joint = (
        np.log(TYPE_PRIOR)[None, :, None]
        + np.log(prior)
        + log_cust[:, :, None]
        + log_ret[:, None, :]
    )
    joint -= joint.max(axis=(1, 2), keepdims=True)
    weights = np.exp(joint)
    p_act = weights.sum(axis=1)
    p_act /= p_act.sum(axis=1, keepdims=True)
    posterior: dict[str, FloatArray] = {}
    for task, mask in (
        ("fraud", np.isin(np.arange(len(ACTS)), FRAUD_ACTS)),
        ("wardrobing", np.arange(len(ACTS)) == WARDROBING_ACT),
    ):
        hit, false_alarm = LABEL_NOISE[task]
        p_truth = p_act[:, mask].sum(axis=1)
        posterior[task] = p_truth * hit + (1.0 - p_truth) * false_alarm
    return posterior


def _customer_loglik(
    age: FloatArray,
    orders: IntArray,
    spend: FloatArray,
    returns_365: IntArray,
    returns_90: IntArray,
    keep_it: IntArray,
    chargebacks: IntArray,
    payment: IntArray,
    channel: IntArray,
    discount: IntArray,
    multi_size: npt.NDArray[np.bool_],
) -> FloatArray:
    """log p(customer history | type) for every row and type: shape (rows, types)."""
    out = np.empty((age.shape[0], len(CUSTOMER_TYPES)))
    for t in range(len(CUSTOMER_TYPES)):
        out[:, t] = (
            _lognormal_logpdf(age, AGE_MU[t], float(AGE_SIGMA[t]))
            + _poisson_logpmf(orders - 1, ORDERS_PER_YEAR[t] * age / 365.0)
            + _lognormal_logpdf(spend, AOV_MU[t] + np.log(orders), AOV_SIGMA)
            + _poisson_logpmf(returns_365, np.full(age.shape, RETURNS_365_RATE[t]))
            + _binom_logpmf(returns_90, returns_365, float(RECENT_SHARE[t]))
            + _poisson_logpmf(keep_it, np.full(age.shape, KEEP_IT_RATE[t]))
            + _poisson_logpmf(chargebacks, np.full(age.shape, CHARGEBACK_RATE[t]))
            + np.log(PAYMENT_P[t][payment])
            + np.log(CHANNEL_P[t][channel])
            + np.log(DISCOUNT_P[t][discount])
            + _bernoulli_logpmf(multi_size, float(MULTI_SIZE_P[t]))
        )
    return out


def _return_loglik(
    category: IntArray,
    price: FloatArray,
    extra: IntArray,
    extra_value: FloatArray,
    final_sale: npt.NDArray[np.bool_],
    reason: IntArray,
    no_scan: npt.NDArray[np.bool_],
    transit: IntArray,
    wait: IntArray,
    condition: IntArray,
) -> FloatArray:
    """log p(return details | act) for every row and act: shape (rows, acts).

    Terms that do not depend on the act (transit time, and the other items' value given
    their count) cancel in the posterior and are left out.
    """
    del transit, extra_value
    out = np.empty((price.shape[0], len(ACTS)))
    for a in range(len(ACTS)):
        scanned = np.log(1.0 - NO_SCAN_P[a]) + np.log(WAIT_PMF[a][wait])
        out[:, a] = (
            np.log(CATEGORY_P[a][category])
            + _lognormal_logpdf(price, PRICE_MU[category] + PRICE_SHIFT[a], PRICE_SIGMA)
            + _poisson_logpmf(extra, np.full(price.shape, EXTRA_ITEMS_RATE[a]))
            + _bernoulli_logpmf(final_sale, float(FINAL_SALE_P[a]))
            + np.log(REASON_P[a][reason])
            + np.where(no_scan, math.log(NO_SCAN_P[a]), scanned)
            + np.log(CONDITION_P[a][condition])
        )
    return out
