"""`python -m loadtest` (make loadtest): a load test of the three services and the support
desk's JSON API with Locust (headless), seeded request mixes, a report and SLO gates.

With no target given it starts the services (one supervisor each, on free ports) and the
desk (on a fresh store of demo data) itself; with --returns-target, --triage-target,
--translation-target or --desk-url it drives only the parts given, where they run.

Writes var/loadtest/<UTC timestamp>/: report.html (Locust's, with charts), locust_*.csv,
summary.json (per RPC/endpoint: p50/p95/p99 ms, count, req/s, statuses) and logs/ of the
processes it started. Exit code: 0, or 1 when an SLO gate is breached (one line per
breach), or 2 when the run itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadtest import gates, locust_run, mix, overload, servers
from loadtest.endpoints import DESK, SERVICES
from loadtest.summary import summarize, table
from services.common.paths import VAR_DIR

DEFAULT_SECONDS = 60
DEFAULT_USERS = 8


def _seconds_default() -> int:
    raw = os.environ.get("LOADTEST_SECONDS", "")
    try:
        return int(raw) if raw else DEFAULT_SECONDS
    except ValueError:
        raise SystemExit(
            f"LOADTEST_SECONDS must be a whole number of seconds, not {raw!r}"
        ) from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m loadtest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _where_options(p)
    _load_options(p)
    _gate_and_overload_options(p)
    return p


def _where_options(p: argparse.ArgumentParser) -> None:
    where = p.add_argument_group("what to drive (default: start everything here)")
    for key in SERVICES:
        where.add_argument(f"--{key}-target", metavar="HOST:PORT", help=f"a running {key} service")
    where.add_argument("--desk-url", metavar="URL", help="a running support desk, http://host:port")
    where.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes of each service it starts (1)",
    )


def _load_options(p: argparse.ArgumentParser) -> None:
    load = p.add_argument_group("load")
    load.add_argument(
        "--seconds",
        type=int,
        default=None,
        metavar="S",
        help=f"length of the Locust run (default: $LOADTEST_SECONDS, else {DEFAULT_SECONDS})",
    )
    load.add_argument(
        "--users",
        type=int,
        default=DEFAULT_USERS,
        metavar="N",
        help="simulated users, shared out evenly among the parts driven; at least one per "
        f"part ({DEFAULT_USERS})",
    )
    load.add_argument(
        "--spawn-rate",
        type=float,
        metavar="R",
        help="users started per second (default: all in one second)",
    )
    load.add_argument(
        "--rate",
        type=float,
        metavar="CALLS_PER_S",
        help="target calls per second over all users (Locust's constant_throughput per user); "
        "a ceiling, reached only if the users keep up. Default: each user calls back to back",
    )
    load.add_argument(
        "--seed",
        type=int,
        default=mix.DEFAULT_SEED,
        metavar="N",
        help=f"seed of the request mixes ({mix.DEFAULT_SEED}): the same seed, the same calls",
    )
    load.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="deadline of each call (gRPC) and timeout of each request (desk), seconds (10)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=VAR_DIR / "loadtest",
        metavar="DIR",
        help="where runs are written, each in a folder named by its UTC start (var/loadtest)",
    )


def _gate_and_overload_options(p: argparse.ArgumentParser) -> None:
    slo = p.add_argument_group("SLO gates (exit 1 when breached; each endpoint on its own)")
    slo.add_argument("--max-p99-ms", type=float, metavar="MS", help="highest p99 latency allowed")
    slo.add_argument(
        "--max-error-rate",
        type=float,
        metavar="FRACTION",
        help="highest share of failed calls allowed, e.g. 0.01",
    )
    over = p.add_argument_group("overload phase (gRPC services; not gated)")
    over.add_argument("--overload", action="store_true", help="run it after the Locust run")
    over.add_argument("--only-overload", action="store_true", help="run it alone, no Locust")
    over.add_argument(
        "--overload-seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="length of each of its two steps, per RPC (10)",
    )
    over.add_argument(
        "--capacity-in-flight",
        type=int,
        default=32,
        metavar="N",
        help="calls in flight while measuring capacity (32)",
    )
    over.add_argument(
        "--overload-in-flight",
        type=int,
        default=2000,
        metavar="N",
        help="calls held in flight while overloading (2000)",
    )
    over.add_argument(
        "--overload-deadline",
        type=float,
        default=1.0,
        metavar="S",
        help="deadline of each overloading call, seconds (1)",
    )


def _targets(args: argparse.Namespace) -> dict[str, str]:
    given = {key: getattr(args, f"{key}_target") for key in SERVICES}
    given[DESK] = args.desk_url
    return {key: value for key, value in given.items() if value}


def _check(p: argparse.ArgumentParser, args: argparse.Namespace, targets: dict[str, str]) -> None:
    driven = len(targets) if targets else len(SERVICES) + 1
    if not args.only_overload:
        if args.users < driven:
            p.error(f"--users must be at least {driven}, one per part driven")
        if args.seconds < 1:
            p.error("--seconds must be at least 1")
    if (args.overload or args.only_overload) and targets and not set(targets) & set(SERVICES):
        p.error("the overload phase needs a gRPC service to push (the desk is not overloaded)")
    for name in ("rate", "spawn_rate", "timeout", "overload_seconds", "overload_deadline"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    for name in ("workers", "capacity_in_flight", "overload_in_flight"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.max_error_rate is not None and not 0 <= args.max_error_rate <= 1:
        p.error("--max-error-rate is a fraction between 0 and 1")


def _run_dir(root: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 100):
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        return folder
    raise RuntimeError(f"no free run folder under {root}")


def _start_here(stack: ExitStack, args: argparse.Namespace, logs: Path) -> dict[str, str]:
    what = "the services" if args.only_overload else "the services and the desk"
    print(f"loadtest: starting {what} (logs in {logs})", flush=True)
    try:
        targets = stack.enter_context(servers.services(list(SERVICES), args.workers, logs))
    except servers.NotStarted as error:
        # Most often the default models are missing (a new checkout): build them, once.
        print(f"loadtest: {error}; building the default models if missing", flush=True)
        servers.build_models()
        targets = stack.enter_context(servers.services(list(SERVICES), args.workers, logs))
    if not args.only_overload:
        targets[DESK] = stack.enter_context(servers.desk(targets, logs))
    for key, target in targets.items():
        print(f"loadtest: {key} at {target}", flush=True)
    return targets


def _locust(args: argparse.Namespace, targets: dict[str, str], folder: Path) -> dict[str, Any]:
    calls_file = folder / "calls.json"
    config = locust_run.UserConfig(
        targets=targets,
        seed=args.seed,
        user_rate=args.rate / args.users if args.rate else None,
        timeout=args.timeout,
        calls_file=str(calls_file),
    )
    code = locust_run.run(
        config,
        users=args.users,
        spawn_rate=args.spawn_rate or float(args.users),
        seconds=args.seconds,
        out_dir=folder,
    )
    if code != 0 or not calls_file.exists():
        raise RuntimeError(f"Locust failed (exit code {code}); its output is above")
    recorded: dict[str, Any] = json.loads(calls_file.read_text())
    calls_file.unlink()  # every call's latency: large, and summarised in summary.json
    return summarize(recorded)


def _settings(args: argparse.Namespace, targets: dict[str, str], started: bool) -> dict[str, Any]:
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets": targets,
        "started_here": started,
        "seconds": None if args.only_overload else args.seconds,
        "users": None if args.only_overload else args.users,
        "rate": args.rate,
        "seed": args.seed,
        "timeout_s": args.timeout,
    }


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.seconds is None:
        args.seconds = _seconds_default()
    given = _targets(args)
    _check(p, args, given)
    folder = _run_dir(args.out)
    summary: dict[str, Any] = {}
    try:
        with ExitStack() as stack:
            logs = folder / "logs"
            logs.mkdir()
            targets = given or _start_here(stack, args, logs)
            summary["run"] = _settings(args, targets, started=not given)
            if not args.only_overload:
                summary.update(_locust(args, targets, folder))
            if args.overload or args.only_overload:
                summary["overload"] = overload.run(
                    targets,
                    overload.Settings(
                        seconds=args.overload_seconds,
                        capacity_in_flight=args.capacity_in_flight,
                        in_flight=args.overload_in_flight,
                        deadline=args.overload_deadline,
                        seed=args.seed,
                    ),
                )
    except RuntimeError as error:
        print(f"loadtest: {error}", file=sys.stderr)
        return 2
    return _finish(args, folder, summary)


def _finish(args: argparse.Namespace, folder: Path, summary: dict[str, Any]) -> int:
    limits = gates.Gates(args.max_p99_ms, args.max_error_rate)
    reasons = gates.breaches(summary.get("endpoints", {}), limits) if "endpoints" in summary else []
    summary["gates"] = {
        "max_p99_ms": limits.max_p99_ms,
        "max_error_rate": limits.max_error_rate,
        "breaches": reasons,
        "passed": not reasons,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print()
    if "endpoints" in summary:
        print(f"Locust run, {summary['window_seconds']:g} s:")
        print("\n".join(table(summary)))
        print()
    if "overload" in summary:
        print("\n".join(overload.table(summary["overload"])))
        print()
    print(f"summary:  {folder / 'summary.json'}")
    if "endpoints" in summary:
        print(f"report:   {folder / 'report.html'}")
        print(f"csv:      {folder / 'locust_stats.csv'} (and locust_*.csv)")
    if summary["run"]["started_here"]:
        print(f"logs:     {folder / 'logs'}")
    for reason in reasons:
        print(f"SLO breached: {reason}")
    if limits.active and not reasons:
        print("SLO gates passed")
    return 1 if reasons else 0
