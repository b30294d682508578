"""What `make load` asks of the site: an analyst's mix of pages and API calls.

Run by ops/loadtest.py (locust headless). Targets only loopback addresses. At the
end, the run fails (exit status 1) when the 95th percentile response time or the
share of failed requests passes its threshold (--p95-ms, --max-error-rate).
"""

import ipaddress
import random
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task


@events.init_command_line_parser.add_listener
def add_thresholds(parser):
    parser.add_argument("--p95-ms", type=float, default=300, help="fail above this p95")
    parser.add_argument(
        "--max-error-rate", type=float, default=0.0, help="fail above this share"
    )


@events.test_start.add_listener
def only_loopback(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"The load test only targets this machine, not {host!r}.")


@events.quitting.add_listener
def judge(environment, **kwargs):
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95) or 0
    error_rate = total.fail_ratio
    options = environment.parsed_options
    verdicts = []
    if p95 > options.p95_ms:
        verdicts.append(f"p95 {p95:.0f} ms is above {options.p95_ms:.0f} ms")
    if error_rate > options.max_error_rate:
        verdicts.append(
            f"error rate {error_rate:.2%} is above {options.max_error_rate:.2%}"
        )
    print(
        f"RESULT: {total.num_requests} requests, {total.num_failures} failed "
        f"({error_rate:.2%}), {total.total_rps:.1f} req/s, "
        f"median {total.median_response_time:.0f} ms, p95 {p95:.0f} ms, "
        f"p99 {total.get_response_time_percentile(0.99) or 0:.0f} ms"
    )
    if verdicts:
        print("FAILED: " + "; ".join(verdicts))
        environment.process_exit_code = 1
    else:
        print("PASSED: within the thresholds")
        environment.process_exit_code = 0


class Analyst(HttpUser):
    """Reads pages and the API the way the seed data allows: lists with a filter,
    detail pages found from the lists, search, the map's data, an export."""

    wait_time = between(0.5, 1.5)
    slugs = {}

    def on_start(self):
        for kind in ("threats", "exercises", "organisations", "agreements"):
            if kind not in Analyst.slugs:
                response = self.client.get(
                    f"/api/v1/{kind}/?page_size=50", name=f"/api/v1/{kind}/ (setup)"
                )
                rows = response.json().get("results", []) if response.ok else []
                Analyst.slugs[kind] = [row["slug"] for row in rows if row.get("slug")]

    def detail(self, kind):
        slugs = Analyst.slugs.get(kind) or []
        if slugs:
            self.client.get(f"/{kind}/{random.choice(slugs)}/", name=f"/{kind}/<slug>/")

    @task(3)
    def home(self):
        self.client.get("/")

    @task(4)
    def threat_list(self):
        self.client.get("/threats/?target=LT", name="/threats/?target=")

    @task(3)
    def exercise_list(self):
        self.client.get("/exercises/")

    @task(2)
    def organisation_list(self):
        self.client.get("/organisations/")

    @task(4)
    def details(self):
        self.detail(
            random.choice(("threats", "exercises", "organisations", "agreements"))
        )

    @task(2)
    def search(self):
        self.client.get(
            f"/search/?q={random.choice(('NATO', 'Zapad', 'cyber', 'Klaipeda'))}",
            name="/search/?q=",
        )

    @task(1)
    def timeline(self):
        self.client.get("/timeline/")

    @task(1)
    def map_data(self):
        self.client.get("/map/data.json")

    @task(1)
    def export(self):
        self.client.get("/threats/?format=csv", name="/threats/?format=csv")

    @task(3)
    def api_list(self):
        self.client.get("/api/v1/threats/?page_size=20", name="/api/v1/threats/")

    @task(2)
    def api_detail(self):
        slugs = Analyst.slugs.get("exercises") or []
        if slugs:
            self.client.get(
                f"/api/v1/exercises/{random.choice(slugs)}/",
                name="/api/v1/exercises/<slug>/",
            )
