"""The parts the harness drives: the three services (their full gRPC names, taken from the
generated descriptors) and the support desk, and the endpoint names its reports use."""

from __future__ import annotations

from dataclasses import dataclass

from retail.returns_decision.v1 import returns_decision_pb2
from retail.translation.v1 import translation_pb2
from retail.triage.v1 import triage_pb2


@dataclass(frozen=True)
class Service:
    key: str  # the harness's name: --<key>-target, summary.json
    module: str  # python -m <module>
    env_prefix: str
    full_name: str  # the gRPC service name, also the health check's

    def method(self, rpc: str) -> str:
        return f"/{self.full_name}/{rpc}"


SERVICES: dict[str, Service] = {
    s.key: s
    for s in (
        Service(
            "returns",
            "services.returns_decision",
            "RETURNS_",
            returns_decision_pb2.DESCRIPTOR.services_by_name["ReturnsDecisionService"].full_name,
        ),
        Service(
            "triage",
            "services.triage",
            "TRIAGE_",
            triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name,
        ),
        Service(
            "translation",
            "services.translation",
            "TRANSLATION_",
            translation_pb2.DESCRIPTOR.services_by_name["TranslationService"].full_name,
        ),
    )
}
DESK = "desk"
DESK_ENDPOINT = "POST /api/v1/messages"

# Endpoint name (Locust's request name) -> the part that answers it.
ENDPOINT_PART: dict[str, str] = {
    "DecideReturn": "returns",
    "TriageMessage": "triage",
    "TranslateText": "translation",
    "DetectLanguage": "translation",
    DESK_ENDPOINT: DESK,
}
# The RPCs the overload phase pushes, in the order it runs them.
OVERLOAD_RPCS: dict[str, str] = {
    "DecideReturn": "returns",
    "TriageMessage": "triage",
    "TranslateText": "translation",
}
