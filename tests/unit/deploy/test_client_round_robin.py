"""The client settings docs/deploying.md gives for the headless Services: with the
`round_robin` policy a single channel spreads its calls over every address its target
resolves to (as a headless Service's DNS name resolves to every ready pod), where the
default `pick_first` sends them all to one. Two loopback servers stand in for two pods;
the static `ipv4:` resolver stands in for DNS.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

METHOD = "/test.Echo/Who"
CALLS = 20
ROUND_ROBIN_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def _server(name: bytes) -> tuple[grpc.Server, int]:
    def who(_request: bytes, _context: grpc.ServicerContext) -> bytes:
        return name

    handler = grpc.method_handlers_generic_handler(
        "test.Echo", {"Who": grpc.unary_unary_rpc_method_handler(who)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


@pytest.fixture
def target() -> Iterator[str]:
    """An `ipv4:` target listing two servers, each answering with its own name."""
    servers = [_server(b"a"), _server(b"b")]
    try:
        yield "ipv4:" + ",".join(f"127.0.0.1:{port}" for _, port in servers)
    finally:
        for server, _ in servers:
            server.stop(None)


def _answers(target: str, options: list[tuple[str, str | int]]) -> Counter[bytes]:
    with grpc.insecure_channel(target, options=options) as channel:
        # Raw bytes both ways: no protobuf messages needed to tell the servers apart.
        call = channel.unary_unary(METHOD, request_serializer=None, response_deserializer=None)
        return Counter(call(b"", timeout=5, wait_for_ready=True) for _ in range(CALLS))


@pytest.mark.parametrize(
    "options",
    [
        [("grpc.lb_policy_name", "round_robin")],
        [("grpc.service_config", ROUND_ROBIN_CONFIG)],
    ],
    ids=["lb_policy_name", "service_config"],
)
def test_round_robin_spreads_one_channels_calls(
    target: str, options: list[tuple[str, str | int]]
) -> None:
    answers = _answers(target, options)
    assert set(answers) == {b"a", b"b"}
    # Once both subchannels are ready the picks alternate; the first calls may all land
    # on the one that connected first.
    assert min(answers.values()) >= CALLS // 4


def test_pick_first_sends_every_call_to_one_server(target: str) -> None:
    answers = _answers(target, [])
    assert len(answers) == 1
