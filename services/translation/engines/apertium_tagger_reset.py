"""Builds the library that makes each Apertium request independent of the ones before it.

``apertium-tagger`` (apertium 3.8.3) changes its model's open ambiguity class, for the
rest of the process, when it meets a word whose ambiguity class the model lacks (see
``apertium_tagger_reset.cc``). A persistent pipeline would then translate the same text
differently depending on what it translated earlier. The library, preloaded into the
tagger stage only, puts the open class back at the end of every null-flushed request, so
a request is tagged exactly as a fresh ``apertium -u`` run tags it.

It is compiled once per source version with the system C++ compiler (``c++``, from
``build-essential``/``g++``) into ``var/build`` (or the temporary directory when the
repository is read-only) and checked by loading it into ``apertium-tagger``: both wrapped
symbols must resolve. When anything is missing the engine runs without it and logs why.

``python -m services.translation.engines.apertium_tagger_reset [DIR]`` builds it ahead of
time (e.g. in an image's build stage, which has the compiler the final image lacks: copy
the file to ``var/build/apertium`` of the final image and the engine only checks it).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from services.common.paths import VAR_DIR

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_suffix(".cc")
DEFAULT_BUILD_DIR = VAR_DIR / "build" / "apertium"
REPORT_VARIABLE = "APERTIUM_TAGGER_RESET_REPORT"
_REPORT_OK = "find_similar=1 icu="
_COMPILE_TIMEOUT = 120


class TaggerResetUnavailable(Exception):
    """The library cannot be built or would not work with the installed Apertium."""


def _compiler() -> str:
    for name in (os.environ.get("CXX", ""), "c++", "g++", "clang++"):
        if name and (path := shutil.which(name)):
            return path
    raise TaggerResetUnavailable("no C++ compiler (c++, g++ or clang++) is installed")


def _build_dirs(build_dir: Path | None) -> list[Path]:
    if build_dir is not None:
        return [build_dir]
    return [DEFAULT_BUILD_DIR, Path(tempfile.gettempdir()) / f"retail-apertium-{os.getuid()}"]


def _compile(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        done = subprocess.run(
            [_compiler(), "-O2", "-shared", "-fPIC", "-o", partial, str(SOURCE), "-ldl"],
            capture_output=True,
            text=True,
            check=False,
            timeout=_COMPILE_TIMEOUT,
        )
        if done.returncode != 0:
            raise TaggerResetUnavailable(f"compiling {SOURCE.name} failed: {done.stderr[-500:]}")
        os.replace(partial, target)  # atomic: concurrent workers may build it too
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def check(library: Path, tagger: str = "apertium-tagger") -> None:
    """Load the library into ``apertium-tagger`` and make sure it wraps both symbols."""
    program = shutil.which(tagger)
    if program is None:
        raise TaggerResetUnavailable(f"{tagger} is not installed")
    env = dict(os.environ, LD_PRELOAD=str(library), **{REPORT_VARIABLE: "1"})
    done = subprocess.run(
        [program], capture_output=True, text=True, check=False, timeout=30, env=env
    )
    report = [line for line in done.stderr.splitlines() if line.startswith("apertium-tagger-")]
    if not report or _REPORT_OK not in report[0] or report[0].endswith("icu=0"):
        found = report[0] if report else done.stderr[:200]
        raise TaggerResetUnavailable(f"{library.name} does not fit apertium-tagger: {found}")


def tagger_reset_library(build_dir: Path | None = None) -> Path:
    """The built and checked library (built on first use); raises TaggerResetUnavailable."""
    if not SOURCE.is_file():
        raise TaggerResetUnavailable(f"{SOURCE} is missing")
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    name = f"apertium-tagger-reset-{digest}.so"
    errors: list[str] = []
    for directory in _build_dirs(build_dir):
        target = directory / name
        if any(ch.isspace() or ch == ":" for ch in str(target)):
            errors.append(f"{directory}: LD_PRELOAD cannot name a path with spaces or colons")
            continue
        try:
            if not target.is_file():
                _compile(target)
            check(target)
            return target
        except OSError as exc:
            errors.append(f"{directory}: {exc}")
        except subprocess.SubprocessError as exc:
            raise TaggerResetUnavailable(f"building or checking {name}: {exc}") from exc
    raise TaggerResetUnavailable("; ".join(errors))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.translation.engines.apertium_tagger_reset",
        description="Build and check the apertium-tagger reset library; print its path.",
    )
    parser.add_argument(
        "build_dir", nargs="?", type=Path, help=f"where to put it (default {DEFAULT_BUILD_DIR})"
    )
    args = parser.parse_args(argv)
    try:
        print(tagger_reset_library(args.build_dir))
    except TaggerResetUnavailable as exc:
        print(f"cannot build the tagger reset library: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
