"""A model version's training profile: how its training rows were distributed, feature by
feature, and how it scored them. The reference drift is measured against.

Training writes ``training_profile.json`` next to the artifact when it registers a version
(``models.returns.drift.profile``); it is a report file, not part of the version's hash.
The service reads it for the bins of its drift metrics and ``python -m models drift``
for the population stability index. Versions registered before it existed have none.

    {"rows": N, "data_fingerprint": ..., "features": {
        "<numeric>": {"kind": "numeric", "edges": [...], "shares": [...], "missing": s},
        "<categorical>": {"kind": "categorical", "shares": {"<label>": s, ...}, "missing": s}},
     "score": {"edges": [...], "shares": [...]}}

Numeric bins are ``(-inf, edges[0]], (edges[0], edges[1]], ..., (edges[-1], inf)``: the
training deciles (duplicates removed, so a feature with few values has fewer bins);
``shares`` are the training rows' shares per bin, ``missing`` the share of NaN.

Standard library only: the service imports it.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

PROFILE_FILE: Final = "training_profile.json"


def numeric_bin(edges: Sequence[float], value: float) -> int:
    """The bin of ``value``: 0 .. len(edges); -1 for a missing value (NaN)."""
    if math.isnan(value):
        return -1
    return bisect.bisect_left(edges, value)


def read_profile(directory: Path) -> dict[str, Any] | None:
    """The version's profile, or None when it has none (or it cannot be read)."""
    try:
        data = json.loads((directory / PROFILE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("features"), dict) else None


def write_profile(directory: Path, profile: Mapping[str, Any]) -> None:
    text = json.dumps(profile, sort_keys=True, indent=1, allow_nan=False) + "\n"
    (directory / PROFILE_FILE).write_text(text, encoding="utf-8")
