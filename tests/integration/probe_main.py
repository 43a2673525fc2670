"""`python -m tests.integration.probe_main`: the probe service under the real supervisor."""

from __future__ import annotations

from services.common.cli import main

if __name__ == "__main__":
    raise SystemExit(main("tests.integration.probe:SPEC", "runtime probe (tests only)"))
