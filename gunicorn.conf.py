"""gunicorn's settings for the Atlas (`make prod`, the Docker image):
`gunicorn -c gunicorn.conf.py config.wsgi`. Each can be changed by the variable
named beside it (see .env.example)."""

import multiprocessing
import os

# Module-level names are read as settings: import the module, not its names.
from config import gunicorn_logging

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Two processes per core plus one keep every core busy while others wait on the
# database; two threads each overlap a little more waiting. Each thread holds one
# persistent database connection: workers x threads must stay below PostgreSQL's
# max_connections (100 by default).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"

# A request that takes longer than this is stopped and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5

# The application is loaded once, in the master (config/wsgi.py warms it up:
# URLconf, translations, templates), and each worker starts as a copy of it:
# a worker that replaces another answers at once instead of importing Django
# again (about a second of CPU) and serving its first requests slowly. Code
# changes therefore need a restart (or USR2), not HUP.
preload_app = True

# Workers are replaced after this many requests (a bounded memory footprint);
# the jitter keeps them from all restarting at the same moment. A replacement
# opens new connections and starts its per-process caches (kept SQL texts,
# prepared statements) empty, and its queue waits meanwhile: at 1,000 a worker
# serving the home page 180 times a second was replaced every 5 s, which set the
# page's p99. Worker memory stays flat over a run (make bench reads it).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10_000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 1_000))

# Logs: stdout, JSON unless DJANGO_LOG_FORMAT=text (as the application's).
accesslog = "-"
errorlog = "-"
logger_class = gunicorn_logging.AccessLogger
logconfig_dict = gunicorn_logging.logconfig(
    os.environ.get("DJANGO_LOG_FORMAT", "json"),
    os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
)
