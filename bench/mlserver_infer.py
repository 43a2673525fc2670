"""KServe v2 `ModelInfer` messages for the MLServer peer bench (bench/mlserver_peer.py).

Runs with the MLServer virtual environment's interpreter (var/bench/mlserver-venv), not
the project's: it imports MLServer's generated dataplane protobuf, which only that
environment has, so the bench process itself can send raw bytes and never needs it.

    python -I bench/mlserver_infer.py request MODEL VERSION FEATURES_JSON OUT_FILE
        writes the serialized ModelInferRequest for one FP64 row of features
    python -I bench/mlserver_infer.py check TARGET REQUEST_FILE
        sends it once and prints {"probability": p} from the model's first output
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import grpc
from mlserver.codecs import NumpyCodec  # type: ignore[import-not-found]
from mlserver.grpc import dataplane_pb2 as pb  # type: ignore[import-not-found]
from mlserver.grpc.converters import ModelInferResponseConverter  # type: ignore[import-not-found]

METHOD = "/inference.GRPCInferenceService/ModelInfer"


def request(model: str, version: str, features: list[float]) -> bytes:
    tensor = pb.ModelInferRequest.InferInputTensor(
        name="input-0",
        datatype="FP64",
        shape=[1, len(features)],
        contents=pb.InferTensorContents(fp64_contents=features),
    )
    message = pb.ModelInferRequest(model_name=model, model_version=version, inputs=[tensor])
    raw: bytes = message.SerializeToString()
    return raw


def probability(target: str, body: bytes) -> float:
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(METHOD, None, pb.ModelInferResponse.FromString)
        response = call(body, timeout=30)
    # The converter and codec read typed and raw output contents alike.
    output = ModelInferResponseConverter.to_types(response).outputs[0]
    return float(NumpyCodec.decode_output(output).ravel()[0])


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[0] == "request":
        model, version, features, out = argv[1:]
        Path(out).write_bytes(request(model, version, [float(v) for v in json.loads(features)]))
        return 0
    if len(argv) == 3 and argv[0] == "check":
        print(json.dumps({"probability": probability(argv[1], Path(argv[2]).read_bytes())}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
