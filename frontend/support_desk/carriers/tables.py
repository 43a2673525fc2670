"""Loading the carrier tables and looking up one exception code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class CarrierException:
    carrier: str
    code: str
    kind: str  # address, recipient, delay, customs, payment, held, damaged, refused, returned, lost
    explanation: str  # plain English, for the customer
    action: str  # what the customer can do, in English; may be empty


@cache
def tables() -> dict[str, dict[str, CarrierException]]:
    """Every carrier's table, keyed by upper-case carrier name, then code."""
    loaded: dict[str, dict[str, CarrierException]] = {}
    for path in sorted(_HERE.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        carrier = str(data["carrier"])
        loaded[carrier.upper()] = {
            code: CarrierException(
                carrier, code, str(e["kind"]), str(e["explanation"]), str(e.get("action", ""))
            )
            for code, e in data["codes"].items()
        }
    return loaded


def explain(carrier: str, code: str) -> CarrierException | None:
    """The plain-words meaning of a carrier's exception code, or None when unknown."""
    return tables().get(carrier.upper(), {}).get(code.upper())
