"""docker/compose.yaml: Prometheus scrapes each service's metrics port, and the model
registry is a named volume that returns-decision and `python -m models` share.

The expected ports come from the services' settings and the images' ENV, so a changed
default, image or compose port mapping that would leave Prometheus scraping nothing fails
here. (No compose or Prometheus binary is needed: the files are checked as data.)
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.common.settings import ServiceSettings
from services.returns_decision.settings import ReturnsSettings
from services.translation.settings import TranslationSettings
from services.triage.settings import TriageSettings

REPO = Path(__file__).resolve().parents[3]
DOCKER = REPO / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))

# compose service -> (settings class, Dockerfile)
SERVICES: dict[str, tuple[type[ServiceSettings], str]] = {
    "returns-decision": (ReturnsSettings, "returns_decision.Dockerfile"),
    "triage": (TriageSettings, "triage.Dockerfile"),
    "translation": (TranslationSettings, "translation.Dockerfile"),
}
REGISTRY_VOLUME = "models-registry"


def env_prefix(settings: type[ServiceSettings]) -> str:
    return str(settings.model_config.get("env_prefix", ""))


def dockerfile_env(name: str) -> dict[str, str]:
    """ENV of the Dockerfile's last stage (the image), continuation lines joined."""
    text = (DOCKER / name).read_text(encoding="utf-8").replace("\\\n", " ")
    final_stage = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in final_stage.splitlines():
        if line.startswith("ENV "):
            for token in shlex.split(line[len("ENV ") :]):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def container_ports(service: dict[str, Any]) -> set[int]:
    """Container side of "HOST:CONTAINER[/proto]" entries (the host side may be ${VAR})."""
    return {int(str(entry).rsplit(":", 1)[-1].split("/")[0]) for entry in service["ports"]}


def compose_env(service: str) -> dict[str, str]:
    environment = COMPOSE["services"][service].get("environment", {})
    assert isinstance(environment, dict), "environment as a mapping"
    return {str(k): str(v) for k, v in environment.items()}


def metrics_port(service: str) -> int:
    """The port the service's metrics server listens on inside its container."""
    settings, dockerfile = SERVICES[service]
    key = f"{env_prefix(settings)}METRICS_PORT"
    value = compose_env(service).get(key) or dockerfile_env(dockerfile).get(key)
    default = settings.model_fields["metrics_port"].default
    return int(value) if value is not None else int(default)


def prometheus_targets() -> dict[str, list[str]]:
    service = COMPOSE["services"]["prometheus"]
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in service["volumes"]}
    source = mounts["/etc/prometheus/prometheus.yml"]
    config = yaml.safe_load((DOCKER / source).read_text(encoding="utf-8"))
    return {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config["scrape_configs"]
    }


def test_compose_file_parses_with_the_services_and_prometheus() -> None:
    assert set(COMPOSE["services"]) == {*SERVICES, "prometheus"}
    assert set(COMPOSE["volumes"]) >= {REGISTRY_VOLUME}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_metrics_port_agrees_between_settings_image_and_compose(service: str) -> None:
    settings, dockerfile = SERVICES[service]
    image_env = dockerfile_env(dockerfile)
    prefix = env_prefix(settings)
    default = settings.model_fields["metrics_port"].default
    assert image_env[f"{prefix}METRICS_PORT"] == str(default)
    # Reachable from the Prometheus container, not only from inside its own.
    assert image_env[f"{prefix}METRICS_HOST"] == "0.0.0.0"
    assert metrics_port(service) in container_ports(COMPOSE["services"][service])


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_prometheus_scrapes_the_service_metrics_port(service: str) -> None:
    targets = [t for ts in prometheus_targets().values() for t in ts]
    assert f"{service}:{metrics_port(service)}" in targets


def test_prometheus_scrapes_nothing_else() -> None:
    targets = sorted(t for ts in prometheus_targets().values() for t in ts)
    assert targets == sorted(f"{s}:{metrics_port(s)}" for s in SERVICES)


def test_registry_volume_is_where_the_service_and_the_models_cli_look() -> None:
    service = COMPOSE["services"]["returns-decision"]
    named = [
        str(v).split(":") for v in service["volumes"] if str(v).startswith(f"{REGISTRY_VOLUME}:")
    ]
    assert len(named) == 1
    target = named[0][1]
    assert "ro" not in named[0][2:], "promote and rollback write to it"
    env = compose_env("returns-decision")
    assert env["RETURNS_MODELS_REGISTRY"] == target
    assert env["MODELS_REGISTRY_ROOT"] == target  # python -m models (models/returns/registry.py)
    # The image's registry, which seeds a new volume, is the same directory.
    assert dockerfile_env("returns_decision.Dockerfile")["RETURNS_MODELS_REGISTRY"] == target


def test_image_registry_belongs_to_the_service_user() -> None:
    """promote/rollback/train as the container's user write pointers, locks and versions
    in the registry, its root included."""
    text = (DOCKER / "returns_decision.Dockerfile").read_text(encoding="utf-8")
    final_stage = text.split("\nFROM ")[-1].splitlines()
    user = next(line.split()[1] for line in final_stage if line.startswith("USER "))
    registry = dockerfile_env("returns_decision.Dockerfile")["RETURNS_MODELS_REGISTRY"]
    assert f"RUN chown -R {user} {registry}" in final_stage
