"""One persistent Apertium pipeline in null-flush mode.

Every stage of a direction runs as its own long-lived process with ``-z``: a request is
written followed by a NUL byte, and each stage flushes when it sees one, so the answer
ends with a NUL too. The pipeline is split just before generation: this process copies
the stream in between from the first half to the second, keeping a copy to count unknown
words and repairing two transfer-rule slips (``apertium_repairs``: the blank some rules
leave out after a proclitic pronoun, the capital es-fr puts after a comma). All stages
share one process group so that a hung or broken pipeline is killed whole. Reads and
writes are interleaved with a selector, never blocking past the deadline, so a large
batch cannot deadlock on full pipe buffers.

``tagger_preload`` is the library (``apertium_tagger_reset``) preloaded into the
``apertium-tagger`` stage only, which puts the tagger's state back after every request.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from services.translation.engines.apertium_modes import ApertiumMode
from services.translation.engines.apertium_repairs import StreamRepairer

_READ_SIZE = 1 << 16
# Every request ends with ".[]" and the empty superblank comes back last; an answer
# without it is the flush of a stage that lost its input, not a translation.
_ANSWER_END = b"[]"
_STDERR_TAIL = 2000
_STDERR_LIMIT = 1 << 20


class PipelineDied(Exception):
    """A stage exited, closed its pipe, or answered out of step."""


class PipelineTimeout(Exception):
    """The pipeline did not answer before the deadline."""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # Apertium reads and writes UTF-8 only under a UTF-8 locale.
    env["LC_ALL"] = "C.UTF-8"
    return env


def _with_preload(env: dict[str, str], library: Path) -> dict[str, str]:
    preload = " ".join(p for p in (str(library), env.get("LD_PRELOAD", "")) if p)
    return {**env, "LD_PRELOAD": preload}


def _is_tagger(argv: tuple[str, ...]) -> bool:
    return Path(argv[0]).name == "apertium-tagger"


class ApertiumPipeline:
    """The processes of one direction, used by one caller at a time."""

    def __init__(self, mode: ApertiumMode, tagger_preload: Path | None = None) -> None:
        self.mode = mode
        self._tagger_preload = tagger_preload
        self._procs: list[subprocess.Popen[bytes]] = []
        # Lives as long as the pipeline; closed by kill().
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._pgid = 0
        self._closed = False
        self.segments_served = 0
        """Segments translated so far; the engine retires a pipeline past a quota."""
        env = _environment()
        self._middle_in: IO[bytes] | None = None
        try:
            self._first_in, self._middle_out = self._chain(mode.analysis, env)
            if mode.generation:
                self._middle_in, self._last_out = self._chain(mode.generation, env)
            else:
                self._middle_in, self._last_out = None, self._middle_out
        except OSError:
            self.kill()
            raise
        for stream in (self._first_in, self._middle_out, self._middle_in, self._last_out):
            if stream is not None:
                os.set_blocking(stream.fileno(), False)

    def _chain(
        self, stages: tuple[tuple[str, ...], ...], env: dict[str, str]
    ) -> tuple[IO[bytes], IO[bytes]]:
        first_in: IO[bytes] | None = None
        previous: IO[bytes] | None = None
        for argv in stages:
            stage_env = env
            if self._tagger_preload is not None and _is_tagger(argv):
                stage_env = _with_preload(env, self._tagger_preload)
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if previous is None else previous,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=stage_env,
                bufsize=0,
                process_group=self._pgid,
            )
            if not self._pgid:
                self._pgid = proc.pid
            self._procs.append(proc)
            if previous is None:
                assert proc.stdin is not None
                first_in = proc.stdin
            else:
                previous.close()  # the next stage holds it now
            assert proc.stdout is not None
            previous = proc.stdout
        assert first_in is not None
        assert previous is not None
        return first_in, previous

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def alive(self) -> bool:
        return not self._closed and all(p.poll() is None for p in self._procs)

    def stderr_tail(self) -> str:
        """The end of what the stages wrote to stderr, for debugging: it may quote input
        words, so it must not go to logs."""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - _STDERR_TAIL))
            return self._stderr.read().decode("utf-8", "replace").strip()
        return ""

    def exchange(self, payload: bytes, deadline: float) -> tuple[bytes, bytes]:
        """Send one NUL-terminated request; return (stream before generation, output).

        Both are returned without their NUL. Raises PipelineTimeout at the deadline and
        PipelineDied when a stage is gone; either way the pipeline must not be reused.
        """
        if not payload.endswith(b"\0") or payload.count(b"\0") != 1:
            raise ValueError("payload must hold exactly one NUL, at its end")
        if not self.alive() or self._pending_output():
            # A stage that loses its input flushes and writes a NUL before exiting: a
            # pipeline with output nobody asked for is broken, not answering.
            raise PipelineDied("a stage has exited")
        first_in = self._first_in.fileno()
        middle_out = self._middle_out.fileno()
        middle_in = self._middle_in.fileno() if self._middle_in is not None else -1
        last_out = self._last_out.fileno()
        to_first = memoryview(payload)
        to_middle = bytearray()
        repairer = StreamRepairer(self.mode.target)
        middle: list[bytes] = []
        output: list[bytes] = []
        middle_done = middle_in < 0
        with selectors.DefaultSelector() as selector:
            selector.register(first_in, selectors.EVENT_WRITE)
            if middle_in >= 0:
                selector.register(middle_out, selectors.EVENT_READ)
            selector.register(last_out, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PipelineTimeout("no answer before the deadline")
                for key, _ in selector.select(remaining):
                    fd = key.fd
                    if fd == first_in:
                        to_first = to_first[self._write(fd, to_first) :]
                        if not to_first:
                            selector.unregister(fd)
                    elif fd == middle_in:
                        del to_middle[: self._write(fd, to_middle)]
                        if not to_middle:
                            selector.unregister(fd)
                    elif fd == middle_out:
                        chunk = self._read(fd)
                        if not chunk:
                            continue
                        middle_done = self._check_end(chunk, middle_done)
                        ready = repairer.feed(chunk, middle_done)
                        if ready:
                            middle.append(ready)
                            if not to_middle:
                                selector.register(middle_in, selectors.EVENT_WRITE)
                            to_middle += ready
                        if middle_done:
                            selector.unregister(fd)
                    else:
                        chunk = self._read(fd)
                        if not chunk:
                            continue
                        output.append(chunk)
                        if self._check_end(chunk, False):
                            answer = b"".join(output)[:-1]
                            if not middle_done or to_first or to_middle:
                                raise PipelineDied("answer ended before the request was sent")
                            if not answer.rstrip().endswith(_ANSWER_END):
                                raise PipelineDied("answer lacks the end-of-input mark")
                            between = b"".join(middle)[:-1] if middle_in >= 0 else b""
                            self._bound_stderr()
                            return between, answer

    def _bound_stderr(self) -> None:
        """Keep the stages' stderr file small: a long-lived pipeline may warn forever."""
        if os.fstat(self._stderr.fileno()).st_size > _STDERR_LIMIT:
            # The stages share this file's offset, so rewinding here rewinds them too.
            self._stderr.seek(0)
            self._stderr.truncate()

    def _pending_output(self) -> bool:
        """Whether an output pipe already has data (or end-of-file) waiting."""
        fds = [self._last_out.fileno()]
        if self._middle_in is not None:
            fds.append(self._middle_out.fileno())
        with selectors.DefaultSelector() as selector:
            for fd in fds:
                selector.register(fd, selectors.EVENT_READ)
            return bool(selector.select(0))

    @staticmethod
    def _write(fd: int, data: memoryview | bytearray) -> int:
        try:
            return os.write(fd, data[:_READ_SIZE])
        except BlockingIOError:
            return 0
        except OSError as exc:  # EPIPE: the stage is gone
            raise PipelineDied(f"write failed: {exc}") from exc

    @staticmethod
    def _read(fd: int) -> bytes:
        try:
            chunk = os.read(fd, _READ_SIZE)
        except BlockingIOError:
            return b""  # spurious wake-up: nothing to read yet
        except OSError as exc:
            raise PipelineDied(f"read failed: {exc}") from exc
        if not chunk:
            raise PipelineDied("a stage closed its output")
        return chunk

    @staticmethod
    def _check_end(chunk: bytes, already_done: bool) -> bool:
        """Whether this chunk completes the answer; anything past the NUL is a desync."""
        at = chunk.find(b"\0")
        if at < 0:
            if already_done and chunk:
                raise PipelineDied("output after the end of the answer")
            return already_done
        if already_done or at != len(chunk) - 1:
            raise PipelineDied("more than one answer to one request")
        return True

    def kill(self) -> None:
        """Kill every stage and release the pipes; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._pgid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._pgid, signal.SIGKILL)
        for proc in self._procs:
            with contextlib.suppress(OSError):
                proc.kill()
        for proc in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        self._stderr.close()
