"""`make images` (scripts/build_images.sh) with fake builders: BUILD_IMAGE is used whenever
it is set, even where a `docker` command without an engine exists; the builder gets a
copy of each Dockerfile whose OCI label ARGs carry this build's values; docker build gets
them as --build-arg; with neither a builder nor docker, the failure says what to set.

Nothing is built: the fakes record their arguments. `images` does not depend on the
venv stamp, so `make` never runs `make install` here.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SERVICES = ("returns_decision", "triage", "translation")
SOURCE = "https://git.example.invalid/retail-support.git"
ENGINELESS_DOCKER = """#!/bin/sh
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\\
 Is the docker daemon running?" >&2
exit 1
"""
# A builder called as BUILDER CONTEXT DOCKERFILE TAG: one line of arguments per call and a
# copy of the Dockerfile it was given (the script may reuse the path).
RECORDING_BUILDER = """#!/bin/sh
n=$(($(cat "$RECORD/calls" 2>/dev/null | wc -l) + 1))
printf '%s\\t%s\\t%s\\t%s\\n' "$#" "$1" "$2" "$3" >>"$RECORD/calls"
cp "$2" "$RECORD/$n.Dockerfile"
"""
# A docker with an engine: answers `docker info`, records `docker build` arguments.
RECORDING_DOCKER = """#!/bin/sh
[ "$1" = info ] && exit 0
printf '%s\\n' "$*" >>"$RECORD/docker"
"""


def executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def head() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def path_without_docker(tmp_path: Path) -> str:
    """This PATH with every directory that holds a `docker` replaced by a copy of its
    entries (symlinks) minus docker."""
    entries = []
    for index, directory in enumerate(os.environ["PATH"].split(os.pathsep)):
        source = Path(directory)
        if not (source / "docker").exists():
            entries.append(directory)
            continue
        shadow = tmp_path / f"path-{index}"
        shadow.mkdir()
        for entry in source.iterdir():
            if entry.name != "docker":
                (shadow / entry.name).symlink_to(entry)
        entries.append(str(shadow))
    return os.pathsep.join(entries)


def make_images(tmp_path: Path, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Neither an outer make nor the caller's image settings leak in.
        if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BUILD_IMAGE"}
        and not key.startswith("IMAGE_")
    }
    env.update(
        PATH=path,
        IMAGE_DOCKERFILE_DIR=str(tmp_path / "dockerfiles"),
        RECORD=str(tmp_path),  # where the fakes record their calls
        SOURCE_DATE_EPOCH="1767225600",  # 2026-01-01T00:00:00Z
    )
    return subprocess.run(
        ["make", "-s", "-C", str(REPO), "images", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def label_values(dockerfile: str) -> dict[str, str]:
    """org.opencontainers.image.* labels with `${ARG}` resolved from the ARG defaults."""
    text = dockerfile.replace("\\\n", " ")
    args = dict(re.findall(r"^ARG (\w+)=(\S*)$", text, flags=re.MULTILINE))
    labels = dict(re.findall(r'(org\.opencontainers\.image\.\w+)="([^"]*)"', text))
    return {k: re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], v) for k, v in labels.items()}


@pytest.fixture
def engineless_docker_path(tmp_path: Path) -> str:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    executable(fake_bin / "docker", ENGINELESS_DOCKER)
    return f"{fake_bin}{os.pathsep}{os.environ['PATH']}"


def test_builder_is_used_although_docker_exists(
    tmp_path: Path, engineless_docker_path: str
) -> None:
    builder = executable(tmp_path / "builder", RECORDING_BUILDER)
    before = head()
    result = make_images(
        tmp_path,
        engineless_docker_path,
        f"BUILD_IMAGE={builder}",
        "IMAGE_TAG=t1",
        f"IMAGE_SOURCE={SOURCE}",
        "IMAGE_VERSION=9.8.7",
    )
    assert result.returncode == 0, result.stderr
    assert "Cannot connect" not in result.stderr  # docker was never called
    calls = [line.split("\t") for line in (tmp_path / "calls").read_text().splitlines()]
    assert [c[0] for c in calls] == ["3", "3", "3"]
    assert [c[1] for c in calls] == [".", ".", "."]
    assert [c[3] for c in calls] == [f"localhost/retail-support/{s}:t1" for s in SERVICES]
    revisions = {before, head()}  # someone may commit meanwhile
    for index, service in enumerate(SERVICES, start=1):
        given = (tmp_path / f"{index}.Dockerfile").read_text(encoding="utf-8")
        labels = label_values(given)
        assert labels["org.opencontainers.image.revision"] in revisions
        assert re.fullmatch(r"[0-9a-f]{40}", labels["org.opencontainers.image.revision"])
        assert labels["org.opencontainers.image.source"] == SOURCE
        assert labels["org.opencontainers.image.version"] == "9.8.7"
        assert labels["org.opencontainers.image.created"] == "2026-01-01T00:00:00Z"
        assert labels["org.opencontainers.image.title"] == f"retail-support/{service}"
        # The copy differs from the Dockerfile only in the label ARGs' defaults.
        original = (REPO / "docker" / f"{service}.Dockerfile").read_text(encoding="utf-8")
        changed = set(given.splitlines()) ^ set(original.splitlines())
        assert changed
        assert all(line.startswith("ARG OCI_") for line in changed)


def test_without_builder_and_without_docker_the_failure_says_what_to_set(
    tmp_path: Path,
) -> None:
    path = path_without_docker(tmp_path)
    result = make_images(tmp_path, path)
    assert result.returncode != 0
    assert "make images: no docker command" in result.stderr
    assert "BUILD_IMAGE" in result.stderr
    assert not (tmp_path / "calls").exists()


def test_without_builder_an_engineless_docker_fails_before_building(
    tmp_path: Path, engineless_docker_path: str
) -> None:
    result = make_images(tmp_path, engineless_docker_path)
    assert result.returncode != 0
    assert "docker cannot reach an engine" in result.stderr
    assert "BUILD_IMAGE" in result.stderr


def test_docker_build_gets_the_labels_as_build_args(tmp_path: Path) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    executable(fake_bin / "docker", RECORDING_DOCKER)
    before = head()
    result = make_images(
        tmp_path,
        f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        "IMAGE_TAG=t2",
        f"IMAGE_SOURCE={SOURCE}",
    )
    assert result.returncode == 0, result.stderr
    builds = (tmp_path / "docker").read_text().splitlines()
    assert len(builds) == 3
    for build, service in zip(builds, SERVICES, strict=True):
        assert build.startswith("build ")
        assert f"-f docker/{service}.Dockerfile -t retail-support/{service}:t2 ." in build
        revision = re.search(r"--build-arg OCI_REVISION=(\S+)", build)
        assert revision is not None
        assert revision.group(1) in {before, head()}
        assert f"--build-arg OCI_SOURCE={SOURCE}" in build
        assert "--build-arg OCI_CREATED=2026-01-01T00:00:00Z" in build
