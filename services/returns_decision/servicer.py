"""gRPC servicer of the returns_decision service: converts messages and calls the core.

The core runs synchronously on the event-loop thread on purpose: durable_rules is not
thread-safe, so it is only ever called from the thread that created its rulesets, and a
decision takes well under a millisecond, so handing it to a thread pool would cost more
than it saves.
"""

from __future__ import annotations

from typing import Any

import grpc
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.returns_decision.v1 import returns_decision_pb2_grpc

from services.common.calls import check_deadline
from services.common.errors import DomainError, FieldViolation, InvalidArgument, NotFound
from services.common.limits import check_batch_size
from services.common.status import to_status_proto
from services.returns_decision import converters
from services.returns_decision.core.returns import ReturnsCore

Context = grpc.aio.ServicerContext[Any, Any]


class ReturnsDecisionServiceServicer(returns_decision_pb2_grpc.ReturnsDecisionServiceServicer):
    def __init__(self, core: ReturnsCore, max_batch_size: int) -> None:
        self.core = core
        self.max_batch_size = max_batch_size

    def _decide(self, request: pb.DecideReturnRequest, into: pb.ReturnDecision) -> None:
        # return_request validates, so the core does not validate again.
        result = self.core.decide(converters.return_request(request), validated=True)
        converters.set_decision(
            into, result.decision, result.evaluated_at, result.fraud, result.wardrobing
        )

    async def DecideReturn(
        self, request: pb.DecideReturnRequest, context: Context
    ) -> pb.DecideReturnResponse:
        response = pb.DecideReturnResponse()
        self._decide(request, response.decision)
        return response

    async def DecideReturns(
        self, request: pb.DecideReturnsRequest, context: Context
    ) -> pb.DecideReturnsResponse:
        check_batch_size(len(request.requests), self.max_batch_size, "requests")
        response = pb.DecideReturnsResponse()
        for entry in request.requests:
            check_deadline()
            result = response.results.add()
            try:
                self._decide(entry, result.decision)
            except DomainError as error:
                result.Clear()  # a half-written decision must not reach the caller
                result.error.CopyFrom(to_status_proto(error))
        return response

    async def ValidatePolicy(
        self, request: pb.ValidatePolicyRequest, context: Context
    ) -> pb.ValidatePolicyResponse:
        if not request.policy_document:
            raise InvalidArgument(
                "policy_document is required", [FieldViolation("policy_document", "required")]
            )
        result = self.core.validate(request.tenant_id, request.policy_document)
        response = pb.ValidatePolicyResponse(
            valid=result.valid,
            errors=converters.policy_errors(result.errors),
        )
        if result.version is not None:
            response.version.CopyFrom(converters.policy_version(result.version))
        return response

    async def SimulatePolicy(
        self, request: pb.SimulatePolicyRequest, context: Context
    ) -> pb.SimulatePolicyResponse:
        if not request.tenant_id:
            raise InvalidArgument(
                "tenant_id is required", [FieldViolation("tenant_id", "required")]
            )
        requests = []
        for i, entry in enumerate(request.requests):
            try:
                requests.append(converters.return_request(entry))
            except InvalidArgument as error:
                raise InvalidArgument(
                    f"requests[{i}] is not a valid return request",
                    [
                        FieldViolation(f"requests[{i}].{v.field}", v.description)
                        for v in error.violations
                    ],
                    reason=error.reason,
                ) from None
        report = self.core.simulate(request.tenant_id, request.candidate_policy_document, requests)
        return converters.simulation(report)

    async def RecordOutcomes(
        self, request: pb.RecordOutcomesRequest, context: Context
    ) -> pb.RecordOutcomesResponse:
        if not request.tenant_id:
            raise InvalidArgument(
                "tenant_id is required", [FieldViolation("tenant_id", "required")]
            )
        check_batch_size(len(request.outcomes), self.max_batch_size, "outcomes")
        entries = converters.outcomes(request)
        stored = await self.core.record_outcomes(request.tenant_id, entries)
        response = pb.RecordOutcomesResponse()
        for entry, outcome in zip(entries, stored, strict=True):
            result = response.results.add()
            if outcome is None:
                missing = NotFound(
                    "no decision was logged for this request id and line",
                    reason="DECISION_NOT_FOUND",
                    metadata={"line_item_id": entry.line_item_id},
                )
                result.error.CopyFrom(to_status_proto(missing))
            else:
                converters.set_outcome(result.outcome, outcome)
        return response
