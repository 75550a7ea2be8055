# Arabic search service: the package, an index of the bundled seeds, gunicorn as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARABIC_SEARCH_INDEX_DIR=/srv/arabic-search/index

# PyStemmer builds from source where no wheel fits the platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system search && useradd --system --gid search --home-dir /srv/arabic-search search

WORKDIR /srv/arabic-search
COPY pyproject.toml README.md ./
COPY search ./search
RUN pip install . && apt-get purge -y --auto-remove gcc libc6-dev

COPY seeds ./seeds
RUN arabic-search index seeds --index "$ARABIC_SEARCH_INDEX_DIR" \
    && chown -R search:search /srv/arabic-search

USER search
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# The app writes one JSON access-log line per request itself (search/web/logs.py); the config
# module sets the workers' garbage collection (search/web/serving.py).
CMD ["gunicorn", "--config", "python:search.web.serving", \
     "--bind", "0.0.0.0:8000", "--workers", "2", "search.web:create_app()"]
