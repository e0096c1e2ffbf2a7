# One image for every Tessera process; docker-compose.yml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY api ./api
COPY domain ./domain
COPY tenants ./tenants
COPY workers ./workers
COPY tessera ./tessera
# /var/lib/tessera/files: the directory store's root (a volume in docker-compose.yml), owned by
# the user the processes run as, so a new named volume starts with that owner.
RUN pip install --no-cache-dir . && useradd --system --uid 10001 tessera \
    && mkdir -p /var/lib/tessera/files && chown -R tessera /var/lib/tessera
USER tessera
EXPOSE 8000
CMD ["tessera", "serve", "--host", "0.0.0.0", "--port", "8000"]
