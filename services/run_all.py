"""Run all three services in the foreground: `python -m services.run_all` (make run).

Each service runs under its own supervisor process with its settings from the
environment (RETURNS_*, TRIAGE_*, TRANSLATION_*) and prints its ports when ready.
Ctrl-C or SIGTERM stops them all gracefully; if one exits, the others are stopped
too and the exit code is non-zero.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from types import FrameType

SERVICES = ("returns_decision", "triage", "translation")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.run_all",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only", action="append", choices=SERVICES, help="run only this service (repeatable)"
    )
    args = parser.parse_args(argv)
    names = args.only or list(SERVICES)
    processes = {
        name: subprocess.Popen([sys.executable, "-m", f"services.{name}"]) for name in names
    }
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    exit_code = 0
    while not stopping:
        time.sleep(0.2)
        for name, process in processes.items():
            code = process.poll()
            if code is not None:
                print(
                    f"run_all: {name} exited with code {code}; stopping the others", file=sys.stderr
                )
                exit_code = code or 1
                stopping = True
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        process.wait()
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
