# Arabic search service: gunicorn's sync workers behind nginx (deploy/), as a non-root user, the
# index on a volume. Two stages: the build stage has the compiler (the tokenizer's scanner,
# MinHash's minimums, the positions' readers and the ranking's merges are Cython compiled
# at install, setup.py;
# PyStemmer builds from source where no wheel fits the platform) and installs into a virtual environment; the final image copies that environment
# and has no compiler.
#
#   docker build -t arabic-search:0.2.0 .     (or: docker compose up --build; compose.yaml)
#
# The base is pinned to an exact Python and Debian release; for a byte-identical base pin its
# digest too (python:3.11.11-slim-bookworm@sha256:...), taken from `docker buildx imagetools
# inspect` on the day of a release.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/arabic-search
WORKDIR /build
# The dependencies in a layer of their own: it is rebuilt only when pyproject.toml changes,
# not at every change of the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/arabic-search/bin/pip install -r requirements.txt
COPY README.md LICENSE setup.py ./
COPY search ./search
RUN /opt/arabic-search/bin/pip install --no-deps .

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/arabic-search/bin:$PATH \
    ARABIC_SEARCH_INDEX_DIR=/srv/arabic-search/index \
    ARABIC_SEARCH_TRUSTED_PROXIES=127.0.0.1
# nginx fronts gunicorn (deploy/nginx.conf); the headers-more module drops the Server header.
# rsync carries a primary's index to its read replicas (compose.replicas.yaml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx libnginx-mod-http-headers-more-filter \
        rsync \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system search && useradd --system --gid search --home-dir /srv/arabic-search search
COPY --from=build /opt/arabic-search /opt/arabic-search
WORKDIR /srv/arabic-search
COPY deploy ./deploy
COPY seeds ./seeds
# The index lives on a volume, so it outlives the container and an upgrade; deploy/start.sh
# builds it from seeds/ when the volume holds none (a fresh volume, or a bind-mounted folder).
# A read replica's copy starts as the empty /srv/arabic-search/replica (compose.replicas.yaml).
RUN mkdir -p "$ARABIC_SEARCH_INDEX_DIR" /srv/arabic-search/replica \
    && chown -R search:search /srv/arabic-search
VOLUME ["/srv/arabic-search/index"]

USER search
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# Slow clients are nginx's job. Measured on a 20k-article index with 2 workers (bench/probes.py
# --only slow: connections trickling their headers a byte a second while /healthz is probed
# every second for 14 s): gunicorn's sync workers facing the network failed 6 of 8 health
# probes with 2 such clients; gthread with 4 threads a worker held 2 but failed 4 of 10 with
# 8; sync workers behind nginx (deploy/nginx.conf, which reads each request whole before
# passing it on) failed none with 2, 8 or 32. nginx also answers its own errors (request line
# or headers too large, a body over 10 MB, gunicorn down) as the API's JSON errors.
# deploy/start.sh runs gunicorn on 127.0.0.1:8001 and nginx on :8000; the config module sets
# the workers' limits, garbage collection, shared folder and logs (search/web/serving.py).
CMD ["bash", "deploy/start.sh"]
