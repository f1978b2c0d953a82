"""Count the outcomes of the peers' own tests (tests/peers) and write them into the docs.

Runs ``pytest tests/peers`` (in this interpreter's environment, which must have the Spark
extra and Java for hyperopt's Spark tests), reads its JUnit XML report and counts, per copied
file, the tests that passed, the ones skipped as not applicable or for their wording (with
the reason from tests/peers/not_applicable.txt, or the rule for scikit-learn tests that run
no RandomizedSearchCV), the ones expected to fail until a branch lands ("pending"), the ones
the upstream test skips itself (an optional library missing), and failures.

Usage (from the repository root)::

    python scripts/peer_test_counts.py                # print the tables
    python scripts/peer_test_counts.py --update-docs  # also rewrite them in the two pages
"""

from __future__ import annotations

import argparse
import collections
import datetime
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["passed", "not applicable", "wording", "pending", "skipped upstream", "failed"]
RULE = "not applicable: runs no RandomizedSearchCV"
PAGES = {
    "hyperopt": ROOT / "docs" / "hyperopt-migration.md",
    "sklearn": ROOT / "docs" / "sklearn-migration.md",
}


def outcome(case: ET.Element) -> str:
    for child in case:
        if child.tag in ("failure", "error"):
            return "failed"
        if child.tag == "skipped":
            message = child.get("message", "")
            if child.get("type") == "pytest.xfail" or message.startswith("pending branch"):
                return "pending"
            if message.startswith(RULE):
                return "not applicable (rule)"
            if message.startswith("not applicable:"):
                return "not applicable"
            if message.startswith("wording:"):
                return "wording"
            return "skipped upstream"
    return "passed"


def run_pytest(xml: Path, workers: int) -> int:
    command = [sys.executable, "-m", "pytest", "tests/peers", "-q", "-p", "no:cacheprovider"]
    command += ["--junitxml", str(xml), "-o", "junit_family=xunit2"]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "loadgroup"]
    return subprocess.run(command, cwd=ROOT).returncode


def count(xml: Path) -> dict[str, collections.Counter]:
    per_file: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for case in ET.parse(xml).getroot().iter("testcase"):
        match = re.search(r"upstream\.(test_\w+)$", case.get("classname", ""))
        if match is None:  # tests/peers' own tests, and classes inside upstream modules
            match = re.search(r"upstream\.(test_\w+)\.", case.get("classname", ""))
        if match is None:
            continue
        per_file[match.group(1) + ".py"][outcome(case)] += 1
    return per_file


def table(per_file: dict[str, collections.Counter], files: list[str], rule: bool) -> str:
    columns = list(COLUMNS)
    if rule:
        columns.insert(2, "not applicable (rule)")
    head = "| file | tests | " + " | ".join(columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 2)]
    total: collections.Counter = collections.Counter()
    for name in files:
        counts = per_file.get(name, collections.Counter())
        total.update(counts)
        cells = [str(counts[c]) for c in columns]
        lines.append(f"| `{name}` | {sum(counts.values())} | " + " | ".join(cells) + " |")
    if len(files) > 1:
        cells = [f"**{total[c]}**" for c in columns]
        lines.append(f"| all | **{sum(total.values())}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update(page: Path, name: str, text: str) -> None:
    start, end = f"<!-- peer-counts:{name}:start -->", f"<!-- peer-counts:{name}:end -->"
    content = page.read_text(encoding="utf-8")
    if start not in content or end not in content:
        raise SystemExit(f"{page.relative_to(ROOT)} lacks the markers {start} ... {end}")
    before, rest = content.split(start, 1)
    after = rest.split(end, 1)[1]
    page.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update-docs", action="store_true", help="rewrite the docs' tables")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        xml = Path(directory) / "peers.xml"
        code = run_pytest(xml, args.workers)
        per_file = count(xml)
    if code not in (0, 1) or not per_file:
        print(f"pytest exited with {code}; no counts written", file=sys.stderr)
        return 1
    hyperopt_files = sorted(f for f in per_file if f.startswith("test_hyperopt_"))
    stamp = (
        f"Counted by `python scripts/peer_test_counts.py` on {datetime.date.today()}: "
        "one row per file of tests/peers/upstream, one count per collected test."
    )
    tables = {
        "hyperopt": table(per_file, hyperopt_files, rule=False) + "\n\n" + stamp,
        "sklearn": table(per_file, ["test_sklearn_search.py"], rule=True) + "\n\n" + stamp,
    }
    for name, text in tables.items():
        print(text, end="\n\n")
        if args.update_docs:
            update(PAGES[name], name, text)
    failed = sum(counts["failed"] for counts in per_file.values())
    return 1 if failed or code else 0


if __name__ == "__main__":
    sys.exit(main())
