"""Copy the peers' own test files into ``tests/peers/upstream/``, with their imports rewritten.

hyperopt's unit and integration tests (from the installed hyperopt) and scikit-learn's
``model_selection/tests/test_search.py`` (from the installed scikit-learn) are the proof that
skopt_hp is a drop-in for them. The copies are made mechanically, so that the test bodies stay
the peers' own:

* hyperopt's files: every ``hyperopt`` *name token* (imports and attribute paths such as
  ``hyperopt.pyll.stochastic.sample``) becomes ``skopt_hp``; string literals are left alone.
  One test module imports a function of another (``hyperopt.tests.unit.test_fmin``): that
  import names the copied module instead.
* scikit-learn's file: ``RandomizedSearchCV`` is imported from ``tests/peers/sklearn_adapter.py``
  (``HyperoptSearchCV`` with ``RandomizedSearchCV``'s signature) instead of from scikit-learn.

Each copy starts with where it comes from and the peer's copyright and BSD-3 licence text,
read from the installed package's metadata. Which tests do not apply, and why, is listed in
``tests/peers/not_applicable.txt``.

Usage (from the repository root, in the dev environment, which pins both peers)::

    python scripts/import_peer_tests.py          # (re)write the copies
    python scripts/import_peer_tests.py --check  # exit 1 if a copy differs from what it would write
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "peers" / "upstream"


@dataclass(frozen=True)
class Source:
    distribution: str  # the name on the package index
    package: str  # the import name
    path: str  # inside the package
    target: str  # file name under tests/peers/upstream


HYPEROPT_FILES = {
    "tests/unit/test_fmin.py": "test_hyperopt_fmin.py",
    "tests/unit/test_pchoice.py": "test_hyperopt_pchoice.py",
    "tests/unit/test_randint.py": "test_hyperopt_randint.py",
    "tests/unit/test_rand.py": "test_hyperopt_rand.py",
    "tests/unit/test_tpe.py": "test_hyperopt_tpe.py",
    "tests/unit/test_criteria.py": "test_hyperopt_criteria.py",
    "tests/integration/test_spark.py": "test_hyperopt_spark.py",
    "tests/integration/test_sklearn.py": "test_hyperopt_sklearn.py",
}
SOURCES = [Source("hyperopt", "hyperopt", path, name) for path, name in HYPEROPT_FILES.items()]
SOURCES.append(
    Source(
        "scikit-learn", "sklearn", "model_selection/tests/test_search.py", "test_sklearn_search.py"
    )
)

#: Where the licence text ends in a peer's licence file (scikit-learn's wheel appends the
#: licences of the libraries it bundles).
LICENCE_END = {"scikit-learn": "\n----\n"}


def package_dir(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(
            f"{package} is not installed: install the dev extra (pip install -e '.[dev]')."
        )
    return Path(spec.origin).parent


def licence_text(distribution: str) -> str:
    """The peer's licence (copyright notice, conditions, disclaimer) from its metadata."""
    dist = importlib.metadata.distribution(distribution)
    files = [
        f for f in dist.files or () if "licen" in f.name.lower() or "copying" in f.name.lower()
    ]
    if not files:
        raise SystemExit(f"No licence file in the metadata of {distribution}.")
    text = Path(dist.locate_file(files[0])).read_text(encoding="utf-8")
    end = LICENCE_END.get(distribution)
    if end is not None and end in text:
        text = text[: text.index(end)]
    return text.strip()


def header(source: Source, version: str, rewrite: str) -> str:
    lines = [
        f"Copied from {source.distribution} {version}, {source.package}/{source.path},",
        "by scripts/import_peer_tests.py, which made only this change:",
        *rewrite.splitlines(),
        "Do not edit: rerun the script. Tests that do not apply are listed, each with its",
        "reason, in tests/peers/not_applicable.txt.",
        "",
        f"The licence of {source.distribution}:",
        "",
        *licence_text(source.distribution).splitlines(),
    ]
    return "".join(f"# {line}".rstrip() + "\n" for line in lines) + "\n"


def rename_package_tokens(text: str, old: str, new: str) -> str:
    """Replace every NAME token ``old`` (not text inside strings or comments) by ``new``."""
    lines = text.splitlines(keepends=True)
    hits = [
        tok.start
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.NAME and tok.string == old
    ]
    for row, col in reversed(hits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old) :]
    return "".join(lines)


def replace_once(text: str, old: str, new: str, what: str) -> str:
    if text.count(old) != 1:
        raise SystemExit(f"{what}: expected {old!r} exactly once; the upstream file changed.")
    return text.replace(old, new)


HYPEROPT_REWRITE = """\
the package name `hyperopt` (a name in the code, never text in strings) is `skopt_hp`, and
`hyperopt.tests.unit.test_fmin` is the copy `test_hyperopt_fmin`."""

SKLEARN_REWRITE = """\
`RandomizedSearchCV` is imported from tests/peers/sklearn_adapter.py (HyperoptSearchCV with
RandomizedSearchCV's signature) instead of from sklearn.model_selection."""


def rewrite(source: Source, text: str) -> tuple[str, str]:
    """The copied text of ``source`` and the description of the change."""
    if source.package == "hyperopt":
        text = rename_package_tokens(text, "hyperopt", "skopt_hp")
        if "skopt_hp.tests.unit.test_fmin" in text:
            text = replace_once(
                text,
                "from skopt_hp.tests.unit.test_fmin import",
                "from test_hyperopt_fmin import",
                source.path,
            )
        return text, HYPEROPT_REWRITE
    imported = "    ParameterSampler,\n    RandomizedSearchCV,\n"
    text = replace_once(text, imported, "    ParameterSampler,\n", source.path)
    anchor = "from sklearn.model_selection._search import ("
    text = replace_once(
        text, anchor, "from sklearn_adapter import RandomizedSearchCV\n" + anchor, source.path
    )
    return text, SKLEARN_REWRITE


def build() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for source in SOURCES:
        version = importlib.metadata.version(source.distribution)
        original = (package_dir(source.package) / source.path).read_text(encoding="utf-8")
        text, description = rewrite(source, original)
        out[TARGET / source.target] = header(source, version, description) + text
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the committed copies with what would be written; write nothing",
    )
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            path
            for path, text in files.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
