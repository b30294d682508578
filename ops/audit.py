"""`make audit`: known vulnerabilities in the pinned dependencies (requirements.lock).

Runs pip-audit on the lock file and says plainly what was and was not checked.
pip-audit itself prints "No known vulnerabilities found" even when it could not
look a single package up (its database unreachable, every package "skipped"), so
its verdict is only repeated here when every package was actually checked.

Exit status: 0 every package checked, none vulnerable; 1 known vulnerabilities;
2 not (fully) audited: the vulnerability database could not be reached or some
packages could not be looked up.
"""

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCK = BASE_DIR / "requirements.lock"


def run_pip_audit(lock, service):
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(lock),
        "--no-deps",  # the lock is complete and hashed: nothing to resolve
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--vulnerability-service",
        service,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def summarise(result, service):
    """(exit status, lines to print) for one pip-audit run."""
    try:
        report = json.loads(result.stdout)
    except ValueError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return 2, [
            f"NOT AUDITED: pip-audit could not reach its vulnerability database "
            f"({service}), so nothing was checked.",
            f"  pip-audit said: {last}",
        ]
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    checked = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in checked if d.get("vulns")]
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            lines.append(
                f"VULNERABLE: {dependency['name']} {dependency['version']}: "
                f"{vuln['id']} (fixed in: {fixes})"
            )
    if not checked:
        lines.append(
            f"NOT AUDITED: none of the {len(dependencies)} packages could be looked "
            f"up in the vulnerability database ({service}); it is probably "
            "unreachable from this machine. This is not a clean result."
        )
        if skipped:
            lines.append(f"  e.g. {skipped[0]['skip_reason']}")
        return 2, lines
    if skipped:
        lines.append(
            f"PARTLY AUDITED: {len(checked)} of {len(dependencies)} packages checked; "
            f"{len(skipped)} could not be looked up:"
        )
        lines.extend(f"  {d['skip_reason']}" for d in skipped)
    if vulnerable:
        return 1, lines
    if skipped:
        lines.append(
            f"No known vulnerabilities in the {len(checked)} packages that were checked."
        )
        return 2, lines
    lines.append(
        f"No known vulnerabilities in the {len(checked)} pinned packages "
        f"({service} database)."
    )
    return 0, lines


def main(argv):
    lock = Path(argv[0]) if argv else LOCK
    status = 2
    # PyPI's advisory data first; the OSV database when PyPI's cannot be read.
    for service in ("pypi", "osv"):
        print(
            f"Auditing {lock.name} with pip-audit ({service} database)...", flush=True
        )
        status, lines = summarise(run_pip_audit(lock, service), service)
        print("\n".join(lines), flush=True)
        if status != 2:
            break
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
