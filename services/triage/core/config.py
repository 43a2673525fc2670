"""Triage configuration: priority weights, thresholds, escalation and routing, per tenant.

One YAML document holds the defaults (`services/triage/config/default.yaml`, documented in
docs/triage-priority.md). A tenant that wants other numbers puts a partial document in a
tenant directory, named `<tenant_id>.yaml`; it is merged over the defaults key by key
(mappings merge, every other value, lists included, replaces) and the result is validated
as a whole. Every problem of every file is reported at once, each naming its file and the
path of the field (`acme.yaml: priority.levels: P1 (40) must be above P2 (45)`); unknown
keys and duplicate keys are errors.

The enumerations below are the vocabulary the file is written in; the rest of the core
uses them too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from services.triage.core.documents import ConfigInvalid as ConfigInvalid
from services.triage.core.documents import ConfigIssue as ConfigIssue
from services.triage.core.documents import read_yaml_mapping
from services.triage.core.flags import Flag, FlagSettings
from services.triage.core.intents import Intent
from services.triage.core.lexicon import default_lexicon
from services.triage.core.types import SentimentLevel
from services.triage.paths import CONFIG_DIR

SCHEMA_VERSION = 1
DEFAULT_CONFIG_PATH = CONFIG_DIR / "default.yaml"
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_BAD_TENANT_FILE_NAME = (
    "file name must be <tenant_id>.yaml, the tenant id being 1-63 of a-z 0-9 _ - "
    "starting with a letter or digit"
)


class PriorityLevel(StrEnum):
    """Priority levels, P1 most urgent (PriorityLevel in the API)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 for P1 ... 4 for P4: lower is more urgent."""
        return int(self.value[1])


class Queue(StrEnum):
    """The team a message is routed to (Queue in the API)."""

    RETURNS = "returns"
    SHIPPING = "shipping"
    BILLING = "billing"
    ACCOUNT = "account"
    ESCALATIONS = "escalations"


class CustomerTier(StrEnum):
    """A customer's standing with the merchant (CustomerTier in the API)."""

    UNSPECIFIED = "unspecified"
    NEW = "new"
    STANDARD = "standard"
    LOYAL = "loyal"
    VIP = "vip"


class Channel(StrEnum):
    """Where a message came in (Channel in the API)."""

    UNSPECIFIED = "unspecified"
    CHAT = "chat"
    EMAIL = "email"
    SOCIAL = "social"
    HELPDESK = "helpdesk"
    VOICE_TRANSCRIPT = "voice_transcript"
    SMS = "sms"


class EscalationReason(StrEnum):
    """Why a message goes to a person (EscalationReason in the API)."""

    FRAUD_ALLEGATION = "fraud_allegation"
    LEGAL_THREAT = "legal_threat"
    LOST_HIGH_VALUE_ITEM = "lost_high_value_item"
    REPEATED_CONTACT = "repeated_contact"
    NEGATIVE_VIP = "negative_vip"
    REQUESTED_HUMAN = "requested_human"
    PUBLIC_SHAMING = "public_shaming"


# --------------------------------------------------------------------------- schema

Points = Annotated[int, Field(strict=True, ge=-100, le=100)]
Confidence = Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
Amount = Annotated[float, Field(strict=True, ge=0.0)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Section):
    """Points for an amount at or above `min` (the highest band reached applies)."""

    min: Amount
    points: Points


class PerUnit(_Section):
    """`points_per_unit` for each unit (day, contact), at most `max_points` in all."""

    points_per_unit: Annotated[float, Field(strict=True, ge=0.0, le=100.0)]
    max_points: Annotated[int, Field(strict=True, ge=0, le=100)]


class SentimentWeights(_Section):
    levels: dict[SentimentLevel, Points] = {}
    """Points per sentiment level."""
    score_points: Annotated[float, Field(strict=True, ge=0.0, le=100.0)] = 0.0
    """Points for a score of -1; scaled linearly, so a score of +1 takes them away."""


class LevelThresholds(_Section):
    """Lowest score of each level; below P3 is P4."""

    P1: Annotated[int, Field(strict=True, ge=1, le=100)]
    P2: Annotated[int, Field(strict=True, ge=1, le=100)]
    P3: Annotated[int, Field(strict=True, ge=1, le=100)]

    @model_validator(mode="after")
    def _descending(self) -> LevelThresholds:
        if not self.P1 > self.P2 > self.P3:
            raise ValueError(
                f"thresholds must decrease from P1 to P3, got P1={self.P1}, "
                f"P2={self.P2}, P3={self.P3}"
            )
        return self


def _check_bands(bands: list[Band]) -> list[Band]:
    mins = [b.min for b in bands]
    if mins != sorted(set(mins)):
        raise ValueError("bands must be listed by increasing, distinct `min`")
    return bands


class PriorityConfig(_Section):
    base: Points
    sentiment: SentimentWeights
    intents: dict[Intent, Points] = {}
    flags: dict[Flag, Points] = {}
    escalation_reasons: dict[EscalationReason, Points] = {}
    tiers: dict[CustomerTier, Points] = {}
    channels: dict[Channel, Points] = {}
    lifetime_value: list[Band] = []
    order_value: list[Band] = []
    days_late: PerUnit
    contacts_last_7_days: PerUnit
    levels: LevelThresholds
    min_level_when_escalated: PriorityLevel | None = None

    _bands_sorted = field_validator("lifetime_value", "order_value")(_check_bands)


class FlagsConfig(_Section):
    repeated_contact_min_contacts: Annotated[int, Field(strict=True, ge=1)]
    fraud_intent_min_confidence: Confidence | None
    """null: the intent model never raises the fraud flag on its own."""
    request_human_intent_min_confidence: Confidence | None
    """null: only wording counts as an explicit request for a person."""
    extra_terms: dict[Flag, list[Annotated[str, Field(min_length=2, max_length=100)]]] = {}

    def settings(self) -> FlagSettings:
        """The thresholds in the form flag detection takes."""
        return FlagSettings(
            repeated_contact_min_contacts=self.repeated_contact_min_contacts,
            fraud_intent_min_confidence=self.fraud_intent_min_confidence,
            request_human_intent_min_confidence=self.request_human_intent_min_confidence,
            extra_terms=dict(self.extra_terms),
        )


class EscalationConfig(_Section):
    reasons: list[EscalationReason]
    """The reasons that escalate; a reason left out never does."""
    lost_item_min_order_value: Amount
    lost_item_intents: list[Intent]
    negative_vip_tiers: list[CustomerTier]
    negative_vip_sentiments: list[SentimentLevel]


class SelfServiceConfig(_Section):
    intents: list[Intent]
    min_intent_confidence: Confidence
    blocked_sentiments: list[SentimentLevel]


class RoutingConfig(_Section):
    queues: dict[Intent, Queue]
    default_queue: Queue
    sla_seconds: dict[PriorityLevel, Annotated[int, Field(strict=True, ge=1, le=30 * 86400)]]
    self_service: SelfServiceConfig

    @field_validator("sla_seconds")
    @classmethod
    def _every_level_has_an_sla(cls, value: dict[PriorityLevel, int]) -> dict[PriorityLevel, int]:
        missing = [level.value for level in PriorityLevel if level not in value]
        if missing:
            raise ValueError(f"every level needs an SLA; missing: {', '.join(missing)}")
        return value


class TriageConfig(_Section):
    """One validated configuration (the defaults, or the defaults plus a tenant's)."""

    schema_version: Literal[1]
    label: Annotated[str, Field(min_length=1, max_length=128)]
    currency: CurrencyCode
    exchange_rates: dict[CurrencyCode, Annotated[float, Field(strict=True, gt=0.0)]] = {}
    flags: FlagsConfig
    priority: PriorityConfig
    escalation: EscalationConfig
    routing: RoutingConfig

    _version: str = PrivateAttr(default="")

    def model_post_init(self, context: Any, /) -> None:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        self._version = f"{self.label}@{hashlib.sha256(canonical).hexdigest()[:12]}"

    @property
    def version(self) -> str:
        """`<label>@<hash of the validated content>`: same numbers, same version."""
        return self._version

    def to_config_currency(self, amount: Decimal, currency: str) -> float | None:
        """`amount` (major units of `currency`) in the config's currency, or None when
        there is no rate for that currency."""
        code = currency.strip().upper()
        if code == self.currency:
            return float(amount)
        rate = self.exchange_rates.get(code)
        return None if rate is None else float(amount) * rate


# --------------------------------------------------------------------------- errors


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _issues(error: ValidationError, source: str) -> list[ConfigIssue]:
    issues = []
    for e in error.errors(include_url=False):
        loc = tuple(e["loc"])
        message = str(e["msg"]).removeprefix("Value error, ")
        if loc and loc[-1] == "[key]":
            message = f"unknown key: {message}"
        if e["type"] == "extra_forbidden":
            message = "unknown key"
        issues.append(ConfigIssue(source, _path(loc), message))
    return issues


# --------------------------------------------------------------------------- files


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_config(
    document: Mapping[str, Any],
    source: str = "<config>",
    defaults: Mapping[str, Any] | None = None,
) -> TriageConfig:
    """Validate a document (merged over `defaults` when given); ConfigInvalid names fields."""
    merged = _merge(defaults, document) if defaults is not None else dict(document)
    try:
        return TriageConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigInvalid(_issues(exc, source)) from None


def _read_document(path: Path) -> tuple[dict[str, Any] | None, list[ConfigIssue]]:
    file, issues = read_yaml_mapping(path)
    return (file.data if file is not None else None), issues


def load_config(path: Path = DEFAULT_CONFIG_PATH) -> TriageConfig:
    """The configuration in one complete file (the defaults file by default)."""
    document, issues = _read_document(path)
    if document is None:
        raise ConfigInvalid(issues)
    return parse_config(document, path.name)


class TriageConfigStore:
    """The default configuration and every tenant's, validated once at start-up."""

    def __init__(self, default: TriageConfig, tenants: Mapping[str, TriageConfig]) -> None:
        self.default = default
        self._tenants = dict(tenants)

    @classmethod
    def load(
        cls, default_path: Path = DEFAULT_CONFIG_PATH, tenant_dir: Path | None = None
    ) -> TriageConfigStore:
        """Read the defaults and every `<tenant_id>.yaml` of `tenant_dir`; also load and
        compile the flag patterns every configuration is applied with (`core.lexicon`).

        Raises ConfigInvalid listing every problem of every file.
        """
        document, issues = _read_document(default_path)
        try:
            default_lexicon()
        except ConfigInvalid as exc:
            issues.extend(exc.issues)
        if document is None:
            raise ConfigInvalid(issues)
        default = parse_config(document, default_path.name)
        tenants: dict[str, TriageConfig] = {}
        if tenant_dir is not None:
            if not tenant_dir.is_dir():
                raise ConfigInvalid([ConfigIssue(str(tenant_dir), "", "is not a directory")])
            for path in sorted(tenant_dir.iterdir()):
                if path.suffix not in (".yaml", ".yml") or not path.is_file():
                    continue
                if not _TENANT.match(path.stem):
                    issues.append(ConfigIssue(path.name, "", _BAD_TENANT_FILE_NAME))
                    continue
                if path.stem in tenants:
                    issues.append(ConfigIssue(path.name, "", "tenant configured twice"))
                    continue
                override, file_issues = _read_document(path)
                issues.extend(file_issues)
                if override is None:
                    continue
                try:
                    tenants[path.stem] = parse_config(override, path.name, document)
                except ConfigInvalid as exc:
                    issues.extend(exc.issues)
        if issues:
            raise ConfigInvalid(issues)
        return cls(default, tenants)

    @property
    def tenants(self) -> tuple[str, ...]:
        """Tenants with their own configuration."""
        return tuple(sorted(self._tenants))

    def for_tenant(self, tenant_id: str) -> TriageConfig:
        """The tenant's configuration, or the defaults when it has none."""
        return self._tenants.get(tenant_id, self.default)
