"""Runs the peers' own test files (``upstream/``) against skopt_hp.

* ``not_applicable.txt`` says which upstream tests do not run as passing tests
  here and why: they are skipped ("not applicable", "wording") or expected to
  fail until a branch lands ("pending <branch>": ``xfail(strict=True)``, so
  the fix makes them fail until their line is removed). An entry naming a
  whole module stands for every test defined in it; such a module is not
  imported (it imports internals skopt_hp does not have), its tests are listed
  from its source and reported as skipped.
* scikit-learn's ``test_search.py`` tests many classes; only its tests that run
  ``RandomizedSearchCV`` (the adapter, ``sklearn_adapter.py``) are ours. The
  others are skipped by the rule in :func:`_runs_randomized_search`, with that
  reason, as the list file says.
* hyperopt's Spark tests share the test run's Spark session (one per worker,
  the ``spark`` xdist group, as ``tests/spark``).
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from pathlib import Path

import pytest
from _peers_list import HERE, LIST_FILE, UPSTREAM, read_entries

SKLEARN_MODULE = "test_sklearn_search.py"
SPARK_MODULE = "test_hyperopt_spark.py"

# The Spark tests' skip rule (no pyspark, joblibspark or Java; an error in CI instead).
sys.path.insert(0, str(HERE.parent / "spark"))
from _spark_helpers import SKIP_REASON as SPARK_SKIP_REASON  # noqa: E402
from _spark_helpers import classic_session  # noqa: E402

sys.path.pop(0)

#: The skip reason of scikit-learn tests that run no RandomizedSearchCV.
NO_RANDOMIZED_SEARCH = (
    "not applicable: runs no RandomizedSearchCV (GridSearchCV, the halving searches, "
    "ParameterGrid, ParameterSampler or helpers only)"
)


ENTRIES = read_entries()
WHOLE_MODULES = {entry.module: entry for entry in ENTRIES if entry.whole_module}


def upstream_id(item: pytest.Item) -> str | None:
    """``item``'s id relative to ``upstream/`` (None for tests outside it)."""
    path = Path(item.path)
    if path.parent != UPSTREAM:
        return None
    return "::".join([path.name, *item.nodeid.split("::")[1:]])


# ---------------------------------------------------------------------------
# Modules that do not apply as a whole: listed from their source, not imported
# ---------------------------------------------------------------------------
class NotApplicableItem(pytest.Item):
    def __init__(self, *, lineno: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lineno = lineno

    def runtest(self) -> None:  # pragma: no cover - always skipped by its marker
        raise AssertionError("a not-applicable test must be skipped")

    def reportinfo(self):
        return self.path, self.lineno, self.name


class NotApplicableModule(pytest.File):
    """One skipped item per test the module defines (classes: per own test method)."""

    def collect(self):
        entry = WHOLE_MODULES[self.path.name]
        tree = ast.parse(self.path.read_text(encoding="utf-8"))
        names: list[tuple[str, int]] = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                names.append((node.name, node.lineno - 1))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                methods = [
                    (f"{node.name}::{child.name}", child.lineno - 1)
                    for child in node.body
                    if isinstance(child, ast.FunctionDef) and child.name.startswith("test")
                ]
                # A class whose tests all come from a mixin counts as one.
                names.extend(methods or [(node.name, node.lineno - 1)])
        for name, lineno in names:
            item = NotApplicableItem.from_parent(self, name=name, lineno=lineno)
            item.add_marker(entry.marker())
            yield item


def pytest_configure(config: pytest.Config) -> None:
    # scikit-learn's marker for pytest-run-parallel, which these runs do not use.
    config.addinivalue_line("markers", "thread_unsafe: not safe to run in parallel threads")


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector):
    if module_path.parent == UPSTREAM and module_path.name in WHOLE_MODULES:
        return NotApplicableModule.from_parent(parent, path=module_path)
    return None


# ---------------------------------------------------------------------------
# Which scikit-learn tests are ours
# ---------------------------------------------------------------------------
def _search_classes() -> tuple[tuple[type, ...], type]:
    from sklearn.model_selection import ParameterGrid, ParameterSampler
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn_adapter import RandomizedSearchCV

    return (BaseSearchCV, ParameterGrid, ParameterSampler), RandomizedSearchCV


def _unwrap(value: object) -> object:
    while isinstance(value, functools.partial):
        value = value.func
    return value if isinstance(value, type) else type(value)


def _runs_randomized_search(item: pytest.Item) -> bool:
    """Whether a scikit-learn test runs RandomizedSearchCV (its body names it, and its
    parametrisation, if it picks a search class, picks the adapter)."""
    if "RandomizedSearchCV" not in inspect.getsource(item.function):
        return False
    searches, adapter = _search_classes()
    params = getattr(getattr(item, "callspec", None), "params", {})
    picked = [cls for cls in map(_unwrap, params.values()) if issubclass(cls, searches)]
    return not picked or any(issubclass(cls, adapter) for cls in picked)


# ---------------------------------------------------------------------------
# Spark: the run's shared session
# ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _peers_spark_session():
    from pyspark.sql import SparkSession

    # A classic session (hyperopt's tests use its sparkContext), even when the run
    # made a Spark Connect one first; the one tests/spark uses when both run here.
    created = SparkSession.getActiveSession() is None
    session = classic_session()
    yield session
    # Stopped here only if started here and still running (tests/spark stops its own).
    if created and SparkSession.getActiveSession() is session:
        session.stop()


@pytest.fixture(scope="module", autouse=True)
def _peers_spark(request):
    """hyperopt's Spark test classes on the shared session.

    Their ``setUpClass`` gets it (``SparkSession.builder...getOrCreate()``);
    their ``tearDownClass`` would stop it for every later Spark test of this
    worker, so ``stop`` does nothing while the module runs. Functions of the
    module go to the executors by value: they cannot import a test module.
    """
    if Path(request.path).name != SPARK_MODULE or SPARK_SKIP_REASON is not None:
        yield None
        return
    session = request.getfixturevalue("_peers_spark_session")
    from pyspark import cloudpickle
    from pyspark.sql import SparkSession

    cloudpickle.register_pickle_by_value(request.module)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SparkSession, "stop", lambda self: None)
        yield session


@pytest.fixture(autouse=True)
def _seeded_global_rng(request):
    """scikit-learn's tests leave ``random_state=None`` in places: it then draws from numpy's
    global generator, seeded here per test so that a test's outcome does not change from run
    to run (hyperopt's ``rstate=None`` draws fresh entropy, in hyperopt as here)."""
    if Path(request.path).name == SKLEARN_MODULE:
        import numpy as np

        np.random.seed(0)


#: Upstream tests taking more than ~3 s on an idle 2-core machine (marked ``slow``).
SLOW = {
    "test_hyperopt_spark.py::FMinTestCase::test_quadratic1_tpe",
    "test_hyperopt_fmin.py::test_timeout",
    "test_sklearn_search.py::test_search_cv_sample_weight_equivalence[estimator1]",
    "test_sklearn_search.py::test_n_features_in",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        test_id = upstream_id(item)
        if test_id is None:
            continue
        module = test_id.split("::", 1)[0]
        if test_id in SLOW:
            item.add_marker(pytest.mark.slow)
        if module == SPARK_MODULE:
            item.add_marker(pytest.mark.xdist_group("spark"))
            if SPARK_SKIP_REASON is not None:
                item.add_marker(pytest.mark.skip(reason=SPARK_SKIP_REASON))
        if module in WHOLE_MODULES:
            continue
        matched = [entry for entry in ENTRIES if entry.regex.match(test_id)]
        if len(matched) > 1:
            lines = ", ".join(str(entry.line) for entry in matched)
            raise pytest.UsageError(f"{test_id} matches several lines of {LIST_FILE.name}: {lines}")
        if matched:
            item.add_marker(matched[0].marker())
        elif module == SKLEARN_MODULE and not _runs_randomized_search(item):
            item.add_marker(pytest.mark.skip(reason=NO_RANDOMIZED_SEARCH))
