#!/usr/bin/env bash
# `make images`: builds the three service images from docker/<service>.Dockerfile, with
# OCI labels (org.opencontainers.image.source, revision, version, created; title and
# description are fixed in each Dockerfile).
#
# Environment (the Makefile passes its variables of the same names):
#   IMAGE_PREFIX, IMAGE_TAG   image names: $IMAGE_PREFIX/<service>:$IMAGE_TAG
#   BUILD_IMAGE               a builder called as `BUILDER CONTEXT DOCKERFILE TAG`; when set
#                             it is used even where a docker command exists (one without
#                             an engine fails every build)
#   IMAGE_SOURCE              source label (default: the git remote origin, without
#                             credentials; else "unknown")
#   IMAGE_VERSION             version label (default: pyproject.toml's project version)
#   IMAGE_DOCKERFILE_DIR      where the builder's Dockerfile copies go (default var/images)
#   SOURCE_DATE_EPOCH         created label from this time instead of now (reproducible builds)
#
# docker build gets the label values as --build-arg. A BUILD_IMAGE builder cannot take
# build args, so it gets a copy of the Dockerfile with the label ARGs' defaults filled in.
set -euo pipefail
cd "$(dirname "$0")/.."

services=(returns_decision triage translation)
prefix=${IMAGE_PREFIX:-retail-support}
tag=${IMAGE_TAG:-latest}
out_dir=${IMAGE_DOCKERFILE_DIR:-var/images}
usage_hint="set BUILD_IMAGE to a builder called as BUILDER CONTEXT DOCKERFILE TAG"

die() {
  echo "make images: $*" >&2
  exit 2
}

builder=()
if [[ -n ${BUILD_IMAGE:-} ]]; then
  # Word-split on purpose, as the Makefile always did: BUILD_IMAGE may carry arguments.
  read -r -a builder <<<"$BUILD_IMAGE"
  command -v "${builder[0]}" >/dev/null 2>&1 || die "BUILD_IMAGE: ${builder[0]}: no such command"
else
  command -v docker >/dev/null 2>&1 || die "no docker command; $usage_hint"
  docker info >/dev/null 2>&1 || die "docker cannot reach an engine (docker info failed); start one, or $usage_hint"
fi

origin_url() {
  local url
  url=$(git remote get-url origin 2>/dev/null) || return 1
  # Never publish credentials embedded in the remote (https://user:token@host/...).
  url=$(sed -E 's#^([a-z][a-z0-9+.-]*://)[^@/]*@#\1#' <<<"$url")
  # scp-like git@host:owner/repo.git -> https://host/owner/repo.git
  if [[ $url =~ ^[^/:@]+@([^:/]+):(.+)$ ]]; then
    url="https://${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  fi
  printf '%s\n' "$url"
}

project_version() {
  # The `version = "..."` of pyproject.toml's [project] table.
  awk -F'"' '/^\[/ { in_project = ($0 == "[project]") }
             in_project && /^version *=/ { print $2; exit }' pyproject.toml
}

if [[ -n ${IMAGE_SOURCE:-} ]]; then
  source_url=$IMAGE_SOURCE
elif ! source_url=$(origin_url); then
  source_url=unknown
  echo "make images: no git remote origin; source label 'unknown' (set IMAGE_SOURCE=URL)" >&2
fi
revision=$(git rev-parse HEAD 2>/dev/null) || revision=unknown
version=${IMAGE_VERSION:-$(project_version)}
version=${version:-unknown}
if [[ -n ${SOURCE_DATE_EPOCH:-} ]]; then
  created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
else
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi
if [[ $revision != unknown ]] && ! git diff --quiet HEAD -- 2>/dev/null; then
  echo "make images: the working tree differs from $revision; the images carry the" \
    "differences, the revision label names the commit" >&2
fi

declare -A labels=(
  [OCI_SOURCE]=$source_url
  [OCI_REVISION]=$revision
  [OCI_VERSION]=$version
  [OCI_CREATED]=$created
)
for name in "${!labels[@]}"; do
  # Written unquoted as ARG defaults: nothing the Dockerfile parser would split or expand.
  if [[ -z ${labels[$name]} || ${labels[$name]} == *[[:space:]\"\'\\\$]* ]]; then
    die "$name value '${labels[$name]}' is empty or has spaces, quotes, backslashes or \$"
  fi
done

# A copy of DOCKERFILE with each `ARG OCI_*=` default replaced by this build's value.
fill_label_args() {
  local dockerfile=$1 out=$2 line name filled=0
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^ARG\ (OCI_[A-Z]+)= && -n ${labels[${BASH_REMATCH[1]}]+set} ]]; then
      name=${BASH_REMATCH[1]}
      line="ARG $name=${labels[$name]}"
      filled=$((filled + 1))
    fi
    printf '%s\n' "$line"
  done <"$dockerfile" >"$out"
  [[ $filled -eq ${#labels[@]} ]] ||
    die "$dockerfile declares $filled of the ${#labels[@]} ARG OCI_* the labels need"
}

echo "labels: revision $revision, version $version, created $created, source $source_url"
for svc in "${services[@]}"; do
  dockerfile=docker/$svc.Dockerfile
  name=$prefix/$svc:$tag
  started=$SECONDS
  if [[ ${#builder[@]} -gt 0 ]]; then
    # Local images of a builder without a registry are named localhost/...
    name=localhost/$name
    mkdir -p "$out_dir"
    filled=$out_dir/$svc.Dockerfile
    fill_label_args "$dockerfile" "$filled"
    echo "image $name ($filled, from $dockerfile) with ${builder[*]}"
    "${builder[@]}" . "$filled" "$name"
  else
    echo "image $name ($dockerfile) with docker build"
    build_args=()
    for label in "${!labels[@]}"; do
      build_args+=(--build-arg "$label=${labels[$label]}")
    done
    docker build "${build_args[@]}" -f "$dockerfile" -t "$name" .
  fi
  echo "image $name: built in $((SECONDS - started)) s"
done
