"""The documentation site builds without a warning, and the code on its pages runs.

The build is ``mkdocs build --strict`` (mkdocs.yml): a broken link or anchor, a page left out
of the navigation, or a docstring mkdocstrings cannot parse fails it. The docs extra
(mkdocs, mkdocs-material, mkdocstrings) is part of the test environment, so nothing here
skips.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

# Pages whose ```python blocks form a runnable script (run in order, one process per page).
RUNNABLE_PAGES = [
    "index.md",
    "space.md",
    "hyperopt-migration.md",
    "sklearn-migration.md",
    "parallel.md",
    "pruning.md",
]

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)


def _env() -> dict[str, str]:
    # NO_MKDOCS_2_WARNING silences mkdocs-material's banner about MkDocs 2 (not a build warning).
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}


@pytest.mark.xdist_group("docs")
def test_site_builds_in_strict_mode(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"

    for page in ("", "space", "hyperopt-migration", "sklearn-migration", "parallel", "api"):
        assert (site / page / "index.html").is_file(), f"page {page or 'home'} was not built"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    # mkdocstrings rendered the objects (each gets an anchor named by its path) ...
    for name in (
        "skopt_hp.HyperoptSearchCV",
        "skopt_hp.fmin",
        "skopt_hp.Trials",
        "skopt_hp.hp.quniform",
        "skopt_hp.space_eval",
        "skopt_hp.samplers.TPESampler",
    ):
        assert f'id="{name}"' in api, f"{name} is missing from the API reference"
    # ... and the hook turned the Sphinx roles of the docstrings into code or links.
    assert not re.search(r":(class|func|meth|attr|mod):<code>", api)


@pytest.mark.parametrize("page", RUNNABLE_PAGES)
def test_code_on_the_page_runs(page: str, tmp_path: Path) -> None:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    blocks = PYTHON_BLOCK.findall(text)
    assert blocks, f"docs/{page} has no python code block"
    script = tmp_path / "page.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"the code of docs/{page} failed:\n{proc.stdout}\n{proc.stderr}"
