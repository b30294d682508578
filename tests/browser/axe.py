"""axe-core's accessibility checks in a Playwright page, for every browser test:
the serious and critical violations, each as (rule, impact, its first three
targets). axe-core itself is the script the axe-playwright-python package ships;
it is sent to a page only when the page does not have it yet."""

from pathlib import Path

import axe_playwright_python

AXE_SCRIPT = (
    Path(axe_playwright_python.__file__)
    .with_name("axe.min.js")
    .read_text(encoding="utf-8")
)
SERIOUS = ("serious", "critical")
RUN = (
    "() => axe.run({resultTypes: ['violations']}).then((results) => results.violations)"
)


def serious_violations(page):
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    return [
        (
            violation["id"],
            violation["impact"],
            [node["target"] for node in violation["nodes"]][:3],
        )
        for violation in page.evaluate(RUN)
        if violation["impact"] in SERIOUS
    ]
