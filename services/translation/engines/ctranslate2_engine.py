"""The neural engine: a user-supplied CTranslate2 model per direction (OPUS-MT or NLLB style).

A converted model directory holds ``model.bin``, ``config.json`` and its vocabulary
(``shared_vocabulary.json`` or source/target ones); text is cut into subwords with
SentencePiece models (OPUS-MT: ``source.spm``/``target.spm``; NLLB:
``sentencepiece.bpe.model`` plus language tokens as source prefix/suffix and target prefix).

Opaque pieces travel as numbers the model is expected to copy (``70718``), as in the
Apertium engine. A neural model may drop, repeat or reformat them; then the segment is
translated again as its separate text runs, with every slot kept in source order, so a
protected span can never be lost or altered (at some cost to fluency around it).
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.translation.core.errors import (
    EngineTimeoutError,
    EngineUnavailableError,
    UnsupportedLanguagePairError,
)
from services.translation.engines.base import EngineOutput, Opaque, Segment, Slot, TemplatePiece

if TYPE_CHECKING:
    import sentencepiece

# ctranslate2 and sentencepiece are imported on load(): a service without neural models
# does not need them installed.

_PLACEHOLDER_BASE = 70718
_PLACEHOLDER_STEP = 1000
_DIGITS = re.compile(r"\d+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Where a SentencePiece model is found when the configuration names none.
_SOURCE_SPM_NAMES = ("source.spm", "sentencepiece.bpe.model", "spm.model")
_TARGET_SPM_NAMES = ("target.spm",)


class EngineConfigError(ValueError):
    """An engine is configured wrongly (bad mapping, missing model files); raised at start-up."""


@dataclass(frozen=True)
class NeuralModelConfig:
    """One direction served by a converted CTranslate2 model.

    Relative SentencePiece paths are taken inside ``model_dir``; when none is given the
    usual names are looked for there (see ``_SOURCE_SPM_NAMES``), and the target model
    defaults to the source one (NLLB shares one).
    """

    model_dir: Path
    source_spm: Path | None = None
    target_spm: Path | None = None
    source_prefix: tuple[str, ...] = ()
    """Tokens put before the source subwords (NLLB: the source language, ``eng_Latn``)."""
    source_suffix: tuple[str, ...] = ()
    """Tokens put after them (NLLB: ``</s>``; OPUS-MT models add it from their config)."""
    target_prefix: tuple[str, ...] = ()
    """Tokens that force the start of the output (NLLB: the target language); stripped."""
    beam_size: int = 4
    max_decoding_length: int = 256
    compute_type: str = "default"


@dataclass(frozen=True, slots=True)
class _Encoded:
    text: str
    numbers: Mapping[str, int]
    """Placeholder number -> slot index."""


def encode_segment(segment: Segment) -> _Encoded:
    """The segment as plain text, each opaque piece replaced by a number not in the text."""
    taken = {m.group() for p in segment if isinstance(p, str) for m in _DIGITS.finditer(p)}
    numbers: dict[str, int] = {}
    parts: list[str] = []
    candidate = _PLACEHOLDER_BASE
    for piece in segment:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        while str(candidate) in taken:
            candidate += 1
        number = str(candidate)
        taken.add(number)
        numbers[number] = piece.slot
        parts.append(number)
        candidate += _PLACEHOLDER_STEP
    return _Encoded("".join(parts), numbers)


def decode_output(text: str, numbers: Mapping[str, int]) -> tuple[TemplatePiece, ...] | None:
    """The template of a translation, or None unless every placeholder came back once."""
    if not numbers:
        return (text.strip(),) if text.strip() else ()
    pattern = re.compile(
        r"(?<!\d)("
        + "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
        + r")(?!\d)"
    )
    parts = pattern.split(text)
    found = parts[1::2]
    if sorted(found) != sorted(numbers):
        return None
    pieces: list[TemplatePiece] = []
    for i, part in enumerate(parts):
        if i % 2:
            pieces.append(Slot(numbers[part]))
        elif part:
            pieces.append(part)
    if pieces and isinstance(pieces[0], str):
        pieces[0] = pieces[0].lstrip()
    if pieces and isinstance(pieces[-1], str):
        pieces[-1] = pieces[-1].rstrip()
    return tuple(p for p in pieces if p != "")


@dataclass
class _Model:
    translator: Any  # ctranslate2.Translator (untyped)
    source_spm: sentencepiece.SentencePieceProcessor
    target_spm: sentencepiece.SentencePieceProcessor
    config: NeuralModelConfig


class CTranslate2Engine:
    """Translates the configured directions with CTranslate2 models on the CPU by default.

    Directions that share a model directory (an NLLB model serving several pairs) share
    one loaded model. ``intra_threads`` defaults to 1 because the service scales with one
    worker process per core; ``max_batch_size`` bounds memory and is where a call's
    deadline is checked (a running batch cannot be interrupted).
    """

    name = "ctranslate2"

    def __init__(
        self,
        models: Mapping[tuple[str, str], NeuralModelConfig],
        *,
        device: str = "cpu",
        inter_threads: int = 1,
        intra_threads: int = 1,
        max_batch_size: int = 32,
        default_timeout: float = 60.0,
    ) -> None:
        self._configs = dict(models)
        self._device = device
        self._inter_threads = inter_threads
        self._intra_threads = intra_threads
        self._max_batch_size = max_batch_size
        self._default_timeout = default_timeout
        self._models: dict[tuple[str, str], _Model] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        try:
            return importlib.metadata.version("ctranslate2")
        except importlib.metadata.PackageNotFoundError:
            return ""

    def directions(self) -> frozenset[tuple[str, str]]:
        return frozenset(self._configs)

    def models(self) -> dict[tuple[str, str], NeuralModelConfig]:
        """The configured model of each direction, for listings and the model-version metric."""
        return dict(self._configs)

    def load(self) -> None:
        try:
            import sentencepiece
        except ImportError as exc:
            raise EngineConfigError(
                "neural models are configured but sentencepiece is not installed"
            ) from exc
        with self._lock:
            if self._models:
                return
            translators: dict[tuple[Path, str], Any] = {}
            processors: dict[Path, sentencepiece.SentencePieceProcessor] = {}
            loaded: dict[tuple[str, str], _Model] = {}
            for pair, config in sorted(self._configs.items()):
                key = (config.model_dir, config.compute_type)
                if key not in translators:
                    translators[key] = self._open(pair, config)
                source_path, target_path = _spm_paths(pair, config)
                for path in (source_path, target_path):
                    if path not in processors:
                        try:
                            processors[path] = sentencepiece.SentencePieceProcessor(
                                model_file=str(path)
                            )
                        except (OSError, RuntimeError) as exc:
                            raise EngineConfigError(
                                f"{'-'.join(pair)}: {path} is not a SentencePiece model"
                            ) from exc
                loaded[pair] = _Model(
                    translators[key], processors[source_path], processors[target_path], config
                )
            self._models = loaded

    def _open(self, pair: tuple[str, str], config: NeuralModelConfig) -> Any:
        try:
            import ctranslate2  # type: ignore[import-untyped]
        except ImportError as exc:
            raise EngineConfigError(
                "neural models are configured but ctranslate2 is not installed"
            ) from exc
        if not (config.model_dir / "model.bin").is_file():
            raise EngineConfigError(f"{'-'.join(pair)}: no model.bin in {config.model_dir}")
        try:
            return ctranslate2.Translator(
                str(config.model_dir),
                device=self._device,
                compute_type=config.compute_type,
                inter_threads=self._inter_threads,
                intra_threads=self._intra_threads,
            )
        except (RuntimeError, ValueError) as exc:
            raise EngineConfigError(
                f"{'-'.join(pair)}: cannot load the model in {config.model_dir}: {exc}"
            ) from exc

    def translate(
        self,
        segments: Sequence[Segment],
        source: str,
        target: str,
        *,
        deadline: float | None = None,
    ) -> list[EngineOutput]:
        if not segments:
            return []
        if (source, target) not in self._configs:
            raise UnsupportedLanguagePairError(source, target, sorted(self._configs))
        self.load()
        model = self._models[(source, target)]
        if deadline is None:
            deadline = time.monotonic() + self._default_timeout
        encoded = [encode_segment(s) for s in segments]
        texts = self._run(model, [e.text for e in encoded], deadline)
        templates = [decode_output(t, e.numbers) for t, e in zip(texts, encoded, strict=True)]
        redo = [i for i, t in enumerate(templates) if t is None]
        if redo:
            rebuilt = self._by_runs(model, [segments[i] for i in redo], deadline)
            for i, template in zip(redo, rebuilt, strict=True):
                templates[i] = template
        return [EngineOutput(t or ()) for t in templates]

    def _by_runs(
        self, model: _Model, segments: list[Segment], deadline: float
    ) -> list[tuple[TemplatePiece, ...]]:
        """Each segment rebuilt from its text runs translated alone, slots in source order."""
        runs = sorted(
            {p.strip() for s in segments for p in s if isinstance(p, str) and _HAS_LETTER.search(p)}
        )
        translated = dict(zip(runs, self._run(model, runs, deadline), strict=True))
        out: list[tuple[TemplatePiece, ...]] = []
        for segment in segments:
            pieces: list[TemplatePiece] = []
            for piece in segment:
                if isinstance(piece, Opaque):
                    pieces.append(Slot(piece.slot))
                elif piece.strip() in translated:
                    core = piece.strip()
                    lead = piece[: len(piece) - len(piece.lstrip())]
                    trail = piece[len(piece.rstrip()) :]
                    pieces.append(lead + translated[core].strip() + trail)
                else:
                    pieces.append(piece)  # punctuation or spaces between pieces
            out.append(tuple(p for p in pieces if p != ""))
        return out

    def _run(self, model: _Model, texts: list[str], deadline: float) -> list[str]:
        config = model.config
        prefix = list(config.target_prefix)
        out: list[str] = []
        for start in range(0, len(texts), self._max_batch_size):
            if time.monotonic() >= deadline:
                raise EngineTimeoutError("the neural model did not finish before the deadline")
            chunk = texts[start : start + self._max_batch_size]
            tokens = [
                [
                    *config.source_prefix,
                    *model.source_spm.encode(text, out_type=str),
                    *config.source_suffix,
                ]
                for text in chunk
            ]
            try:
                results = model.translator.translate_batch(
                    tokens,
                    target_prefix=[prefix] * len(chunk) if prefix else None,
                    beam_size=config.beam_size,
                    max_decoding_length=config.max_decoding_length,
                )
            except RuntimeError as exc:
                raise EngineUnavailableError("the neural model failed on this request") from exc
            for result in results:
                hypothesis = result.hypotheses[0][len(prefix) :]
                out.append(model.target_spm.decode(hypothesis))
        return out

    def close(self) -> None:
        with self._lock:
            models, self._models = self._models, {}
        for translator in {id(m.translator): m.translator for m in models.values()}.values():
            translator.unload_model()


def _spm_paths(pair: tuple[str, str], config: NeuralModelConfig) -> tuple[Path, Path]:
    def resolve(path: Path) -> Path:
        return path if path.is_absolute() else config.model_dir / path

    def first(names: tuple[str, ...]) -> Path | None:
        return next((config.model_dir / n for n in names if (config.model_dir / n).is_file()), None)

    source = resolve(config.source_spm) if config.source_spm else first(_SOURCE_SPM_NAMES)
    if source is None:
        raise EngineConfigError(
            f"{'-'.join(pair)}: no SentencePiece model in {config.model_dir} "
            f"(looked for {', '.join(_SOURCE_SPM_NAMES)}); set source_spm"
        )
    target = resolve(config.target_spm) if config.target_spm else first(_TARGET_SPM_NAMES)
    target = target or source
    for path in (source, target):
        if not path.is_file():
            raise EngineConfigError(f"{'-'.join(pair)}: SentencePiece model {path} not found")
    return source, target
