"""Typed domain errors of the translation service.

They derive from the shared domain errors (services.common.errors), so each carries
its google.rpc code, a stable machine-readable ``reason`` for ``ErrorInfo``, and the
request ``field`` at fault, which becomes a ``BadRequest`` field violation. Messages
are safe to show to a caller: they never quote customer text.
"""

from __future__ import annotations

from services.common.errors import (
    Code,
    DeadlineExceeded,
    DomainError,
    FieldViolation,
    InvalidArgument,
    Unavailable,
)


class TranslationError(DomainError):
    """Base of every error the translation core raises on purpose."""

    field: str = ""


class InvalidRequestError(InvalidArgument, TranslationError):
    """The request itself is wrong; retrying it unchanged will fail again."""

    reason: str = "INVALID_REQUEST"

    def __init__(self, message: str, *, field: str = "") -> None:
        violations = [FieldViolation(field, message)] if field else []
        super().__init__(message, violations)
        self.field = field


class UnsupportedLanguagePairError(InvalidRequestError):
    """No engine, direct or through the pivot, translates this pair."""

    reason: str = "UNSUPPORTED_LANGUAGE_PAIR"

    def __init__(
        self,
        source: str,
        target: str,
        supported: list[tuple[str, str]],
        *,
        field: str = "target_language",
    ) -> None:
        listed = ", ".join(f"{s}->{t}" for s, t in supported) or "none"
        super().__init__(
            f"translation from {source!r} to {target!r} is not supported; "
            f"supported pairs: {listed}",
            field=field,
        )
        self.source = source
        self.target = target
        self.supported = supported


class EmptyTextError(InvalidRequestError):
    """A text is empty or only whitespace."""

    reason: str = "EMPTY_TEXT"


class TextTooLongError(InvalidRequestError):
    """A text, or the batch as a whole, is longer than the configured limit."""

    reason: str = "TEXT_TOO_LONG"


class InvalidGlossaryError(InvalidRequestError):
    """A glossary term is empty, too long, or there are too many of them."""

    reason: str = "INVALID_GLOSSARY"


class EngineError(Unavailable, TranslationError):
    """The engine failed; the request may succeed if retried."""

    reason: str = "ENGINE_UNAVAILABLE"


class EngineUnavailableError(EngineError):
    """The engine's processes died or are missing, and a restart did not help."""


class EngineTimeoutError(EngineError):
    """The engine did not answer before the call's deadline."""

    code: Code = DeadlineExceeded.code
    reason: str = "ENGINE_TIMEOUT"
