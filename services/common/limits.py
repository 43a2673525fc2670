"""Request limits shared by every service's batch calls."""

from __future__ import annotations

from services.common.errors import FieldViolation, InvalidArgument

BATCH_SIZE_REASON = "BATCH_SIZE"


def check_batch_size(size: int, limit: int, field: str) -> None:
    """Raise INVALID_ARGUMENT (reason BATCH_SIZE, naming `field`) unless a batch holds
    1 to `limit` entries."""
    if not 1 <= size <= limit:
        raise InvalidArgument(
            f"a batch holds 1 to {limit} entries; got {size}",
            [FieldViolation(field, f"must hold 1 to {limit} entries")],
            reason=BATCH_SIZE_REASON,
        )
