# The production image: gunicorn (gunicorn.conf.py), DEBUG off, static files
# collected at build time. `docker compose up` runs it with PostgreSQL and Redis;
# without Docker, `make prod` runs the same configuration.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=0 \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
RUN useradd --system --no-create-home --home-dir /app atlas
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
# collectstatic reads the settings but never connects: placeholder values only.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret \
    DATABASE_URL=postgresql://build@localhost/build \
    python manage.py collectstatic --noinput -v0
USER atlas
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# Migrations and the seed data are the one-shot `migrate` service's job (compose),
# never the web server's: a restart must not touch the data.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
