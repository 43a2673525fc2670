"""Soak test of the returns decision core: N decisions in one process (one worker's
worth), printing resident memory as it goes. Resident memory after warm-up must not
grow by more than 5% (durable_rules sessions, facts or caches left behind would show).

    python scripts/soak_returns.py [--decisions 1000000] [--warmup 50000]

Decisions rotate over requests that exercise different rules (approvals, denials,
several reasons at once, exchanges, keep-it) with fresh request ids. Each decision does
what the servicer does per call: a request message parsed from the wire, converted,
decided, and the decision converted back to a message.

Each request is a new message parsed from bytes, as gRPC hands them over. Do not reuse
one message and overwrite its fields: with protobuf's upb backend a message allocates
from an arena that is only freed with the message, so a string assigned to a long-lived
message keeps the old value's bytes (measured: `message.request_id = f"soak-{n}"` adds
16 bytes of RSS per assignment, all native, none on the Python heap). That is how an
earlier version of this script "leaked" ~15 bytes per decision in the harness itself.

"py heap" is `sys.getallocatedblocks()`, blocks the Python allocator holds: if RSS
grows and it does not, look at native memory (durable_rules, LightGBM, protobuf).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent  # before sys.path can import services
sys.path.insert(0, str(REPO))

from retail.returns_decision.v1 import returns_decision_pb2 as pb  # noqa: E402

from bench.returns_samples import item, request, usd  # noqa: E402
from services.returns_decision import converters  # noqa: E402
from services.returns_decision.core.returns import ReturnsCore  # noqa: E402
from services.returns_decision.engines.risk.scorer import ReturnRiskScorer  # noqa: E402
from services.returns_decision.engines.rules.store import PolicyStore  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def variants() -> list[pb.DecideReturnRequest]:
    exchange = request(item(reason=pb.RETURN_REASON_SIZE_TOO_SMALL))
    exchange.exchange_candidates.append(
        pb.ExchangeCandidate(
            line_item_id="L1", sku="SKU-L1-L", unit_price=usd(6000), available_quantity=3
        )
    )
    return [
        request(),
        request(
            item(final_sale=True, reported_condition=pb.ITEM_CONDITION_USED), days_since_delivery=60
        ),
        request(customer={"tags": ["return-abuse"]}),
        request(item(unit_price=usd(1500)), item("L2", category="footwear")),
        exchange,
        request(country="FR"),
    ]


class RequestFeed:
    """Fresh request messages, rotating over `variants()` (see the module docstring)."""

    def __init__(self, messages: list[pb.DecideReturnRequest]) -> None:
        self._wire = [message.SerializeToString() for message in messages]

    def __call__(self, n: int) -> pb.DecideReturnRequest:
        message = pb.DecideReturnRequest.FromString(self._wire[n % len(self._wire)])
        message.request_id = f"soak-{n}"
        return message


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--warmup", type=int, default=50_000)
    parser.add_argument("--registry", type=Path, default=REPO / "var" / "models" / "registry")
    args = parser.parse_args()
    store = PolicyStore(REPO / "policies")
    store.reload()
    scorer = ReturnRiskScorer(args.registry)
    scorer.load()
    core = ReturnsCore(store, scorer)
    feed = RequestFeed(variants())
    started = time.monotonic()
    baseline = None
    report_every = max(args.decisions // 20, 1)
    for n in range(1, args.decisions + 1):
        result = core.decide(converters.return_request(feed(n)))
        converters.decision(result.decision, result.evaluated_at, result.fraud, result.wardrobing)
        if n == args.warmup:
            baseline = rss_mib()
            print(
                f"after warm-up ({n:,} decisions): RSS {baseline:.1f} MiB, "
                f"py heap {sys.getallocatedblocks():,} blocks",
                flush=True,
            )
        if n % report_every == 0:
            rate = n / (time.monotonic() - started)
            print(
                f"{n:>10,} decisions  RSS {rss_mib():7.1f} MiB  "
                f"py heap {sys.getallocatedblocks():>9,} blocks  {rate:,.0f}/s",
                flush=True,
            )
    final = rss_mib()
    assert baseline is not None
    growth = (final - baseline) / baseline * 100
    print(
        f"RSS after warm-up {baseline:.1f} MiB, at the end {final:.1f} MiB: "
        f"growth {growth:+.2f}% (limit 5%)"
    )
    store.close()
    return 0 if growth < 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
