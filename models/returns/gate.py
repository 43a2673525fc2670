"""The promotion gate: what ``python -m models promote`` (and ``train --promote``,
``build-defaults``) checks before a version goes live.

A version passes when

- its own test-split figures meet its targets (those its model card recorded, else
  ``targets.DEFAULT_TARGETS``), and
- it does not lose to the active version on the same rows: its ROC-AUC trails the active
  one's by at most ``max_roc_auc_loss`` on ``--data`` or the default comparison rows
  (``compare.comparison_rows``). The first version of a model has no champion to lose to.

``--force --reason "..."`` promotes a refused version; the registry's append-only
``promotions.jsonl`` records every promotion with the gate's verdict and any override.
``rollback`` is not gated: it is the emergency exit.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.returns import bootstrap
from models.returns.compare import CompareError, compare
from models.returns.registry import RegistryError, promote
from models.returns.targets import Check, PromotionTargets, check_targets, targets_for
from services.returns_decision.engines.risk.artifact import read_metadata
from services.returns_decision.engines.risk.errors import ModelNotFoundError
from services.returns_decision.engines.risk.registry import Pointer, read_pointer, version_dir

Progress = Callable[[str], None]
CARD_JSON = "model_card.json"  # report.CARD_JSON; not imported: report pulls in matplotlib


@dataclass(frozen=True)
class GateResult:
    name: str
    version: str
    champion: str | None
    targets: PromotionTargets
    targets_source: str
    checks: list[Check]
    comparison: dict[str, Any] | None  # ROC-AUC summary against the champion

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "champion": self.champion,
            "targets": self.targets.to_json(),
            "targets_source": self.targets_source,
            "checks": [c.to_json() for c in self.checks],
            "comparison": self.comparison,
        }

    def refusal(self, command: str) -> str:
        """One line: what failed and how to override."""
        failed = "; ".join(f"{c.name}: {c.detail}" for c in self.failures)
        return (
            f"refused: {self.name} {self.version}: {failed}. To promote it anyway: "
            f'{command} --force --reason "why"'
        )


class PromotionRefused(RegistryError):
    def __init__(self, result: GateResult, command: str) -> None:
        super().__init__(result.refusal(command))
        self.result = result


def _targets(directory: Path, task: str) -> tuple[PromotionTargets, str]:
    """The targets the version's model card recorded, else today's defaults."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        card = json.loads((directory / CARD_JSON).read_text(encoding="utf-8"))
        return PromotionTargets.from_json(card["promotion_targets"]), "model card"
    return targets_for(task), "models/returns/targets.py (no targets in a model card)"


def evaluate(
    root: Path,
    name: str,
    version: str,
    *,
    data: Path | None = None,
    resamples: int = bootstrap.DEFAULT_RESAMPLES,
    progress: Progress = lambda _: None,
) -> GateResult:
    directory = version_dir(root, name, version)
    if not directory.is_dir():
        raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
    meta = read_metadata(directory)
    targets, source = _targets(directory, meta.task)
    checks = check_targets(meta.training.get("test_metrics") or {}, targets)
    try:
        champion: str | None = read_pointer(root, name).version
    except ModelNotFoundError:
        champion = None
    comparison = None
    if champion is not None and champion != version:
        label = f"ROC-AUC vs active {champion}"
        try:
            report = compare(
                root,
                name,
                champion,
                version,
                data=data,
                resamples=resamples,
                top=0,
                progress=progress,
            )
        except (CompareError, ModelNotFoundError) as exc:
            checks.append(Check(label, False, f"cannot compare: {exc}"))
        else:
            auc = report["metrics"][0]
            ci = auc["difference_ci"]
            loss = auc["a"] - auc["b"]
            ok = loss <= targets.max_roc_auc_loss
            comparison = {
                "rows": report["rows"],
                "champion_roc_auc": auc["a"],
                "roc_auc": auc["b"],
                "difference": auc["difference"],
                "difference_ci": ci,
            }
            interval = "" if ci["low"] is None else f", 95 % CI [{ci['low']:.4f}, {ci['high']:.4f}]"
            checks.append(
                Check(
                    label,
                    ok,
                    f"{auc['b']:.4f} vs {auc['a']:.4f} (difference {auc['difference']:+.4f}"
                    f"{interval}) on {report['rows']['count']} rows ({report['rows']['kind']}); "
                    + ("within" if ok else "loses by more than")
                    + f" the tolerance {targets.max_roc_auc_loss}",
                )
            )
    return GateResult(name, version, champion, targets, source, checks, comparison)


def promote_gated(
    root: Path,
    name: str,
    version: str,
    *,
    data: Path | None = None,
    force: bool = False,
    reason: str | None = None,
    check: bool = True,
    via: str = "promote",
    command: str = "python -m models promote NAME VERSION",
    resamples: int = bootstrap.DEFAULT_RESAMPLES,
    progress: Progress = lambda _: None,
) -> tuple[Pointer, GateResult]:
    """Runs the gate, then promotes (recording the verdict) or raises ``PromotionRefused``."""
    if force and not (reason and reason.strip()):
        raise RegistryError('--force needs --reason "why": the override is recorded')
    result = evaluate(root, name, version, data=data, resamples=resamples, progress=progress)
    if not result.passed and not force:
        raise PromotionRefused(result, command)
    pointer = promote(
        root,
        name,
        version,
        check=check,
        record={
            "via": via,
            "gate": result.to_json(),
            "forced": force,
            "reason": reason.strip() if reason else None,
        },
    )
    return pointer, result
