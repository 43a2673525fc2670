"""Each service starts on the shared runtime, serves health and reflection, and answers
the RPCs its own issue has not implemented yet with UNIMPLEMENTED."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.common.server import ServiceSpec
from services.returns_decision.server import SPEC as RETURNS
from services.translation.server import SPEC as TRANSLATION
from services.triage.server import SPEC as TRIAGE
from tests.integration.harness import serving

SPECS = [RETURNS, TRIAGE, TRANSLATION]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_service_serves_health_and_reflection(spec: ServiceSpec) -> None:
    settings = spec.settings_cls(port=0, metrics_port=0)
    if spec is RETURNS:  # no trained models here; tests/integration/returns trains them
        settings = settings.model_copy(update={"risk_enabled": False})
    with (
        serving(spec, settings) as server,
        grpc.insecure_channel(server.target) as channel,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", *spec.service_names):
            reply = health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
        (answer,) = reflect.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        listed = {s.name for s in answer.list_services_response.service}
        assert set(spec.service_names) <= listed
        assert "grpc.health.v1.Health" in listed


def unimplemented_methods(spec: ServiceSpec) -> list[tuple[str, Any]]:
    """(full method path, request class) of every RPC of the service."""
    from google.protobuf import message_factory
    from google.protobuf.descriptor_pool import Default

    methods = []
    for service_name in spec.service_names:
        service = Default().FindServiceByName(service_name)
        for method in service.methods:
            request_cls = message_factory.GetMessageClass(method.input_type)
            methods.append((f"/{service_name}/{method.name}", request_cls))
    return methods


@pytest.mark.parametrize("spec", [TRIAGE], ids=lambda s: s.name)
def test_rpcs_not_implemented_yet_answer_unimplemented(spec: ServiceSpec) -> None:
    with (
        serving(spec, spec.settings_cls(port=0, metrics_port=0)) as server,
        grpc.insecure_channel(server.target) as channel,
    ):
        for path, request_cls in unimplemented_methods(spec):
            call = channel.unary_unary(path, request_cls.SerializeToString, None)
            with pytest.raises(grpc.RpcError) as caught:
                call(request_cls())
            error: Any = caught.value
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED, path
            assert "not implemented yet" in error.details()
