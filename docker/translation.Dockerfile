ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
# translation: offline detection (lingua) and translation (Apertium, Debian packages).
# Build from the repository root:
#   docker build -f docker/translation.Dockerfile -t retail-support/translation .
# The optional CTranslate2 engine (TRANSLATION_NEURAL_MODELS) is not installed by default:
#   --build-arg EXTRA_PIP_PACKAGES="ctranslate2 sentencepiece"  (pinned by requirements.lock)
# and mount the converted models where TRANSLATION_NEURAL_MODELS points.

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app

# Apertium and the language pairs: deps/apt-translation.txt, installed by the same
# script `make install` runs.
COPY scripts/install-system-deps.sh /tmp/sysdeps/scripts/install-system-deps.sh
COPY deps/apt-translation.txt /tmp/sysdeps/deps/apt-translation.txt
RUN /tmp/sysdeps/scripts/install-system-deps.sh \
    && rm -rf /var/lib/apt/lists/* /tmp/sysdeps \
    && python -m venv /opt/venv \
    && groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --home-dir /app --no-create-home \
         --shell /usr/sbin/nologin app
ENV PATH=/opt/venv/bin:$PATH

# Only what this service imports, each pinned by requirements.lock (constraints).
COPY requirements.lock pyproject.toml ./
COPY clients/python clients/python
ARG EXTRA_PIP_PACKAGES=""
RUN pip install -q -c requirements.lock ./clients/python \
      grpcio grpcio-health-checking grpcio-reflection grpcio-status protobuf \
      googleapis-common-protos pydantic pydantic-settings prometheus-client \
      lingua-language-detector ${EXTRA_PIP_PACKAGES} \
    && rm -rf clients

COPY services services
COPY models models
# The tagger-reset library (services/translation/engines/apertium_tagger_reset.py) is
# compiled now, with the g++ deps/apt-translation.txt installed, so that a non-root,
# read-only container never compiles at run time.
RUN pip install -q --no-deps -e . \
    && python -m compileall -q services models \
    && python -m services.translation.engines.apertium_tagger_reset \
    && chmod -R a+rX /app

COPY docker/healthcheck.py /app/healthcheck.py
# Workers: one per CPU the pod or container is given (0 would count the host's CPUs).
# Each worker runs its own Apertium pipelines (100-270 MB per direction in use).
ENV PYTHONUNBUFFERED=1 \
    TRANSLATION_HOST=0.0.0.0 \
    TRANSLATION_PORT=50053 \
    TRANSLATION_METRICS_HOST=0.0.0.0 \
    TRANSLATION_METRICS_PORT=9103 \
    TRANSLATION_WORKERS=1
USER 10001:10001
EXPOSE 50053 9103
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD python /app/healthcheck.py "127.0.0.1:${TRANSLATION_PORT}" || exit 1
CMD ["python", "-m", "services.translation"]

# OCI labels. The ARGs come last so that a new commit or build time never invalidates a
# cached layer. `make images` (scripts/build_images.sh) fills them: --build-arg with
# docker build, or a copy of this file with the defaults filled in for a BUILD_IMAGE
# builder, which takes no build args.
ARG OCI_SOURCE=unknown
ARG OCI_REVISION=unknown
ARG OCI_VERSION=unknown
ARG OCI_CREATED=unknown
LABEL org.opencontainers.image.title="retail-support/translation" \
      org.opencontainers.image.description="offline language detection and translation with Apertium (gRPC)" \
      org.opencontainers.image.source="${OCI_SOURCE}" \
      org.opencontainers.image.revision="${OCI_REVISION}" \
      org.opencontainers.image.version="${OCI_VERSION}" \
      org.opencontainers.image.created="${OCI_CREATED}"
