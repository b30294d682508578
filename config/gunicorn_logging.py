"""gunicorn's logs in the same shape as the application's (config/settings.py):
one JSON object a line on stdout, the access log carrying the request id that
django-guid put in the response's X-Request-ID header."""

import os

from gunicorn import glogging


def logconfig(log_format, level="INFO"):
    """gunicorn's ``logconfig_dict``: its error log and access log on stdout."""
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "timestamp": "time",
            "rename_fields": {
                "levelname": "level",
                "name": "logger",
            },
        }
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"atlas": formatter},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "atlas",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "gunicorn.error": {
                "level": level,
                "handlers": ["stdout"],
                "propagate": False,
            },
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["stdout"],
                "propagate": False,
            },
        },
        "root": {"level": level, "handlers": []},
    }


class AccessLogger(glogging.Logger):
    """One access-log record per request, with its fields as JSON keys (not a
    line of Apache's combined format to be parsed again)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        try:
            status = int(atoms["s"])
        except (TypeError, ValueError):
            status = atoms["s"]
        self.access_log.info(
            "%s %s %s",
            atoms["m"],
            atoms["U"],
            status,
            extra={
                "method": atoms["m"],
                "path": atoms["U"],
                "query": atoms["q"] or "",
                "status": status,
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "bytes": atoms["B"],
                "remote_addr": atoms["h"],
                "forwarded_for": atoms.get("{x-forwarded-for}i", ""),
                "user_agent": atoms["a"],
                "request_id": atoms.get("{x-request-id}o", ""),
                "pid": os.getpid(),
            },
        )
