"""gRPC servicer of the translation service: converts messages and calls the core.

Until the service's own issue lands, every RPC answers UNIMPLEMENTED: an honest
answer, where a made-up one would not be.
"""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from retail.translation.v1 import translation_pb2, translation_pb2_grpc

from services.common.errors import Unimplemented

Context = grpc.aio.ServicerContext[Any, Any]


def _unimplemented(method: str) -> NoReturn:
    raise Unimplemented(f"{method} is not implemented yet")


class TranslationServiceServicer(translation_pb2_grpc.TranslationServiceServicer):
    async def TranslateText(
        self, request: translation_pb2.TranslateTextRequest, context: Context
    ) -> NoReturn:
        _unimplemented("TranslateText")

    async def DetectLanguage(
        self, request: translation_pb2.DetectLanguageRequest, context: Context
    ) -> NoReturn:
        _unimplemented("DetectLanguage")

    async def ListLanguages(
        self, request: translation_pb2.ListLanguagesRequest, context: Context
    ) -> NoReturn:
        _unimplemented("ListLanguages")
