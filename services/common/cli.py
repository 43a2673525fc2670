"""The command line of every server entry point (`python -m services.<name>`)."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from services.common.settings import describe_settings
from services.common.workers import Supervisor, load_spec


def main(spec_ref: str, description: str, argv: list[str] | None = None) -> int:
    spec = load_spec(spec_ref)
    parser = argparse.ArgumentParser(
        prog=f"python -m services.{spec.name}",
        description=description,
        epilog=describe_settings(spec.settings_cls)
        + "\n\nFlags override the environment variables of the same name.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="address to listen on")
    parser.add_argument("--port", type=int, help="gRPC port (0: any free port)")
    parser.add_argument("--workers", type=int, help="worker processes (0: one per CPU)")
    parser.add_argument("--metrics-port", type=int, help="metrics HTTP port (0: any free port)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    try:
        settings = spec.settings_cls(**overrides)
    except ValidationError as exc:
        print(f"invalid settings for {spec.name}:\n{exc}", file=sys.stderr)
        return 2
    return Supervisor(spec_ref, settings).run()
