"""The scale profile's nginx (ops/nginx/atlas.conf) outside compose: Debian's
nginx with its cache-purge module, as ops/nginx/Dockerfile installs them, in
front of a gunicorn on this machine. The nginx cache tests
(tests/production/test_nginx_cache.py) and the capacity measurement
(bench/capacity.py) run it the same way."""

import getpass
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.pair import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
MODULES = Path("/etc/nginx/modules-enabled")


def nginx_missing():
    """Why nginx cannot run here, or None."""
    if shutil.which("nginx") is None:
        return "no nginx (apt-get install nginx libnginx-mod-http-cache-purge)"
    if not any("cache-purge" in path.name for path in MODULES.glob("*.conf")):
        return "nginx has no cache-purge module (libnginx-mod-http-cache-purge)"
    return None


class Nginx:
    """nginx in the foreground with the scale profile's site configuration, its
    upstream pointed at ``upstream`` (host:port) and its files in ``folder``;
    started once it answers /healthz."""

    def __init__(self, upstream, folder):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        site = (BASE_DIR / "ops" / "nginx" / "atlas.conf").read_text()
        # The same file, with what only differs outside compose replaced.
        for compose_value, here in [
            ("web-scaled:8000", upstream),
            ("/var/cache/nginx/atlas", str(folder / "cache")),
            ("listen 80;", f"listen 127.0.0.1:{self.port};"),
        ]:
            if compose_value not in site:
                raise ValueError(
                    f"ops/nginx/atlas.conf no longer holds {compose_value}"
                )
            site = site.replace(compose_value, here)
        (folder / "atlas.conf").write_text(site)
        (folder / "nginx.conf").write_text(
            f"include {MODULES}/*.conf;\n"
            # Workers as whoever runs it (not www-data): the cache is in
            # ``folder``, which that user owns.
            f"user {getpass.getuser()};\n"
            f"pid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\n"
            "daemon off;\n"
            "worker_processes 1;\n"
            "events {}\n"
            "http {\n"
            "  access_log off;\n"
            f"  client_body_temp_path {folder}/body;\n"
            f"  proxy_temp_path {folder}/proxy;\n"
            f"  include {folder}/atlas.conf;\n"
            "}\n"
        )
        nginx = shutil.which("nginx")
        checked = subprocess.run(
            [nginx, "-t", "-q", "-c", str(folder / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(
            [nginx, "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:  # not listening yet, or its upstream not ready
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not answer:\n" + self.errors())

    def errors(self):
        log = self.folder / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
