"""Settings shared by every service; each service subclasses with its own env prefix.

Every field is documented here because `--help` on each server entry point prints
these descriptions with the environment variable names.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Runtime settings every service has. Subclasses set `env_prefix` and ports."""

    model_config = SettingsConfigDict(extra="forbid", validate_default=True)

    host: str = Field(
        "127.0.0.1",
        description="Address to listen on. Use 0.0.0.0 (or [::]) in a container.",
    )
    port: int = Field(50050, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    workers: int = Field(
        0,
        ge=0,
        le=256,
        description="Worker processes sharing the port (SO_REUSEPORT); 0 means one per CPU.",
    )
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics over HTTP.")
    metrics_host: str = Field("127.0.0.1", description="Address of the metrics HTTP server.")
    metrics_port: int = Field(
        9100, ge=0, le=65535, description="Port of the metrics HTTP server; 0 picks a free one."
    )
    max_message_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest request or response message, in bytes."
    )
    max_concurrent_rpcs: int = Field(
        64,
        ge=1,
        description=(
            "Calls one worker runs at once; more are answered RESOURCE_EXHAUSTED at once "
            "instead of queueing without bound."
        ),
    )
    max_pending_calls: int = Field(
        64,
        ge=1,
        description=(
            "Calls one worker lets wait in gRPC's own queue, not yet started. Past it a new "
            "call is refused with a probability that grows with the queue, and past twice "
            "it always: refused calls get CANCELLED at once, before any work (gRPC answers "
            "them itself), instead of waiting past their deadline. Size it with "
            "max_concurrent_rpcs so that both queues drain within the callers' deadlines."
        ),
    )
    retry_after_seconds: float = Field(
        0.05,
        ge=0,
        description=(
            "The delay a RESOURCE_EXHAUSTED answer asks the caller to wait before retrying "
            "(google.rpc.RetryInfo in the status details)."
        ),
    )
    max_connection_age_seconds: float = Field(
        300.0,
        ge=0,
        description=(
            "Close each client connection after this long (calls in flight get another "
            "30 s), so that clients resolve the name again and spread over new replicas "
            "behind a headless Service; 0 keeps connections open for good."
        ),
    )
    max_batch_size: int = Field(256, ge=1, description="Largest number of entries in a batch call.")
    max_text_length: int = Field(
        10_000, ge=1, description="Longest text (characters) accepted in one message."
    )
    shutdown_grace_seconds: float = Field(
        10.0,
        ge=0,
        description="On SIGTERM, how long in-flight calls get to finish before they are cancelled.",
    )
    tls_cert_file: Path | None = Field(
        None, description="PEM server certificate chain; with tls_key_file, enables TLS."
    )
    tls_key_file: Path | None = Field(
        None, description="PEM private key of the server certificate."
    )
    tls_client_ca_file: Path | None = Field(
        None,
        description="PEM CA bundle; when set, clients must present a certificate it signed (mTLS).",
    )
    api_keys_file: Path | None = Field(
        None,
        description=(
            "JSON file of API keys (see README: Security). When set, every call needs "
            "`authorization: Bearer <key>` metadata, and a key only reaches its tenants."
        ),
    )
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING or ERROR.")

    @model_validator(mode="after")
    def _tls_pairs(self) -> ServiceSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file must be set together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("tls_client_ca_file (mutual TLS) needs tls_cert_file and tls_key_file")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return self

    @property
    def worker_count(self) -> int:
        return self.workers or (os.cpu_count() or 1)


def describe_settings(settings_cls: type[ServiceSettings]) -> str:
    """A plain-text table of every setting: environment variable, default, description."""
    prefix = str(settings_cls.model_config.get("env_prefix", ""))
    lines = ["settings (environment variables):"]
    for name, field in settings_cls.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = (
            "unset" if default is None else repr(default) if isinstance(default, str) else default
        )
        lines.append(f"  {prefix}{name.upper()}  (default: {shown})")
        lines.append(f"      {field.description}")
    return "\n".join(lines)
