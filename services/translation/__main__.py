"""Entry point: `python -m services.translation --help`."""

from __future__ import annotations

from services.common.cli import main

DESCRIPTION = """Run the translation gRPC service (retail.translation.v1.TranslationService):
offline language detection and translation that keeps order numbers, tracking
numbers, URLs, SKUs, prices and placeholders intact. Runs N worker processes on one port."""

if __name__ == "__main__":
    raise SystemExit(main("services.translation.server:SPEC", DESCRIPTION))
