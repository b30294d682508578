# For docker compose users; `make run` needs no Docker.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
EXPOSE 8000
# seed: migrate, then the seed data published, into a new database only.
CMD ["sh", "-c", "python manage.py seed && python manage.py runserver 0.0.0.0:8000"]
