"""The protos' `google.api.field_behavior` REQUIRED annotations and the servers'
validation agree: every annotated field, left unset in an otherwise valid request, is
refused with INVALID_ARGUMENT naming exactly that field (its proto path), and every
field not annotated may be left unset. Read off the descriptors, so a new field is
checked the day it is added."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.api import field_behavior_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb
from retail.returns_decision.v1 import returns_decision_pb2_grpc
from retail.translation.v1 import translation_pb2 as translation_pb
from retail.translation.v1 import translation_pb2_grpc
from retail.triage.v1 import triage_pb2 as triage_pb
from retail.triage.v1 import triage_pb2_grpc

from tests.integration.api.servers import Servers, three_services
from tests.integration.harness import REPO

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def servers(returns_model_registry: Path, triage_model_dir: Path) -> Iterator[Servers]:
    with three_services(returns_model_registry, triage_model_dir) as running:
        yield running


def golden(name: str, message: Message) -> Any:
    json_format.Parse((GOLDEN / f"{name}.json").read_text(), message)
    return message


def is_required(field: FieldDescriptor) -> bool:
    behaviors = field.GetOptions().Extensions[field_behavior_pb2.field_behavior]
    return field_behavior_pb2.REQUIRED in behaviors


def set_fields(message: Message, prefix: str = "") -> Iterator[tuple[str, FieldDescriptor]]:
    """(proto path, field) of every field set in `message`, nested ones included (the
    first entry of a repeated message field stands for all)."""
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        yield path, field
        kind = field.message_type
        # Maps and well-known types (a Timestamp's seconds) are values, not requests.
        if kind is None or kind.GetOptions().map_entry or kind.full_name.startswith("google."):
            continue
        if field.is_repeated:
            yield from set_fields(value[0], f"{path}[0].")
        else:
            yield from set_fields(value, f"{path}.")


def without(message: Message, path: str) -> Any:
    """A copy of `message` with the field at `path` cleared."""
    copy = type(message)()
    copy.CopyFrom(message)
    *parents, last = path.split(".")
    target: Any = copy
    for part in parents:
        name, _, index = part.partition("[")
        target = getattr(target, name)
        if index:
            target = target[int(index.rstrip("]"))]
    target.ClearField(last)
    return copy


def violations_of(call: Callable[..., Any], request: Message) -> set[str] | None:
    """The field paths a call refuses, or None when it succeeds."""
    try:
        reply = call(request, timeout=60)
    except grpc.RpcError as error:
        failure: Any = error
        assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT, failure.details()
        status = rpc_status.from_call(failure)
        assert status is not None
        fields = set()
        for detail in status.details:
            bad = error_details_pb2.BadRequest()
            if detail.Unpack(bad):
                fields |= {v.field for v in bad.field_violations}
        return fields
    entries = getattr(reply, "results", None)
    if entries is not None:  # per-entry errors count as the entry's violations
        fields = set()
        for entry in entries:
            if entry.WhichOneof("result") == "error":
                for detail in entry.error.details:
                    bad = error_details_pb2.BadRequest()
                    if detail.Unpack(bad):
                        fields |= {v.field for v in bad.field_violations}
        return fields or None
    return None


def cases(servers: Servers) -> Iterator[tuple[str, Callable[..., Any], Message]]:
    returns = returns_decision_pb2_grpc.ReturnsDecisionServiceStub(
        grpc.insecure_channel(servers.returns.target)
    )
    triage = triage_pb2_grpc.TriageServiceStub(grpc.insecure_channel(servers.triage.target))
    translation = translation_pb2_grpc.TranslationServiceStub(
        grpc.insecure_channel(servers.translation.target)
    )
    decide = golden("decide_return", returns_pb.DecideReturnRequest())
    policy = (REPO / "policies" / "apparel.yaml").read_text()
    yield "DecideReturn", returns.DecideReturn, decide
    yield (
        "ValidatePolicy",
        returns.ValidatePolicy,
        returns_pb.ValidatePolicyRequest(tenant_id="northwind-apparel", policy_document=policy),
    )
    yield (
        "SimulatePolicy",
        returns.SimulatePolicy,
        returns_pb.SimulatePolicyRequest(
            tenant_id="northwind-apparel", candidate_policy_document=policy, requests=[decide]
        ),
    )
    yield "DecideReturns", returns.DecideReturns, returns_pb.DecideReturnsRequest(requests=[decide])
    # Outcomes of the golden request, decided (and logged) by the first case above.
    outcome = returns_pb.ReturnOutcome(
        request_id=decide.request_id, line_item_id=decide.items[0].line_item_id, received=True
    )
    yield (
        "RecordOutcomes",
        returns.RecordOutcomes,
        returns_pb.RecordOutcomesRequest(tenant_id=decide.tenant_id, outcomes=[outcome]),
    )
    message = golden("triage_message", triage_pb.TriageMessageRequest())
    yield "TriageMessage", triage.TriageMessage, message
    yield (
        "TriageMessages",
        triage.TriageMessages,
        triage_pb.TriageMessagesRequest(messages=[message]),
    )
    yield (
        "TranslateText",
        translation.TranslateText,
        golden("translate_text", translation_pb.TranslateTextRequest()),
    )
    yield (
        "DetectLanguage",
        translation.DetectLanguage,
        golden("detect_language", translation_pb.DetectLanguageRequest()),
    )


def test_golden_requests_are_valid(servers: Servers) -> None:
    for name, call, request in cases(servers):
        assert violations_of(call, request) is None, name


def test_required_fields_are_refused_when_unset_and_nothing_else_is(servers: Servers) -> None:
    mismatches = []
    checked = 0
    for name, call, request in cases(servers):
        batch = name in ("DecideReturns", "TriageMessages")
        for path, field in set_fields(request):
            # A batch entry is checked as its single call; the batch checks its list.
            if batch and "." in path:
                continue
            found = violations_of(call, without(request, path))
            # A batch entry's error names the field as the single call would.
            expected = {path.split(".", 1)[1]} if batch and "." in path else {path}
            if is_required(field):
                if found != expected:
                    mismatches.append(f"{name} {path}: REQUIRED, server answered {found}")
            elif found is not None and path in found:
                mismatches.append(f"{name} {path}: not annotated, server requires it")
            elif found is not None:
                mismatches.append(f"{name} {path}: optional, unset gives {found}")
            checked += 1
    assert not mismatches, "\n".join(mismatches)
    assert checked > 100


def test_golden_requests_are_the_documented_json() -> None:
    """The golden files parse strictly (no unknown fields), so docs can quote them."""
    for path in GOLDEN.glob("*.json"):
        json.loads(path.read_text())
