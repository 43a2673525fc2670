"""Wiring of the translation service onto the shared runtime."""

from __future__ import annotations

import asyncio

import grpc
from retail.translation.v1 import translation_pb2, translation_pb2_grpc

from services.common.language import LanguageDetectorEngine
from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.translation.core import Limits, SegmentCache, Translator
from services.translation.core.requests import TranslationRequests
from services.translation.engines.apertium_engine import ApertiumEngine
from services.translation.engines.registry import build_engines
from services.translation.servicer import TranslationServiceServicer
from services.translation.settings import TranslationSettings

SERVICE_NAME = translation_pb2.DESCRIPTOR.services_by_name["TranslationService"].full_name


def load_core(settings: TranslationSettings) -> TranslationRequests:
    """Build and load the engines (blocking: starts the preloaded pipelines and the
    neural models, and builds the detector over every language they translate)."""
    preload = [tuple(d.split("-", 1)) for d in settings.preload_directions]
    apertium = ApertiumEngine(
        pool_size=settings.pipelines_per_direction,
        preload=[(s, t) for s, t in preload],
    )
    translator = Translator(
        build_engines(settings.neural_models, apertium=apertium),
        limits=Limits(
            max_batch_texts=settings.max_batch_size, max_text_chars=settings.max_text_length
        ),
        cache=SegmentCache(capacity=settings.cache_segments),
        pivot=settings.pivot_language,
    )
    translator.load()
    languages = {lang for route in translator.supported_pairs() for lang in route.languages}
    detector = LanguageDetectorEngine(sorted(languages | set(settings.extra_detectable_languages)))
    detector.load()
    return TranslationRequests(translator, detector)


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    assert isinstance(settings, TranslationSettings)
    core = await asyncio.to_thread(load_core, settings)
    engine_versions = {leg.engine_name: leg.engine_version for r in core.pairs() for leg in r.legs}
    for name, version in engine_versions.items():
        metrics.set_component_version(name, version)
    metrics.set_component_version(core.detector.name, core.detector.version)
    hit_ratio = metrics.gauge(
        "translation_segment_cache_hit_ratio", "Share of segments served from the cache."
    )

    def record_cache() -> None:
        hit_ratio.set(core.translator.cache_stats().hit_rate)

    translation_pb2_grpc.add_TranslationServiceServicer_to_server(
        TranslationServiceServicer(core, on_translated=record_cache), server
    )

    async def close() -> None:
        await asyncio.to_thread(core.close)

    return close


SPEC = ServiceSpec(
    name="translation",
    service_names=(SERVICE_NAME,),
    settings_cls=TranslationSettings,
    attach=attach,
)


async def create_server(settings: TranslationSettings) -> tuple[ServiceServer, int]:
    """Build and start the translation server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
