# syntax=docker/dockerfile:1
# Archboard: a multi-stage image. Build wheels and front-end packages in throwaway stages, then
# run as a non-root user with graphviz, librsvg and fonts, static files collected, under uvicorn (ASGI).

FROM python:3.11-slim-bookworm AS wheels
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# The load estimate's compiled twin (scripts/build_native.py): mypyc and a C compiler stay in this
# stage; the image takes the two extension modules. Built from the same sources the image holds,
# so their digests match and the twin runs.
FROM python:3.11-slim-bookworm AS native
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements-dev.txt .
RUN pip install --no-cache-dir $(grep -E '^(mypy|setuptools)==' requirements-dev.txt)
COPY whiteboard/__init__.py ./whiteboard/
COPY whiteboard/domain ./whiteboard/domain
COPY scripts/build_native.py ./scripts/
RUN python scripts/build_native.py

FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production HOST=0.0.0.0 PORT=8000 WEB_CONCURRENCY=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends graphviz librsvg2-bin fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 archboard \
 && install -d -m 0700 -o archboard -g archboard /var/lib/archboard
WORKDIR /app
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --from=assets /build/node_modules ./node_modules
COPY manage.py ./
COPY whiteboard ./whiteboard
COPY --from=native /build/whiteboard/domain/_estimate_native* ./whiteboard/domain/
COPY templates ./templates
COPY static ./static
COPY fixtures ./fixtures
# collectstatic signs nothing, but production settings insist on a strong key: a throwaway one.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" python manage.py collectstatic --noinput \
 && chown -R archboard:archboard /app
USER archboard
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
# The key file (SECRET_KEY_FILE, on a volume the workers share) is made at the first start.
# Forwarded headers count only from FORWARDED_ALLOW_IPS, the proxy's address (none: ignored).
CMD ["sh", "-c", "python -m whiteboard.secretkey && python manage.py migrate --noinput && exec python -m whiteboard.serve --workers ${WEB_CONCURRENCY}"]
