"""SLO gates: limits on every endpoint's p99 latency and error rate. A run that breaches
one exits 1, with one line per breach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Gates:
    max_p99_ms: float | None = None
    max_error_rate: float | None = None  # a fraction: 0.01 is 1%

    @property
    def active(self) -> bool:
        return self.max_p99_ms is not None or self.max_error_rate is not None


def breaches(endpoints: dict[str, dict[str, Any]], gates: Gates) -> list[str]:
    """One reason per endpoint and limit breached. Each endpoint is held to the limits on
    its own, so a small endpoint failing is not hidden by a busy one that does not. A
    gated run with no calls at all breaches: it measured nothing."""
    if not gates.active:
        return []
    if not any(e["count"] for e in endpoints.values()):
        return ["no calls were made, so no gate can pass"]
    reasons = []
    for name, e in endpoints.items():
        if not e["count"]:
            continue
        p99 = e["p99_ms"]
        if gates.max_p99_ms is not None and p99 > gates.max_p99_ms:
            reasons.append(
                f"{name}: p99 {p99:.3f} ms is over the --max-p99-ms limit "
                f"of {gates.max_p99_ms:g} ms"
            )
        rate = e["error_rate"]
        if gates.max_error_rate is not None and rate > gates.max_error_rate:
            reasons.append(
                f"{name}: error rate {rate:.4f} ({e['failures']} of {e['count']} calls) is over "
                f"the --max-error-rate limit of {gates.max_error_rate:g}"
            )
    return reasons
