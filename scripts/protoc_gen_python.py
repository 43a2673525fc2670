"""A protoc plugin for `buf generate` (buf.gen.yaml): the Python stubs exactly as
`make protos` writes them (messages, gRPC services, mypy type stubs, package markers).

buf hands a plugin the compiled descriptors on stdin; this one writes them to a
descriptor set, runs the same grpcio-tools generation as scripts/protos.py on it, and
answers with every file written.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.protos import OWN_PACKAGE, run_protoc


def respond(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    own = [f for f in request.file_to_generate if f.startswith(f"{OWN_PACKAGE}/")]
    if not own:
        return response
    files = descriptor_pb2.FileDescriptorSet(file=request.proto_file)
    for file in files.file:
        _drop_json_names(file.message_type)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        descriptors = root / "descriptors.binpb"
        descriptors.write_bytes(files.SerializeToString())
        out = root / "out"
        out.mkdir()
        run_protoc([f"--descriptor_set_in={descriptors}"], own, out, cwd=root)
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            response.file.add(name=str(path.relative_to(out)), content=path.read_text())
    return response


def _drop_json_names(messages: Iterable[descriptor_pb2.DescriptorProto]) -> None:
    """buf fills in every field's default json_name, protoc only explicit ones (the
    protos set none); the generated modules embed the descriptors, so without this the
    bytes would differ from `make protos`."""
    for message in messages:
        for field in message.field:
            field.ClearField("json_name")
        _drop_json_names(message.nested_type)


def main() -> int:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(respond(request).SerializeToString())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
