"""Entry point: `python -m services.triage --help`."""

from __future__ import annotations

from services.common.cli import main

DESCRIPTION = """Run the triage gRPC service (retail.triage.v1.TriageService): language,
sentiment, intents, flags, priority, escalation and routing of customer messages.
Runs N worker processes on one port."""

if __name__ == "__main__":
    raise SystemExit(main("services.triage.server:SPEC", DESCRIPTION))
