"""The import layers of ``skopt_hp``: no import cycle, no lower layer importing a higher one.

Every module of the package is parsed with :mod:`ast` (nothing is imported)
and every import it makes is an edge of the module graph: module-level
imports, imports inside functions (lazy imports are still dependencies),
``from . import x`` (an edge to the submodule ``x``) and imports under
``if TYPE_CHECKING:``. Layers, from the bottom (issue 12)::

    base <- space <- samplers <- trials <- fmin / persistence / tracking
         <- search <- integrations <- plot <- api

A module may import modules of its own layer or of lower ones, at import
time or inside a function alike: there is no allowed exception. Where a
lower module must call a higher one (``Trials.fmin`` runs the loop above the
store, ``Trials.save`` the file format, a search the MLflow tracker), the
higher module hands its functions down when it is imported, as
``import skopt_hp`` always does (``provide`` in ``skopt_hp._trials``,
``provide_mlflow`` in ``skopt_hp._tracking``, ``provide_joblibspark_fix`` in
``skopt_hp._search``). ``TYPE_CHECKING`` imports count too: a module that
names a higher one in its annotations depends on it all the same.
Importing a subpackage's module runs the subpackage's ``__init__`` too;
those implied edges are not drawn (every module would otherwise sit in a
cycle with ``skopt_hp/__init__.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "skopt_hp"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE

#: Layer name to rank, lowest first; layers of equal rank may import each other.
RANK = {
    "base": 0,
    "space": 1,
    "samplers": 2,
    "trials": 3,
    "fmin": 4,
    "persistence": 4,
    "tracking": 4,
    "search": 5,
    "integrations": 6,
    "plot": 7,
    "api": 8,
}

#: Every module of skopt_hp and its layer. A new module must be added here, deliberately.
LAYER_OF = {
    # Imports nothing of skopt_hp, so that every layer can raise its errors.
    "skopt_hp.exceptions": "base",
    # The space language and its compiled form.
    "skopt_hp.space": "space",
    "skopt_hp.space._apply": "space",
    "skopt_hp.space._convert": "space",
    "skopt_hp.space._grid": "space",
    "skopt_hp.space._nodes": "space",
    "skopt_hp.space._space": "space",
    "skopt_hp.hp": "space",
    "skopt_hp.pyll": "space",
    # Samplers see plain observations, never Trials.
    "skopt_hp.samplers": "samplers",
    "skopt_hp.samplers._base": "samplers",
    "skopt_hp.samplers._random": "samplers",
    "skopt_hp.samplers._tpe": "samplers",
    "skopt_hp.samplers._tpe._estimator": "samplers",
    "skopt_hp.samplers._tpe._groups": "samplers",
    "skopt_hp.samplers._tpe._parzen": "samplers",
    "skopt_hp.samplers._tpe._sampler": "samplers",
    "skopt_hp.samplers._tpe._settings": "samplers",
    "skopt_hp.samplers._tpe._split": "samplers",
    # hyperopt's acquisition criteria (numpy and scipy only; no sampler uses them).
    "skopt_hp.criteria": "samplers",
    # The trial store.
    "skopt_hp._trials": "trials",
    "skopt_hp._observed": "trials",
    # fmin's loop, hyperopt's algo modules and the pieces both loops share.
    "skopt_hp._fmin": "fmin",
    "skopt_hp._fmin_records": "fmin",
    "skopt_hp._ask": "fmin",
    "skopt_hp._evaluate": "fmin",
    "skopt_hp._process_executor": "fmin",
    "skopt_hp._progress": "fmin",
    "skopt_hp._loop": "fmin",
    "skopt_hp.early_stop": "fmin",
    "skopt_hp.rand": "fmin",
    "skopt_hp.tpe": "fmin",
    # Trial files.
    "skopt_hp._persist": "persistence",
    "skopt_hp._journal": "persistence",
    # Tracking records, switch, session and text (no tracking library).
    "skopt_hp._tracking": "tracking",
    "skopt_hp._tracking._records": "tracking",
    "skopt_hp._tracking._session": "tracking",
    "skopt_hp._tracking._switch": "tracking",
    "skopt_hp._tracking._text": "tracking",
    # The scikit-learn estimator.
    "skopt_hp._search": "search",
    "skopt_hp._search_records": "search",
    "skopt_hp._search_results": "search",
    "skopt_hp._sklearn_compat": "search",
    # Fold racing (pruning="folds"): its test, a round's race, the workers, the search's glue.
    "skopt_hp._racing": "search",
    "skopt_hp._race": "search",
    "skopt_hp._fold_runner": "search",
    "skopt_hp._search_racing": "search",
    # Successive halving: the plan, the subsampled folds, the rungs, ASHA, the estimator.
    "skopt_hp._halving": "search",
    "skopt_hp._halving_plan": "search",
    "skopt_hp._halving_rungs": "search",
    "skopt_hp._halving_splits": "search",
    "skopt_hp._asha": "search",
    # Optional extras.
    "skopt_hp.integrations": "integrations",
    "skopt_hp.integrations._spark_backend": "integrations",
    "skopt_hp.integrations._spark_jobs": "integrations",
    "skopt_hp.integrations._spark_session": "integrations",
    "skopt_hp.integrations._spark_tasks": "integrations",
    "skopt_hp.integrations.mlflow": "integrations",
    "skopt_hp.integrations.spark": "integrations",
    # Plots read trials and fitted searches.
    "skopt_hp.plot": "plot",
    "skopt_hp.plot._data": "plot",
    "skopt_hp.plot._history": "plot",
    "skopt_hp.plot._importance": "plot",
    "skopt_hp.plot._mpl": "plot",
    "skopt_hp.plot._parallel": "plot",
    "skopt_hp.plot._slice": "plot",
    # The public API, re-exported from everywhere.
    "skopt_hp": "api",
    # Being added on other branches (issue 16's hyperopt module paths); placed ahead.
    "skopt_hp.anneal": "fmin",
    "skopt_hp.base": "trials",
    "skopt_hp.fmin": "fmin",
    "skopt_hp.pyll.stochastic": "space",
    "skopt_hp.samplers._anneal": "samplers",
    "skopt_hp.sklearn": "search",
}

#: Attributes private to ``Trials``: only ``skopt_hp._trials`` may touch them on another object.
TRIALS_PRIVATE = ("_records", "_space")

#: Exceptions to the rule above, as (module, function, attribute): why.
PRIVATE_ACCESS: dict[tuple[str, str, str], str] = {}


# ---------------------------------------------------------------------------
# Reading the package
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportSite:
    """One import statement's edge: where it is and whether it runs at import time."""

    source: str
    target: str
    line: int
    function: str | None  # qualified name of the enclosing function; None at import time
    type_only: bool  # under ``if TYPE_CHECKING:``


def module_name(path: Path, root: Path) -> str:
    """``skopt_hp/a/b.py`` -> ``skopt_hp.a.b``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path) -> dict[str, Path]:
    """Module name to file, for every ``.py`` file under ``root``."""
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(base: str, known: Iterable[str]) -> str | None:
    """The longest known module that ``base`` names or lies in (None: not ours)."""
    known = set(known)
    parts = base.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


class _ImportCollector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.scope: list[str] = []
        self.function_depth = 0
        self.type_only = 0
        self.sites: list[ImportSite] = []

    def _add(self, target: str | None, node: ast.stmt) -> None:
        if target is None or target == self.module:
            return
        function = ".".join(self.scope) if self.function_depth else None
        self.sites.append(
            ImportSite(self.module, target, node.lineno, function, self.type_only > 0)
        )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1
        self.scope.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self.type_only += 1
        for child in node.body:
            self.visit(child)
        self.type_only -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == PACKAGE:
                self._add(_resolve(alias.name, self.known), node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            if node.module:
                base = f"{base}.{node.module}" if base else node.module
        elif node.module and node.module.split(".")[0] == PACKAGE:
            base = node.module
        else:
            return
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            # ``from pkg import mod`` imports the module; ``from pkg import name``, pkg.
            self._add(submodule if submodule in self.known else _resolve(base, self.known), node)


def imports_of(source: str, module: str, known: Iterable[str], *, is_package: bool = False):
    """Every import of ``module`` (its source text) of a module in ``known``."""
    collector = _ImportCollector(module, is_package, set(known))
    collector.visit(ast.parse(source))
    return collector.sites


def package_imports(root: Path) -> list[ImportSite]:
    modules = package_modules(root)
    sites = []
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        sites.extend(imports_of(path.read_text(), name, modules, is_package=is_package))
    return sites


# ---------------------------------------------------------------------------
# The graph checks
# ---------------------------------------------------------------------------
def _edges(graph: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    return {n: sorted(set(graph.get(n, ()))) for n in nodes}


def cyclic_parts(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected parts of ``graph`` that hold a cycle (Tarjan's, iterative)."""
    edges = _edges(graph)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    parts: list[set[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(edges[start]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                # Every target of ``node`` is done: close it.
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    part = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.add(member)
                        if member == node:
                            break
                    if len(part) > 1 or node in edges[node]:
                        parts.append(part)
    return sorted(parts, key=min)


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One shortest cycle through each part of :func:`cyclic_parts`, from its smallest module."""
    edges = _edges(graph)
    cycles = []
    for part in cyclic_parts(graph):
        first = min(part)
        # Breadth-first from ``first`` within the part, until an edge leads back to it.
        previous: dict[str, str] = {}
        frontier = [first]
        while first not in previous:
            following = []
            for node in frontier:
                for target in edges[node]:
                    if target in part and target not in previous:
                        previous[target] = node
                        following.append(target)
            frontier = following
        backwards = [first]
        node = previous[first]
        while node != first:
            backwards.append(node)
            node = previous[node]
        cycles.append([first, *reversed(backwards[1:])])
    return cycles


def import_graph(sites: Iterable[ImportSite]) -> dict[str, set[str]]:
    """Every module's imports: at import time, inside functions and for type checkers."""
    graph: dict[str, set[str]] = {}
    for site in sites:
        graph.setdefault(site.source, set()).add(site.target)
    return graph


def layer_violations(
    sites: Iterable[ImportSite], layer_of: Mapping[str, str]
) -> list[str]:
    """One line per import of a higher layer's module, wherever it is made."""
    problems = []
    for site in sites:
        if site.source not in layer_of or site.target not in layer_of:
            continue  # test_every_module_is_placed_in_a_layer names it
        low, high = layer_of[site.source], layer_of[site.target]
        if RANK[low] >= RANK[high]:
            continue
        where = "at import time" if site.function is None else f"in {site.function}()"
        problems.append(
            f"{site.source} ({low}) imports {site.target} ({high}) {where}, line {site.line}"
        )
    return problems


# ---------------------------------------------------------------------------
# The checks can fail
# ---------------------------------------------------------------------------
def test_find_cycles_finds_a_three_cycle_and_nothing_in_a_tree():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": set()}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"a"}}) == [["a"]]
    assert cyclic_parts(graph) == [{"a", "b", "c"}]
    # Two separate cycles, one of them inside a larger strongly connected part.
    two = find_cycles({"x": {"y"}, "y": {"x", "z"}, "z": {"y"}, "p": {"q"}, "q": {"p"}})
    assert [cycle[0] for cycle in two] == ["p", "x"]
    assert two[0] == ["p", "q"] and two[1] == ["x", "y"]


def test_imports_are_read_at_every_level_and_resolved_to_modules():
    known = {"skopt_hp", "skopt_hp.low", "skopt_hp.high", "skopt_hp.sub", "skopt_hp.sub.leaf"}
    source = "\n".join(
        [
            "import numpy",
            "from . import high",
            "from .sub import leaf, something",
            "import skopt_hp.sub.leaf.attribute",
            "from typing import TYPE_CHECKING",
            "if TYPE_CHECKING:",
            "    from .high import Thing",
            "class C:",
            "    def method(self):",
            "        from .high import fn",
        ]
    )
    sites = imports_of(source, "skopt_hp.low", known)
    found = [(s.target, s.function, s.type_only) for s in sites]
    assert found == [
        ("skopt_hp.high", None, False),
        ("skopt_hp.sub.leaf", None, False),
        ("skopt_hp.sub", None, False),
        ("skopt_hp.sub.leaf", None, False),
        ("skopt_hp.high", None, True),
        ("skopt_hp.high", "C.method", False),
    ]
    layer_of = {"skopt_hp.low": "space", "skopt_hp.high": "search", "skopt_hp.sub": "space"}
    layer_of["skopt_hp.sub.leaf"] = "space"
    problems = layer_violations(sites, layer_of)
    # The import inside the method counts as much as those at import time.
    assert len(problems) == 3 and all("skopt_hp.high (search)" in p for p in problems)
    assert any("in C.method()" in p for p in problems)
    graph = import_graph(sites)
    assert graph == {"skopt_hp.low": {"skopt_hp.high", "skopt_hp.sub", "skopt_hp.sub.leaf"}}
    # A lazy import and a TYPE_CHECKING one are edges of the cycle check on their own too.
    lazy_only = imports_of("def f():\n    from .high import g\n", "skopt_hp.low", known)
    assert import_graph(lazy_only) == {"skopt_hp.low": {"skopt_hp.high"}}
    typing_only = imports_of(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .high import T\n",
        "skopt_hp.low",
        known,
    )
    assert import_graph(typing_only) == {"skopt_hp.low": {"skopt_hp.high"}}


def test_relative_imports_in_a_package_init_resolve_from_the_package():
    known = {"skopt_hp", "skopt_hp.sub", "skopt_hp.sub.leaf", "skopt_hp.other"}
    source = "from .leaf import x\nfrom ..other import y\n"
    sites = imports_of(source, "skopt_hp.sub", known, is_package=True)
    assert [s.target for s in sites] == ["skopt_hp.sub.leaf", "skopt_hp.other"]


# ---------------------------------------------------------------------------
# The package
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sites() -> list[ImportSite]:
    return package_imports(PACKAGE_DIR)


def test_every_module_is_placed_in_a_layer():
    modules = package_modules(PACKAGE_DIR)
    missing = sorted(set(modules) - set(LAYER_OF))
    assert not missing, (
        f"Modules without a layer: {missing}. Add each to LAYER_OF in tests/test_layering.py, "
        f"in the layer whose modules it may import ({', '.join(RANK)})."
    )
    assert set(LAYER_OF.values()) <= set(RANK)


def test_no_import_cycle(sites):
    graph = import_graph(sites)
    cycles = find_cycles(graph)
    assert not cycles, "Import cycles in skopt_hp:\n" + "\n".join(
        f"{' -> '.join([*cycle, cycle[0]])} (modules importing each other: {sorted(part)})"
        for cycle, part in zip(cycles, cyclic_parts(graph), strict=True)
    )


def test_no_lower_layer_imports_a_higher_one(sites):
    problems = layer_violations(sites, LAYER_OF)
    assert not problems, (
        "Upward imports (a higher module hands its functions down instead, see the module "
        "docstring):\n" + "\n".join(problems)
    )


def test_what_higher_modules_hand_down_is_there_once_skopt_hp_is_imported(tmp_path):
    """The lower modules' calls upward work, with no import of a higher module."""
    import skopt_hp
    from skopt_hp import _search, _trials
    from skopt_hp._tracking import _switch

    assert set(_trials._provided) == set(_trials._SERVICES)
    assert _switch._mlflow and _search._joblibspark_fix
    # And the methods that use them work end to end.
    trials = skopt_hp.Trials()
    best = trials.fmin(
        lambda x: (x - 1) ** 2,
        skopt_hp.hp.uniform("x", -2, 2),
        algo=skopt_hp.rand.suggest,
        max_evals=3,
        rstate=0,
        show_progressbar=False,
    )
    assert set(best) == {"x"} and len(trials) == 3
    trials.save(tmp_path / "t.jsonl")
    assert skopt_hp.Trials.load(tmp_path / "t.jsonl").losses() == trials.losses()


def test_no_module_reads_the_private_state_of_trials():
    found = set()
    problems = []
    for name, path in package_modules(PACKAGE_DIR).items():
        if name == "skopt_hp._trials":
            continue
        tree = ast.parse(path.read_text())
        for function, node in _attributes(tree):
            if node.attr not in TRIALS_PRIVATE:
                continue
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                continue
            key = (name, function, node.attr)
            if key in PRIVATE_ACCESS:
                found.add(key)
                continue
            problems.append(f"{name}, line {node.lineno}: .{node.attr} (in {function})")
    assert not problems, (
        "Trials' private attributes used outside skopt_hp/_trials.py (use trials.records, "
        "trials.space):\n" + "\n".join(problems)
    )
    stale = sorted(set(PRIVATE_ACCESS) - found)
    assert not stale, f"PRIVATE_ACCESS entries no longer needed (remove them): {stale}"


def _attributes(tree: ast.AST, scope: tuple[str, ...] = ()):
    """``(qualified name of the enclosing definition, node)`` for every attribute access."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _attributes(child, (*scope, child.name))
            continue
        if isinstance(child, ast.Attribute):
            yield ".".join(scope) or None, child
        yield from _attributes(child, scope)


def test_no_module_of_skopt_hp_is_imported_by_a_name_in_a_string():
    # importlib.import_module("skopt_hp...") would hide an edge from every check above.
    problems = []
    for name, path in package_modules(PACKAGE_DIR).items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                called in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and (first.value.startswith(".") or first.value.split(".")[0] == PACKAGE)
            ):
                problems.append(f"{name}, line {node.lineno}: {called}({first.value!r})")
    assert not problems, "Import these modules with an import statement:\n" + "\n".join(problems)
