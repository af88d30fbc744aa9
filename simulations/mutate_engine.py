"""Mutation testing of the engine's own Python code: do the tests notice when a module is wrong?

The sibling of ``mutate_rules.py`` (which mutates the rule files): this one parses each engine module
named in ``MODULES`` and makes one small change per mutant with an AST transformer — a comparison
flipped (``==`` <-> ``!=``, ``<`` <-> ``>=``, ``in`` <-> ``not in``, ``is`` <-> ``is not``), a boolean
operator swapped (``and`` <-> ``or``), a constant tweaked (``True`` <-> ``False``, ``n`` -> ``n + 1``),
a returned value replaced by ``None``, a statement removed (a ``raise`` or a call), or an ``if``
branch never taken. Each mutant's module is written into a copy of the package that shadows the
installed one (``PYTHONPATH``), and the module's fast tests run against it (``pytest -x -q``, with a
timeout): a failing run kills the mutant. Survivors print with the reason they are equivalent to the
original (``EQUIVALENT``), or ``NOT EXPLAINED``.

    python simulations/mutate_engine.py [--all | --budget SECONDS] [--workers N] [--only TEXT]

By default a deterministic sample spread over every module runs within ``--budget`` seconds (the CI
run); ``--all`` runs every mutant. Exit status 0 when at least 90% of the non-equivalent mutants run
are killed, else 1.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "engine" / "agi_terms"

# Each module with the test files that exercise it (fast ones: the whole set runs in seconds).
MODULES: dict[str, tuple[str, ...]] = {
    "conditions.py": (
        "tests/test_conditions.py",
        "tests/test_rulebook.py",
        "tests/test_engine.py",
        "tests/test_golden.py",
    ),
    "rulebook/program.py": (
        "tests/test_conditions.py",
        "tests/test_engine.py",
        "tests/test_golden.py",
        "tests/test_rulebook.py",
    ),
    "evaluation/contract.py": (
        "tests/test_saved_contracts.py",
        "tests/test_engine.py",
        "tests/test_golden.py",
        "tests/test_errors_that_help.py",
    ),
    "evaluation/evaluator.py": (
        "tests/test_one_home.py",
        "tests/test_engine.py",
        "tests/test_golden.py",
        "tests/test_montecarlo_property.py::test_terms_columns_equal_compiled_terms_row_by_row",
    ),
    "lifecycle.py": (
        "tests/test_one_home.py",
        "tests/test_engine.py",
        "tests/test_golden.py",
        "tests/test_errors_that_help.py",
    ),
    "rulebook/parameters.py": (
        "tests/test_one_home.py",
        "tests/test_errors_that_help.py",
        "tests/test_engine.py",
    ),
    "backends/__init__.py": ("tests/test_one_home.py", "tests/test_engine.py"),
}
TIMEOUT = 120  # seconds for one mutant's tests; a mutant that loops is killed by the timeout
KILL_RATE = 0.90

# Survivors no test can kill because the change does not alter behaviour, keyed by the mutant's id
# as printed (module:line:column mutator), each with its reason.
EQUIVALENT: dict[str, str] = {}


@dataclass(frozen=True)
class Mutant:
    """One change to one module: ``source`` is the whole mutated module."""

    module: str
    line: int
    column: int
    mutator: str
    source: str

    @property
    def id(self) -> str:
        """``module:line:column mutator``, the key of ``EQUIVALENT``."""
        return f"{self.module}:{self.line}:{self.column} {self.mutator}"


# ---------------------------------------------------------------- the mutators

_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring constants (not mutated: they change no behaviour)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _annotations(tree: ast.AST) -> set[int]:
    """The ids of every node inside a type annotation (not run)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        parts: list[ast.AST | None] = []
        if isinstance(node, ast.arg):
            parts.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            parts.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            parts.append(node.annotation)
        for part in parts:
            if part is not None:
                found.update(id(inner) for inner in ast.walk(part))
    return found


def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, str, int]]:
    """Every (node, mutator, variant) this module offers, in source order."""
    skip = _docstrings(tree) | _annotations(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                if type(op) in _FLIPS:
                    yield node, f"compare {type(op).__name__}->{_FLIPS[type(op)].__name__}", index
        elif isinstance(node, ast.BoolOp):
            yield node, "and->or" if isinstance(node.op, ast.And) else "or->and", 0
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                yield node, f"constant {node.value}->{not node.value}", 0
            elif isinstance(node.value, int) and not isinstance(node.value, bool):
                yield node, f"constant {node.value}->{node.value + 1}", 0
        elif isinstance(node, ast.Return) and node.value is not None:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                yield node, "return None", 0
        elif isinstance(node, ast.Raise):
            yield node, "remove raise", 0
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield node, "remove call", 0
        elif isinstance(node, ast.If):
            yield node, "if never taken", 0


def _mutate(node: ast.AST, mutator: str, variant: int) -> ast.AST:
    """The replacement for ``node`` (a new node; the tree is copied before)."""
    if isinstance(node, ast.Compare):
        ops = list(node.ops)
        ops[variant] = _FLIPS[type(ops[variant])]()
        return ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
    if isinstance(node, ast.BoolOp):
        return ast.BoolOp(
            op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=node.values
        )
    if isinstance(node, ast.Constant):
        value = node.value
        return ast.Constant(value=(not value) if isinstance(value, bool) else value + 1)
    if isinstance(node, ast.Return):
        return ast.Return(value=ast.Constant(value=None))
    if isinstance(node, ast.Raise | ast.Expr):
        return ast.Pass()
    if isinstance(node, ast.If):
        return ast.If(test=ast.Constant(value=False), body=node.body, orelse=node.orelse)
    raise AssertionError(mutator)


class _Replace(ast.NodeTransformer):
    def __init__(self, target: int, mutator: str, variant: int) -> None:
        self.target, self.mutator, self.variant = target, mutator, variant
        self.count = -1

    def generic_visit(self, node: ast.AST) -> ast.AST:
        return super().generic_visit(node)

    def visit(self, node: ast.AST) -> ast.AST:
        self.count += 1
        if self.count == self.target:
            return ast.copy_location(_mutate(node, self.mutator, self.variant), node)
        return self.generic_visit(node)


def mutants(module: str) -> list[Mutant]:
    """Every mutant of ``module`` (a path under the package), in source order."""
    source = (PACKAGE / module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    order = {id(node): index for index, node in enumerate(_preorder(tree))}
    found: list[Mutant] = []
    for node, mutator, variant in _sites(tree):
        copy = ast.parse(source)
        changed = _Replace(order[id(node)], mutator, variant).visit(copy)
        text = ast.unparse(ast.fix_missing_locations(changed))
        line, column = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
        found.append(Mutant(module, line, column, mutator, text))
    found.sort(key=lambda m: (m.line, m.column, m.mutator))
    return found


def _preorder(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes in the order ``NodeTransformer.visit`` reaches them."""
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _preorder(child)


# ---------------------------------------------------------------- running them


def run_mutant(mutant: Mutant, home: Path) -> bool:
    """Whether the module's tests fail with ``mutant`` in place (in the package copy ``home``)."""
    target = home / "agi_terms" / mutant.module
    original = target.read_text(encoding="utf-8")
    target.write_text(mutant.source, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             *MODULES[mutant.module]],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT,
        )  # fmt: skip
        return proc.returncode != 0
    except subprocess.TimeoutExpired:
        return True
    finally:
        target.write_text(original, encoding="utf-8")


def _sample(every: list[Mutant], count: int) -> list[Mutant]:
    """``count`` mutants spread evenly over ``every`` (deterministic)."""
    if count >= len(every):
        return every
    step = len(every) / count
    return [every[int(index * step)] for index in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="run every mutant")
    parser.add_argument("--budget", type=float, default=240.0, help="seconds for the sample")
    parser.add_argument("--per-module", type=int, default=0, help="mutants per module (sample)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="only mutants whose id contains this")
    args = parser.parse_args(argv)
    workers = max(1, min(args.workers, 2))

    every = {module: [m for m in mutants(module) if args.only in m.id] for module in MODULES}
    unknown = set(EQUIVALENT) - {m.id for ms in every.values() for m in ms}
    if unknown and not args.only:
        print("EQUIVALENT names mutants the script does not make:", *sorted(unknown), sep="\n  ")
        return 1
    run: dict[str, list[Mutant]] = {}
    for module, found in every.items():
        live = [m for m in found if m.id not in EQUIVALENT]
        if args.all or args.only:
            run[module] = live
        else:
            per = args.per_module or max(1, int(args.budget * workers / 9 / len(MODULES)))
            run[module] = _sample(live, per)
    print(f"mutants: {sum(len(v) for v in every.values())} made,"
          f" {sum(len(v) for v in run.values())} run ({workers} workers)")  # fmt: skip

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        homes = [Path(tmp) / f"w{index}" for index in range(workers)]
        for home in homes:
            shutil.copytree(PACKAGE, home / "agi_terms",
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        queue = [m for module in MODULES for m in run[module]]
        free = list(homes)

        def job(mutant: Mutant) -> tuple[Mutant, bool]:
            home = free.pop()
            try:
                killed = run_mutant(mutant, home)
            finally:
                free.append(home)
            print(f"{'killed' if killed else 'SURVIVED'} {mutant.id}", flush=True)
            return mutant, killed

        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(job, queue))

    killed_by: dict[str, int] = dict.fromkeys(MODULES, 0)
    survivors: list[Mutant] = []
    for mutant, killed in results:
        if killed:
            killed_by[mutant.module] += 1
        else:
            survivors.append(mutant)
    for module in MODULES:
        total = len(run[module])
        rate = killed_by[module] / total if total else 1.0
        equivalent = sum(1 for m in every[module] if m.id in EQUIVALENT)
        print(f"{module}: killed {killed_by[module]}/{total} ({rate:.1%});"
              f" {equivalent} equivalent not run")  # fmt: skip
    for mutant in survivors:
        print(f"SURVIVED {mutant.id}: NOT EXPLAINED")
    for key, reason in sorted(EQUIVALENT.items()):
        print(f"equivalent {key}: {reason}")
    total = len(results)
    rate = (total - len(survivors)) / total if total else 1.0
    print(f"kill rate: {rate:.1%} of {total} non-equivalent mutants"
          f" in {time.monotonic() - started:.0f} s")  # fmt: skip
    return 0 if rate >= KILL_RATE else 1


if __name__ == "__main__":
    sys.exit(main())
