"""The baseline: the ``apertium -u`` command line, piped through a pivot as a shell would."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from typing import IO


def raw_apertium(sentences: Sequence[str], modes: Sequence[str], timeout: float = 600) -> list[str]:
    """Translate with ``apertium -u M1 | apertium -u M2 ...`` in one run, one line each.

    A blank line between sentences makes ``apertium-destxt`` end each as it ends a whole
    input, so each is translated as if alone (the Apertium engine's tests rely on this).
    """
    if not modes:
        raise ValueError("at least one Apertium mode is needed")
    program = shutil.which("apertium")
    if program is None:
        raise FileNotFoundError("apertium is not installed (deps/apt-translation.txt)")
    text = "\n\n".join(" ".join(s.split()) for s in sentences) + "\n"
    env = dict(os.environ, LC_ALL="C.UTF-8")
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryFile() as source:
        source.write(text.encode("utf-8"))
        source.seek(0)
        stdin: IO[bytes] | int = source
        try:
            for mode in modes:
                proc = subprocess.Popen(
                    [program, "-u", mode],
                    stdin=stdin,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
                if procs:
                    assert procs[-1].stdout is not None
                    procs[-1].stdout.close()  # the next stage owns it now
                procs.append(proc)
                assert proc.stdout is not None
                stdin = proc.stdout
            output, _ = procs[-1].communicate(timeout=timeout)
            for proc in procs[:-1]:
                proc.wait(timeout=timeout)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    failed = [m for m, p in zip(modes, procs, strict=True) if p.returncode != 0]
    if failed:
        raise RuntimeError(f"apertium -u {' | '.join(failed)} failed")
    parts = [" ".join(p.split()) for p in output.decode("utf-8").strip("\n").split("\n\n")]
    if len(parts) != len(sentences):
        raise RuntimeError(f"apertium returned {len(parts)} paragraphs for {len(sentences)}")
    return parts
