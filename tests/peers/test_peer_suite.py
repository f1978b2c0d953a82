"""The peers' suites are what they claim to be: the peers' files, a list that names real
tests, and an adapter with ``RandomizedSearchCV``'s signature."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest
from _peers_list import LIST_FILE, UPSTREAM, read_entries
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV as SklearnRandomizedSearchCV
from sklearn_adapter import RandomizedSearchCV

from skopt_hp import HyperoptSearchCV

ROOT = Path(__file__).resolve().parents[2]


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "import_peer_tests", ROOT / "scripts" / "import_peer_tests.py"
    )
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve annotations through sys.modules while the module runs.
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _recorded_version(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return re.match(r"# Copied from \S+ (\S+),", first).group(1)


def test_the_copies_are_what_the_script_writes():
    script = _load_script()
    for source in script.SOURCES:
        path = UPSTREAM / source.target
        try:
            installed = importlib.metadata.version(source.distribution)
        except importlib.metadata.PackageNotFoundError:
            pytest.skip(f"{source.distribution} is not installed (the dev extra installs it)")
        if installed != _recorded_version(path):
            pytest.skip(f"{source.distribution} {installed} is installed, not the copied version")
    stale = [p.name for p, text in script.build().items() if p.read_text(encoding="utf-8") != text]
    assert not stale, f"rerun scripts/import_peer_tests.py: {stale}"


def _defined_tests(path: Path) -> set[str]:
    """Test functions and ``Class::method`` names a module defines, and its test classes."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}::{child.name}"
                for child in node.body
                if isinstance(child, ast.FunctionDef)
            )
    return names


def test_every_line_of_the_list_names_a_test_that_exists():
    entries = read_entries()
    assert entries
    for entry in entries:
        path = UPSTREAM / entry.module
        assert path.is_file(), f"{LIST_FILE.name}:{entry.line}: no module {entry.module}"
        if entry.whole_module:
            continue
        name = entry.pattern.split("::", 1)[1].split("[", 1)[0]
        assert "*" not in name, f"{LIST_FILE.name}:{entry.line}: name a test, not a pattern"
        assert name in _defined_tests(path), f"{LIST_FILE.name}:{entry.line}: no test {name}"


def test_the_list_refuses_lines_without_a_reason(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("[not applicable]\ntest_x.py::test_y\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"list.txt:2: expected '<test id> \| <reason>'"):
        read_entries(path)
    path.write_text("[skip these]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown section \[skip these\]"):
        read_entries(path)


def test_the_adapter_has_randomized_search_cvs_parameters_and_is_hyperopt_search_cv():
    search = RandomizedSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=3, cv=2)
    ours = set(search.get_params(deep=False))
    theirs = set(SklearnRandomizedSearchCV(LogisticRegression(), {}).get_params(deep=False))
    assert ours == theirs
    assert isinstance(search, HyperoptSearchCV) and search.search_space == {"C": [0.1, 1.0]}
    defaults = {
        name: p.default
        for name, p in inspect.signature(SklearnRandomizedSearchCV).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    adapter = {
        name: p.default
        for name, p in inspect.signature(RandomizedSearchCV).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    assert repr(adapter) == repr(defaults)
    copy = clone(search).set_params(param_distributions={"C": [2.0]})
    assert copy.search_space == {"C": [2.0]} and copy.n_iter == 3
    assert search.algo == "tpe"  # HyperoptSearchCV's own default, not random search
