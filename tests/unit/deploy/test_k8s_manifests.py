"""docker/k8s: the objects `kubectl apply -k docker/k8s` creates are valid against the
Kubernetes schema and fit together: each Deployment has an HPA scaling it, a PDB and a
headless Service selecting its pods, CPU requests and a gRPC health readiness probe.

The kustomization is rendered the way kustomize concatenates plain resource files (its
`images` transformer only changes image names, which nothing here checks); with kubectl
on PATH, one test also compares against `kubectl kustomize`.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
K8S_DIR = REPO / "docker" / "k8s"
# The oldest version the manifests need (gRPC probes are GA since 1.27, the PDB's
# unhealthyPodEvictionPolicy since 1.31 but served from 1.27) and the newest bundled.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())

Manifest = dict[str, Any]


def kustomization_resources() -> list[Path]:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))
    return [K8S_DIR / name for name in kustomization["resources"]]


def render() -> list[Manifest]:
    manifests: list[Manifest] = []
    for path in kustomization_resources():
        with path.open(encoding="utf-8") as handle:
            manifests.extend(doc for doc in yaml.safe_load_all(handle) if doc is not None)
    return manifests


MANIFESTS = render()


def of_kind(kind: str) -> list[Manifest]:
    return [m for m in MANIFESTS if m["kind"] == kind]


def named(kind: str, name: str) -> Manifest:
    found = [m for m in of_kind(kind) if m["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name!r}"
    return found[0]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_labels(deployment: Manifest) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def containers(deployment: Manifest) -> list[Manifest]:
    found: list[Manifest] = deployment["spec"]["template"]["spec"]["containers"]
    return found


def container_port(deployment: Manifest, name: str) -> int:
    ports = [p for c in containers(deployment) for p in c.get("ports", []) if p.get("name") == name]
    assert len(ports) == 1, f"{deployment['metadata']['name']}: {len(ports)} ports named {name}"
    port: int = ports[0]["containerPort"]
    return port


def deployments() -> Iterator[Manifest]:
    yield from of_kind("Deployment")


DEPLOYMENT_NAMES = [d["metadata"]["name"] for d in deployments()]


def test_the_three_services_are_deployed() -> None:
    assert sorted(DEPLOYMENT_NAMES) == ["returns-decision", "translation", "triage"]


def test_kustomization_lists_every_manifest_file() -> None:
    listed = {path.name for path in kustomization_resources()}
    present = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present
    assert len(listed) == len(kustomization_resources()), "a file is listed twice"


def test_object_names_are_unique_per_kind() -> None:
    keys = [(m["kind"], m["metadata"]["name"]) for m in MANIFESTS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_validates_against_the_kubernetes_schema(version: str) -> None:
    errors = []
    for manifest in MANIFESTS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            errors.append(
                f"{manifest['kind']}/{manifest['metadata']['name']} {path}: {error.message}"
            )
    assert not errors, "\n".join(errors)


def test_strict_validation_rejects_an_unknown_field() -> None:
    """The schema check above has teeth: a misspelt field fails it."""
    hpa = dict(named("HorizontalPodAutoscaler", "triage"))
    hpa["spec"] = {**hpa["spec"], "maxReplica": 3}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_deployment_is_scaled_by_one_cpu_hpa(name: str) -> None:
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    hpas = [h for h in of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"] == target]
    assert len(hpas) == 1, f"{len(hpas)} HPAs scale {name}"
    hpa = hpas[0]
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert 2 <= spec["minReplicas"] < spec["maxReplicas"]
    cpu = [m for m in spec["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert len(cpu) == 1
    assert cpu[0]["resource"]["target"]["type"] == "Utilization"
    assert 0 < cpu[0]["resource"]["target"]["averageUtilization"] <= 100
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 60
    # The HPA owns the count: a replicas field would reset it on every apply.
    assert "replicas" not in named("Deployment", name)["spec"]


def test_every_hpa_targets_an_existing_deployment() -> None:
    for hpa in of_kind("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment"
        assert target["name"] in DEPLOYMENT_NAMES


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_deployment_pods_have_a_pdb_that_allows_one_eviction(name: str) -> None:
    labels = pod_labels(named("Deployment", name))
    pdbs = [
        p
        for p in of_kind("PodDisruptionBudget")
        if selects(p["spec"]["selector"]["matchLabels"], labels)
    ]
    assert len(pdbs) == 1, f"{len(pdbs)} PDBs select {name}'s pods"
    pdb = pdbs[0]
    assert pdb["apiVersion"] == "policy/v1"
    # Neither blocks every eviction (a drain would hang) nor allows all at once.
    min_replicas = named("HorizontalPodAutoscaler", name)["spec"]["minReplicas"]
    if "maxUnavailable" in pdb["spec"]:
        assert 1 <= pdb["spec"]["maxUnavailable"] < min_replicas
    else:
        assert 1 <= pdb["spec"]["minAvailable"] < min_replicas
    others = [pod_labels(d) for d in deployments() if d["metadata"]["name"] != name]
    assert not any(selects(pdb["spec"]["selector"]["matchLabels"], o) for o in others)


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_every_container_requests_cpu_and_memory(name: str) -> None:
    for container in containers(named("Deployment", name)):
        requests = container["resources"]["requests"]
        assert requests.get("cpu"), f"{name}/{container['name']}: no CPU request (the HPA needs it)"
        assert requests.get("memory")


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_readiness_probe_is_the_grpc_health_check_on_the_grpc_port(name: str) -> None:
    deployment = named("Deployment", name)
    grpc_port = container_port(deployment, "grpc")
    for container in containers(deployment):
        probe = container["readinessProbe"]
        assert probe["grpc"]["port"] == grpc_port
        # "" (or absent) is the whole server, which turns NOT_SERVING on SIGTERM.
        assert probe["grpc"].get("service", "") == ""


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_headless_service_selects_the_pods_on_the_grpc_port(name: str) -> None:
    deployment = named("Deployment", name)
    service = named("Service", f"{name}-headless")
    spec = service["spec"]
    assert spec["clusterIP"] == "None"
    assert not spec.get("publishNotReadyAddresses", False)
    assert selects(spec["selector"], pod_labels(deployment))
    others = [pod_labels(d) for d in deployments() if d["metadata"]["name"] != name]
    assert not any(selects(spec["selector"], o) for o in others)
    grpc = [p for p in spec["ports"] if p["name"] == "grpc"]
    assert len(grpc) == 1
    # Clients dial the pod IPs DNS returns with the port of their target: no remapping.
    assert grpc[0]["port"] == container_port(deployment, "grpc")
    assert grpc[0]["targetPort"] in ("grpc", grpc[0]["port"])


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_clusterip_service_still_serves_grpc_and_metrics(name: str) -> None:
    service = named("Service", name)
    assert service["spec"].get("clusterIP") != "None"
    assert {p["name"] for p in service["spec"]["ports"]} == {"grpc", "metrics"}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_renders_the_same_objects() -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    objects = [doc for doc in yaml.safe_load_all(rendered) if doc is not None]
    assert sorted((m["kind"], m["metadata"]["name"]) for m in objects) == sorted(
        (m["kind"], m["metadata"]["name"]) for m in MANIFESTS
    )
