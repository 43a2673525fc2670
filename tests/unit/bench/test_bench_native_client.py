"""The bench's wrapper around its native gRPC client (bench/native/unary_client.cc): how it
hands the client the request and reads its answer. The C++ client itself needs the
packages only `make bench` installs, so a stand-in script with the same interface plays
it here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.grpc_load import Latency, native_serial_latency


def _client(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "unary_client"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_passes_the_request_bytes_and_reads_the_quantiles(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    client = _client(
        tmp_path,
        f'printf "%s\\n" "$1" "$2" "$4" "$5" > {seen}; cat "$3" >> {seen}\n'
        'echo \'{"p50_ms": 0.5, "p90_ms": 0.75, "p99_ms": 1.25, "calls": 7}\'',
    )
    latency = native_serial_latency(client, "127.0.0.1:1", "/a.B/C", b"\x00raw", 7, warmup=3)
    assert latency == Latency(0.5, 0.75, 1.25, 7)
    assert seen.read_bytes() == b"127.0.0.1:1\n/a.B/C\n7\n3\n\x00raw"


def test_a_failing_client_raises_with_its_message(tmp_path: Path) -> None:
    client = _client(tmp_path, 'echo "call 0 ended 14: connection refused" >&2; exit 1')
    with pytest.raises(RuntimeError, match="call 0 ended 14: connection refused"):
        native_serial_latency(client, "127.0.0.1:1", "/a.B/C", b"x", 1)
