"""The desk's settings: environment variables with the `SUPPORT_DESK_` prefix.

Every field is documented because `python -m frontend.support_desk --help` prints these
descriptions next to the variable names.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_LANGUAGES = ("en", "es", "fr", "it", "pt", "ca", "ro")
"""Languages the translation service translates between (Apertium pairs and pivots)."""


class DeskSettings(BaseSettings):
    """Runtime settings of the support desk."""

    model_config = SettingsConfigDict(
        env_prefix="SUPPORT_DESK_", extra="forbid", validate_default=True
    )

    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8080, ge=0, le=65535, description="HTTP port; 0 picks a free one.")
    database_url: str = Field(
        "sqlite:///var/support_desk/desk.db",
        description=(
            "SQLAlchemy URL of the order store: SQLite by default (the file's folder is "
            "created), or e.g. postgresql+psycopg://user:pass@host/db (install the driver)."
        ),
    )
    seed_demo: bool = Field(
        True, description="Create the demo tenant, customers and orders when the store is empty."
    )
    default_tenant_id: str = Field(
        "northwind-apparel",
        description="Tenant of the web chat and of inbound e-mail that does not name one.",
    )
    agent_language: str = Field(
        "en", description="ISO 639-1 language the agents read: summaries and translations."
    )
    returns_target: str = Field(
        "127.0.0.1:50051", description="host:port of the returns_decision service."
    )
    triage_target: str = Field("127.0.0.1:50052", description="host:port of the triage service.")
    translation_target: str = Field(
        "127.0.0.1:50053", description="host:port of the translation service."
    )
    returns_api_key: SecretStr | None = Field(
        None, description="API key sent to returns_decision as `authorization: Bearer`."
    )
    triage_api_key: SecretStr | None = Field(
        None, description="API key sent to triage as `authorization: Bearer`."
    )
    translation_api_key: SecretStr | None = Field(
        None, description="API key sent to translation as `authorization: Bearer`."
    )
    tls_ca_file: Path | None = Field(
        None,
        description="PEM CA bundle; when set, the upstream channels use TLS verified by it.",
    )
    tls_cert_file: Path | None = Field(
        None, description="PEM client certificate chain for mutual TLS (with tls_key_file)."
    )
    tls_key_file: Path | None = Field(None, description="PEM private key of tls_cert_file.")
    tls_server_name: str | None = Field(
        None,
        description="Name to check the upstream certificates against, when it differs from "
        "the target host (e.g. a test certificate for localhost behind 127.0.0.1).",
    )
    message_deadline_seconds: float = Field(
        5.0,
        gt=0,
        description=(
            "Budget for all upstream calls of one customer message; the stages share it "
            "(triage and detection 40%, decision and inbound translation 30%, the reply's "
            "translation the rest), and time a stage leaves unused passes to the next."
        ),
    )
    retry_max_attempts: int = Field(
        3, ge=1, le=10, description="Attempts per upstream call (UNAVAILABLE is retried)."
    )
    retry_initial_backoff_seconds: float = Field(
        0.05, ge=0, description="Backoff before the first retry of UNAVAILABLE; doubles each time."
    )
    retry_max_backoff_seconds: float = Field(
        0.5, ge=0, description="Longest backoff between two attempts."
    )
    resource_exhausted_pause_seconds: float = Field(
        0.25,
        ge=0,
        description="Pause before retrying RESOURCE_EXHAUSTED (the upstream is at its limit).",
    )
    stall_days: float = Field(
        3.0,
        gt=0,
        description="A parcel not delivered and with no carrier scan for this many days is "
        "stalled.",
    )
    fallback_sla_seconds: float = Field(
        4 * 3600.0,
        gt=0,
        description="SLA of a ticket queued while triage is unavailable (triage sets it "
        "otherwise).",
    )
    public_url: str | None = Field(
        None,
        description="Base URL customers reach the desk at, for links in replies (return "
        "labels); default http://HOST:PORT.",
    )
    max_text_chars: int = Field(
        5000, ge=1, le=10_000, description="Longest customer or agent message, in characters."
    )
    max_request_bytes: int = Field(
        2 * 1024 * 1024,
        ge=1024,
        description="Largest HTTP request body; bigger ones get 413 before they are parsed.",
    )
    warm_up: bool = Field(
        True,
        description="At start-up, translate once in each direction the demo needs, in the "
        "background, so that the first customer does not wait for Apertium pipelines.",
    )
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING or ERROR.")

    @model_validator(mode="after")
    def _check(self) -> DeskSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file must be set together")
        if self.tls_cert_file is not None and self.tls_ca_file is None:
            raise ValueError("tls_cert_file (mutual TLS) needs tls_ca_file")
        if self.agent_language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"agent_language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return self


def describe_settings() -> str:
    """A plain-text list of every setting: environment variable, default, description."""
    prefix = str(DeskSettings.model_config.get("env_prefix", ""))
    lines = ["settings (environment variables):"]
    for name, field in DeskSettings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = (
            "unset" if default is None else repr(default) if isinstance(default, str) else default
        )
        lines.append(f"  {prefix}{name.upper()}  (default: {shown})")
        lines.append(f"      {field.description}")
    return "\n".join(lines)
