"""`python -m tools.policy simulate`: SimulatePolicy from a shell.

What the command does and the input it takes are its --help (`SIMULATE` in
tools/policy/__main__.py, which also defines its arguments and imports this module only when
the command runs: it loads durable_rules and LightGBM). Here: reading the JSON Lines
history, replaying it in chunks through `ReturnsCore.simulate` (the RPC's own core),
adding the chunks' reports up, and printing the result.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from google.protobuf import json_format
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from services.common.currency import CURRENCY_EXPONENTS, Money
from services.common.errors import FieldViolation
from services.returns_decision import converters
from services.returns_decision.core.decisions import Outcome
from services.returns_decision.core.policy.errors import PolicyInvalid
from services.returns_decision.core.policy.simulation import (
    MAX_SIMULATED_REQUESTS,
    SimulationReport,
    SimulationSummary,
)
from services.returns_decision.core.policy.validation import validate_policy
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.returns import ReturnsCore
from services.returns_decision.core.validation import InvalidRequest

USAGE_ERROR = 2


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    request_id: str
    message: str


def _violations(violations: Iterable[FieldViolation]) -> str:
    return "; ".join(f"{v.field}: {v.description}" for v in violations)


def read_requests(lines: Iterable[str], tenant: str) -> tuple[list[ReturnRequest], list[LineError]]:
    """The valid requests for `tenant`, and an error for every other non-blank line."""
    requests: list[ReturnRequest] = []
    errors: list[LineError] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            message = json_format.Parse(text, pb.DecideReturnRequest())
        except json_format.ParseError as exc:
            errors.append(LineError(number, "", f"not a DecideReturnRequest in JSON: {exc}"))
            continue
        if message.tenant_id != tenant:
            problem = f"tenant_id is {message.tenant_id!r}; the candidate policy is for {tenant!r}"
            errors.append(LineError(number, message.request_id, problem))
            continue
        try:
            requests.append(converters.return_request(message))
        except InvalidRequest as exc:
            errors.append(LineError(number, message.request_id, _violations(exc.violations)))
    return requests, errors


def _add_counts(
    a: tuple[tuple[Outcome, int], ...], b: tuple[tuple[Outcome, int], ...]
) -> tuple[tuple[Outcome, int], ...]:
    total = Counter(dict(a))
    total.update(dict(b))
    return tuple((outcome, total[outcome]) for outcome in Outcome)


def _add_money(a: Money, b: Money) -> Money:
    return Money(a.amount_minor + b.amount_minor, a.currency)


def _add_summaries(a: SimulationSummary, b: SimulationSummary) -> SimulationSummary:
    return SimulationSummary(
        policy=a.policy,
        decided=a.decided + b.decided,
        failed=a.failed + b.failed,
        outcome_counts=_add_counts(a.outcome_counts, b.outcome_counts),
        item_outcome_counts=_add_counts(a.item_outcome_counts, b.item_outcome_counts),
        no_rule_matched_items=a.no_rule_matched_items + b.no_rule_matched_items,
        refund_total=_add_money(a.refund_total, b.refund_total),
        fees_total=_add_money(a.fees_total, b.fees_total),
        bonus_credit_total=_add_money(a.bonus_credit_total, b.bonus_credit_total),
        net_recovery_total=_add_money(a.net_recovery_total, b.net_recovery_total),
    )


def combine(a: SimulationReport, b: SimulationReport) -> SimulationReport:
    """The report of two consecutive chunks of one history, replayed separately."""
    active = None
    if a.active is not None and b.active is not None:
        active = _add_summaries(a.active, b.active)
    return SimulationReport(
        active=active,
        candidate=_add_summaries(a.candidate, b.candidate),
        changed=a.changed + b.changed,
        failed=a.failed + b.failed,
    )


def _chunks(requests: Sequence[ReturnRequest], size: int) -> Iterator[Sequence[ReturnRequest]]:
    for start in range(0, len(requests), size):
        yield requests[start : start + size]


def _amount(money: Money) -> str:
    exponent = CURRENCY_EXPONENTS.get(money.currency, 2)
    value = money.amount_minor / 10**exponent
    return f"{money.currency} {value:,.{exponent}f}"


def format_report(report: SimulationReport, changed_limit: int) -> str:
    candidate, active = report.candidate, report.active
    columns = (
        [("active", active), ("candidate", candidate)] if active else [("candidate", candidate)]
    )

    def row(label: str, values: Iterable[str]) -> str:
        return f"  {label:<28}" + "".join(f"{value:>20}" for value in values)

    def version(summary: SimulationSummary) -> str:
        policy = summary.policy
        return f"{policy.label!r} ({policy.content_hash})"

    lines = [f"tenant {candidate.policy.tenant_id}"]
    if active is not None:
        lines.append(f"  active:    {version(active)}")
    else:
        lines.append("  active:    none (the tenant has no policy in the directory yet)")
    lines.append(f"  candidate: {version(candidate)}")
    summaries = [summary for _, summary in columns]
    lines.append(row("", [name for name, _ in columns]))
    lines.append(row("requests decided", [f"{s.decided:,}" for s in summaries]))
    lines.append(row("requests failed", [f"{s.failed:,}" for s in summaries]))
    for index, outcome in enumerate(Outcome):
        lines.append(
            row(f"  {outcome.value}", [f"{s.outcome_counts[index][1]:,}" for s in summaries])
        )
    lines.append(
        row("items with no rule matched", [f"{s.no_rule_matched_items:,}" for s in summaries])
    )
    lines.append(row("refunds", [_amount(s.refund_total) for s in summaries]))
    lines.append(row("fees", [_amount(s.fees_total) for s in summaries]))
    lines.append(row("bonus credit", [_amount(s.bonus_credit_total) for s in summaries]))
    lines.append(row("net recovery value", [_amount(s.net_recovery_total) for s in summaries]))
    if active is not None:
        lines.append(f"{len(report.changed):,} requests change outcome")
        shown = report.changed if changed_limit <= 0 else report.changed[:changed_limit]
        for change in shown:
            lines.append(
                f"  {change.request_id or '(no request_id)'}: "
                f"{change.active_outcome.value} -> {change.candidate_outcome.value}"
            )
        if len(shown) < len(report.changed):
            lines.append(f"  ... {len(report.changed) - len(shown):,} more (--changed 0 lists all)")
    for failure in report.failed:
        lines.append(
            f"failed under the candidate: {failure.request_id}: {_violations(failure.violations)}"
        )
    return "\n".join(lines)


def _open(name: str) -> TextIO:
    return sys.stdin if name == "-" else open(name, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """The `simulate` command: 0 when simulated, 1 for an invalid candidate policy, 2 for
    unusable input (unreadable files, invalid requests without --skip-invalid)."""
    try:
        document = args.candidate.read_bytes()
    except OSError as exc:
        print(f"{args.candidate}: cannot read: {exc.strerror}", file=sys.stderr)
        return USAGE_ERROR
    checked = validate_policy(document)
    if checked.version is None:
        for problem in checked.errors:
            where = f"{args.candidate}:{problem.line}" if problem.line else str(args.candidate)
            print(f"{where}: {problem.path or '<document>'}: {problem.message}", file=sys.stderr)
        return 1
    tenant = checked.version.tenant_id
    try:
        with _open(args.requests) as stream:
            requests, errors = read_requests(stream, tenant)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.requests}: cannot read: {exc}", file=sys.stderr)
        return USAGE_ERROR
    for error in errors:
        print(
            f"{args.requests}:{error.line}: {error.request_id or '-'}: {error.message}",
            file=sys.stderr,
        )
    if errors and not args.skip_invalid:
        print(
            f"{len(errors):,} invalid lines; nothing simulated "
            "(fix them, or --skip-invalid to simulate the other lines)",
            file=sys.stderr,
        )
        return USAGE_ERROR
    if not requests:
        print(f"{args.requests}: no requests to simulate", file=sys.stderr)
        return USAGE_ERROR
    try:
        report = _simulate(args, document.decode("utf-8"), tenant, requests)
    except PolicyInvalid as exc:  # valid, but the rules engine refused to build it
        for problem in exc.errors:
            print(f"{args.candidate}: {problem}", file=sys.stderr)
        return 1
    if report is None:
        return USAGE_ERROR
    if args.json:
        print(json_format.MessageToJson(converters.simulation(report)))
    else:
        print(format_report(report, args.changed))
    return 0


def _simulate(
    args: argparse.Namespace, document: str, tenant: str, requests: Sequence[ReturnRequest]
) -> SimulationReport | None:
    # Imported here: durable_rules and LightGBM load only for this command.
    from services.returns_decision.engines.risk.errors import RiskModelError
    from services.returns_decision.engines.risk.scorer import ReturnRiskScorer
    from services.returns_decision.engines.rules.store import PolicyStore

    if not args.policies.is_dir():
        print(f"{args.policies}: not a directory of policies", file=sys.stderr)
        return None
    scorer = None
    if not args.no_risk:
        scorer = ReturnRiskScorer(args.models_registry)
        try:
            scorer.load()
        except RiskModelError as exc:
            print(
                f"cannot load the risk models from {args.models_registry}: {exc}. Build the "
                "defaults with `make models`, or pass --no-risk.",
                file=sys.stderr,
            )
            return None
    store = PolicyStore(args.policies)
    try:
        for problem in store.reload().failed:
            print(f"{problem.path}: rejected, not served: see `validate`", file=sys.stderr)
        now = datetime.now(UTC)  # for requests without requested_at, the same in every chunk
        core = ReturnsCore(store, scorer)
        report: SimulationReport | None = None
        done = 0
        for chunk in _chunks(requests, MAX_SIMULATED_REQUESTS):
            part = core.simulate(tenant, document, chunk, now=now)
            report = part if report is None else combine(report, part)
            done += len(chunk)
            if len(requests) > MAX_SIMULATED_REQUESTS:
                print(f"simulated {done:,} of {len(requests):,} requests", file=sys.stderr)
        return report
    finally:
        store.close()
