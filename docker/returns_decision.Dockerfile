ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE} AS build
# returns_decision: policies on durable_rules, fraud and wardrobing risk on LightGBM.
# Build from the repository root:
#   docker build -f docker/returns_decision.Dockerfile -t retail-support/returns_decision .
# Stage 1 compiles durable_rules (an sdist with a C extension, no wheel), installs the
# service's pinned dependencies into /opt/venv and builds the default models.

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN if ! command -v g++ >/dev/null; then \
      apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends build-essential \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Only what this service imports, each pinned by requirements.lock (constraints).
COPY requirements.lock pyproject.toml ./
COPY clients/python clients/python
RUN pip install -q -c requirements.lock ./clients/python \
      grpcio grpcio-health-checking grpcio-reflection grpcio-status protobuf \
      googleapis-common-protos pydantic pydantic-settings prometheus-client pyyaml \
      durable-rules lightgbm numpy scipy \
    && rm -rf clients

COPY services services
COPY models models
COPY policies policies
# The project itself, editable: its settings find policies/ and var/models/ next to the
# code (/app). Then the default fraud and wardrobing models (same seed, same versions as
# `make models`; --no-report: the PNG/Markdown model cards need matplotlib, which the
# image does not carry). The registry writes its pointers (active.json) owner-only:
# make everything readable by the unprivileged user the service runs as.
RUN pip install -q --no-deps -e . \
    && python -m models build-defaults --no-report \
    && python -m compileall -q services models \
    && chmod -R a+rX /app

FROM ${BASE_IMAGE}
# LightGBM needs the OpenMP runtime (libgomp1), absent from the slim images.
RUN if ! dpkg -s libgomp1 >/dev/null 2>&1; then \
      apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libgomp1 \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --home-dir /app --no-create-home \
         --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The model registry, its root included, belongs to the service user: `python -m models`
# run in the container (promote, rollback, train) writes pointers, locks and versions
# there, and a named volume mounted on it (docker/compose.yaml) is seeded from this
# directory with the same owner. (COPY --chown would leave the existing root root-owned.)
RUN chown -R 10001:10001 /app/var/models/registry
# The service writes its decision log there (RETURNS_DECISION_LOG_DIR, docs/decision-log.md).
RUN mkdir -p /app/var/decision-log && chown 10001:10001 /app/var/decision-log
COPY docker/healthcheck.py /app/healthcheck.py

WORKDIR /app
# Workers: one per CPU the pod or container is given (0 would count the host's CPUs).
# Each worker is one single-threaded event loop: keep numeric libraries to one thread.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    RETURNS_HOST=0.0.0.0 \
    RETURNS_PORT=50051 \
    RETURNS_METRICS_HOST=0.0.0.0 \
    RETURNS_METRICS_PORT=9101 \
    RETURNS_WORKERS=1 \
    RETURNS_POLICIES_DIR=/app/policies \
    RETURNS_MODELS_REGISTRY=/app/var/models/registry
USER 10001:10001
EXPOSE 50051 9101
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD python /app/healthcheck.py "127.0.0.1:${RETURNS_PORT}" || exit 1
CMD ["python", "-m", "services.returns_decision"]

# OCI labels. The ARGs come last so that a new commit or build time never invalidates a
# cached layer. `make images` (scripts/build_images.sh) fills them: --build-arg with
# docker build, or a copy of this file with the defaults filled in for a BUILD_IMAGE
# builder, which takes no build args.
ARG OCI_SOURCE=unknown
ARG OCI_REVISION=unknown
ARG OCI_VERSION=unknown
ARG OCI_CREATED=unknown
LABEL org.opencontainers.image.title="retail-support/returns_decision" \
      org.opencontainers.image.description="return eligibility under merchant policies, return economics, fraud and wardrobing risk (gRPC)" \
      org.opencontainers.image.source="${OCI_SOURCE}" \
      org.opencontainers.image.revision="${OCI_REVISION}" \
      org.opencontainers.image.version="${OCI_VERSION}" \
      org.opencontainers.image.created="${OCI_CREATED}"
