"""`python -m bench` (make bench): every benchmark, each figure a ratio against a
baseline measured in the same run. `--quick` runs shorter (noisier) versions."""

from __future__ import annotations

import argparse

from bench import mlserver_peer, returns, runtime, support_desk, translation, triage


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls, shorter runs")
    args = parser.parse_args()
    for bench in (runtime, returns, mlserver_peer, triage, translation, support_desk):
        for line in bench.run(quick=args.quick):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
