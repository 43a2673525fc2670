"""gRPC servicer of the translation service: converts messages and calls the core."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from retail.translation.v1 import translation_pb2, translation_pb2_grpc

from services.common.calls import time_remaining
from services.translation import converters
from services.translation.core.requests import TranslationRequests

Context = grpc.aio.ServicerContext[Any, Any]
DEFAULT_CANDIDATES = 3
MAX_CANDIDATES = 10


class TranslationServiceServicer(translation_pb2_grpc.TranslationServiceServicer):
    def __init__(self, core: TranslationRequests, on_translated: Any = None) -> None:
        self.core = core
        self._on_translated = on_translated

    async def TranslateText(
        self, request: translation_pb2.TranslateTextRequest, context: Context
    ) -> translation_pb2.TranslateTextResponse:
        translated = await asyncio.to_thread(
            self.core.translate,
            list(request.texts),
            request.source_language or None,
            request.target_language,
            text_format=converters.text_format(request.format),
            glossary=converters.glossary(request.glossary),
            timeout=time_remaining(),
        )
        if self._on_translated is not None:
            self._on_translated()
        return translation_pb2.TranslateTextResponse(
            results=[converters.translate_text_result(entry) for entry in translated]
        )

    async def DetectLanguage(
        self, request: translation_pb2.DetectLanguageRequest, context: Context
    ) -> translation_pb2.DetectLanguageResponse:
        top_k = min(request.max_candidates or DEFAULT_CANDIDATES, MAX_CANDIDATES)
        detections = self.core.detect(list(request.texts), top_k)
        return translation_pb2.DetectLanguageResponse(
            results=[converters.detect_language_result(entry) for entry in detections]
        )

    async def ListLanguages(
        self, request: translation_pb2.ListLanguagesRequest, context: Context
    ) -> translation_pb2.ListLanguagesResponse:
        return translation_pb2.ListLanguagesResponse(
            pairs=[converters.language_pair(r) for r in self.core.pairs()],
            detectable_languages=list(self.core.detector.languages),
        )
