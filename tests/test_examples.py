"""Every script in examples/ runs to completion, so none of them rots."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
HAS_GIT = shutil.which("git") is not None and (ROOT / ".git").exists()


def _git(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], input=stdin, capture_output=True, text=True
    )


def _not_ignored(paths: list[str]) -> list[str]:
    """The paths (relative to the repository) that .gitignore does not cover."""
    if not paths:
        return []
    # --no-index: the rules alone decide, whether or not a path is tracked or exists.
    ignored = _git("check-ignore", "--no-index", "--stdin", stdin="\n".join(paths)).stdout
    return sorted(set(paths) - set(ignored.splitlines()))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    # Examples read SKOPT_HP_EXAMPLE_SMALL to shrink their budgets in CI.
    env = {**os.environ, "SKOPT_HP_EXAMPLE_SMALL": "1", "MPLBACKEND": "Agg"}
    env.pop("MLFLOW_TRACKING_URI", None)  # MLflow's default store, in the working directory
    examples_before = _git("status", "--porcelain", "--", "examples").stdout if HAS_GIT else ""
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert proc.stdout.strip(), f"{script.name} printed nothing"
    if not HAS_GIT:
        return
    # Run from the repository root, an example would leave exactly what it left here: every
    # file it wrote must be git-ignored, and it wrote nothing next to itself.
    created = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert not _not_ignored(created), f"{script.name} leaves untracked files: {created}"
    assert _git("status", "--porcelain", "--", "examples").stdout == examples_before


@pytest.mark.skipif(not HAS_GIT, reason="needs git and the repository's .git")
def test_the_ignore_check_sees_untracked_files() -> None:
    assert _not_ignored(["example_output/plot.png", "mlflow.db", "plot.png"]) == ["plot.png"]


def _readme_section(title: str) -> str:
    """The text of the README's ``## title`` section."""
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_readme_hyperopt_example_runs(tmp_path: Path) -> None:
    # The example hyperopt users copy first: it must keep running as written.
    section = _readme_section("For hyperopt users")
    blocks = re.findall(r"^```python\n(.*?)^```", section, flags=re.DOTALL | re.MULTILINE)
    assert blocks, "the README's hyperopt section has no python block"
    script = tmp_path / "readme_hyperopt.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"the README's hyperopt example failed:\n{proc.stderr}"
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2, proc.stdout
    assert lines[0].startswith("{'lr': ") and "'layers': " in lines[0]
    # The two generated trials count towards max_evals=20.
    assert lines[1].startswith("20 {")
