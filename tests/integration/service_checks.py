"""Checks every service's server must pass: health for "" and its own name, and
reflection v1 and v1alpha listing it (so grpcurl works without the protos)."""

from __future__ import annotations

import grpc
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.common.server import ServiceSpec

# v1 is v1alpha's protocol under another package: the v1alpha messages encode it.
V1_METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"


def assert_health_and_reflection(target: str, spec: ServiceSpec) -> None:
    with grpc.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", *spec.service_names):
            reply = health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        v1alpha = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo
        v1 = channel.stream_stream(
            V1_METHOD,
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        for reflect in (v1alpha, v1):
            (answer,) = reflect(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
            listed = {s.name for s in answer.list_services_response.service}
            assert set(spec.service_names) <= listed
            assert {
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
            } <= listed
        # Every listed service can be described over v1, the reflection service included.
        for name in sorted(listed):
            (answer,) = v1(
                iter([reflection_pb2.ServerReflectionRequest(file_containing_symbol=name)])
            )
            assert answer.WhichOneof("message_response") == "file_descriptor_response", name
            files = [
                descriptor_pb2.FileDescriptorProto.FromString(raw)
                for raw in answer.file_descriptor_response.file_descriptor_proto
            ]
            package, _, service = name.rpartition(".")
            assert any(
                f.package == package and service in {s.name for s in f.service} for f in files
            ), name
