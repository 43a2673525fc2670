"""`python -m frontend.support_desk`: serve the desk against running services.

`python -m frontend.support_desk.run` (make run) starts the three services as well.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from frontend.support_desk.settings import DeskSettings, describe_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m frontend.support_desk",
        description="The support desk: web chat, e-mail webhook, agent console and JSON API "
        "over the returns_decision, triage and translation services (which must be running).",
        epilog=describe_settings() + "\n\nFlags override the environment variables.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="address to listen on")
    parser.add_argument("--port", type=int, help="HTTP port (0: any free port)")
    parser.add_argument("--database-url", help="SQLAlchemy URL of the order store")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    try:
        settings = DeskSettings(**overrides)
    except ValidationError as exc:
        print(f"invalid settings for the support desk:\n{exc}", file=sys.stderr)
        return 2
    from frontend.support_desk.server import serve

    return serve(settings)


if __name__ == "__main__":
    raise SystemExit(main())
