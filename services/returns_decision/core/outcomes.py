"""What became of a decided return, learned after the decision (RecordOutcomes).

Every field but the ids may be unknown (None): an outcome arrives in pieces (the parcel is
scanned in, then inspected, then resold; a chargeback comes weeks later), and each piece
updates only what it knows, so a later message never erases an earlier fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from services.common.errors import FieldViolation
from services.returns_decision.core.requests import ItemCondition


class Disposition(StrEnum):
    UNSPECIFIED = "unspecified"
    RESOLD = "resold"
    LIQUIDATED = "liquidated"
    DISPOSED = "disposed"


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    request_id: str
    line_item_id: str
    received: bool | None = None
    inspected_condition: ItemCondition | None = None
    disposition: Disposition | None = None
    charged_back: bool | None = None
    fraud_confirmed: bool | None = None  # False: cleared
    wardrobing_confirmed: bool | None = None  # False: cleared

    def over(self, earlier: ReturnOutcome | None) -> ReturnOutcome:
        """This outcome merged over an earlier one: what this one knows wins, the rest stays."""
        if earlier is None:
            return self
        kept = {f: getattr(earlier, f) for f in OUTCOME_FIELDS if getattr(self, f) is None}
        return replace(self, **kept)


# The facts an outcome can carry, in message order (the ids excluded).
OUTCOME_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ReturnOutcome) if f.name not in ("request_id", "line_item_id")
)


def validate_outcomes(
    outcomes: Sequence[ReturnOutcome], path: str = "outcomes"
) -> list[FieldViolation]:
    """The ids every outcome needs, named by their field path."""
    violations = []
    for i, outcome in enumerate(outcomes):
        for name in ("request_id", "line_item_id"):
            if not getattr(outcome, name).strip():
                violations.append(FieldViolation(f"{path}[{i}].{name}", "required"))
    return violations
