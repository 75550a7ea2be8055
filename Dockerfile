# Arabic search service: the package, an index of the bundled seeds, gunicorn as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARABIC_SEARCH_INDEX_DIR=/srv/arabic-search/index

# PyStemmer builds from source where no wheel fits the platform. nginx fronts gunicorn (below).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
        nginx libnginx-mod-http-headers-more-filter \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system search && useradd --system --gid search --home-dir /srv/arabic-search search

WORKDIR /srv/arabic-search
COPY pyproject.toml README.md ./
COPY search ./search
RUN pip install . && apt-get purge -y --auto-remove gcc libc6-dev

COPY deploy ./deploy
COPY seeds ./seeds
RUN arabic-search index seeds --index "$ARABIC_SEARCH_INDEX_DIR" \
    && chown -R search:search /srv/arabic-search

USER search
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# Slow clients are nginx's job. Measured on a 20k-article index with 2 workers (bench/probes.py
# --only slow: connections trickling their headers a byte a second while /healthz is probed
# every second for 14 s): gunicorn's sync workers facing the network failed 6 of 8 health
# probes with 2 such clients; gthread with 4 threads a worker held 2 but failed 4 of 10 with
# 8; sync workers behind nginx (deploy/nginx.conf, which reads each request whole before
# passing it on) failed none with 2, 8 or 32. nginx also answers its own errors (request line
# or headers too large, a body over 10 MB, gunicorn down) as the API's JSON errors.
# deploy/start.sh runs gunicorn on 127.0.0.1:8001 and nginx on :8000; the config module sets
# the workers' limits and garbage collection (search/web/serving.py), and the app writes one
# JSON access-log line per request itself (search/web/logs.py).
CMD ["bash", "deploy/start.sh"]
