"""Checks every service's server must pass: health for "" and its own name, and
reflection listing it (so grpcurl works without the protos)."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.common.server import ServiceSpec


def assert_health_and_reflection(target: str, spec: ServiceSpec) -> None:
    with grpc.insecure_channel(target) as channel:
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
