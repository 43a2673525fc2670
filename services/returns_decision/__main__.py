"""Entry point: `python -m services.returns_decision --help`."""

from __future__ import annotations

from services.common.cli import main

DESCRIPTION = """\
Run the returns_decision gRPC service
(retail.returns_decision.v1.ReturnsDecisionService): return eligibility under each
merchant's policy, net recovery value of each resolution, and fraud and wardrobing
risk. Runs N worker processes on one port."""

if __name__ == "__main__":
    raise SystemExit(main("services.returns_decision.server:SPEC", DESCRIPTION))
