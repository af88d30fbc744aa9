"""The package's public names: each repr fits on a line, each name has a docstring, and ``__all__``
holds every type that a public function or method returns."""

from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.reprs import REPR_LIMIT, short_repr, text_repr

ROOT = Path(__file__).resolve().parent.parent
HISTORY = [
    {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws", "name": "x"},
    {"date": "2027-01-01", "type": "azure_purchase", "amount_usd": 1e9},
    {"date": "2029-03-01", "type": "agi_declared"},
]
LAUNCH = {"date": "2029-03-02", "type": "product_launch", "kind": "api", "cloud": "aws"}


def _samples(tmp: Path) -> Iterator[object]:
    """One value of every public class, as the library's functions and methods give them."""
    rulebook = agi_terms.load_rulebook("2025-10")
    yield rulebook
    yield rulebook.lifecycle
    yield from (rulebook.rules[0], rulebook.terms[0], rulebook.parameters[0])
    agreement = agi_terms.load_agreement("2025-10", backend="python")
    yield agreement
    evaluator = agreement.compiled("2025-10")
    yield from (evaluator, evaluator.program, evaluator.backend, evaluator.machine)
    contract = agreement.start().apply_all(HISTORY)
    yield from (contract, contract.state, contract.state.agi)
    report = contract.terms(on="2031-01-01")
    yield from (report, *report.terms.values())
    decision = contract.decide(LAUNCH)
    yield from (decision, *decision.because)
    yield from (contract.explain(term="ms_research_ip", detail="full"), *contract.steps)
    yield from (c for s in contract.steps for c in s.changes)
    yield from (agi_terms.source("N6"), agi_terms.shipped_sources())
    scenario = agi_terms.load_scenario(ROOT / "simulations" / "scenarios" / "api-launches.yaml")
    simulation = agi_terms.simulate(
        scenario, overrides={"agi_trigger": "declared"}, backend="python"
    )
    yield from (scenario, simulation, *simulation.checkpoints, *simulation.overrides())
    yield from agi_terms.load_scenario(
        ROOT / "simulations" / "scenarios" / "api-launches.yaml"
    ).expectations
    with agi_terms.open_store(tmp / "store.db") as store:
        cid = store.create("2025-10")
        yield from (store, store.info(cid), store.append(cid, HISTORY))
    assumptions = agi_terms.load_assumptions(ROOT / "simulations" / "assumptions" / "default.yaml")
    yield from (assumptions, agi_terms.run_montecarlo(assumptions.model_copy(update={"runs": 50})))
    yield agi_terms.InputLimits()
    yield from (agi_terms.parse_event(e) for e in [*HISTORY, LAUNCH])
    yield agi_terms.InputError("x" * 500, place="events[0].date")
    yield agi_terms.LifecycleError('"quoted" \\ and ünicode ' * 40, place="type")


def test_every_public_repr_fits_on_a_line(tmp_path: Path) -> None:
    seen: set[str] = set()
    for value in _samples(tmp_path):
        text = repr(value)
        seen.add(type(value).__name__)
        assert len(text) < REPR_LIMIT, text
        assert "\n" not in text
    # Every public class of the package has a sample above (the store's results come from it).
    public = {n for n in agi_terms.__all__ if inspect.isclass(getattr(agi_terms, n))}
    events = {n for n in public if getattr(agi_terms, n).__module__ == "agi_terms.events"}
    # Not sampled: type aliases and enums, the abstract Store, PostgresStore (it needs a server).
    unsampled = public - seen - events
    unsampled -= {"Event", "Capability", "Level", "Store", "PostgresStore"}
    unsampled -= {n for n in public if issubclass(getattr(agi_terms, n), Exception)}
    assert not unsampled


def test_short_repr_cuts_long_values_and_the_whole() -> None:
    text = short_repr(object(), "a" * 1000, many=list(range(1000)), nested=[[[[1]]]])
    assert len(text) < REPR_LIMIT
    assert text.startswith("object('aaa")
    assert "..." in text
    assert len(short_repr(object(), *["x" * 30] * 20)) < REPR_LIMIT
    assert short_repr(object(), 1, b=2) == "object(1, b=2)"


@pytest.mark.parametrize("message", ["x", "x" * 190, "'\"\\ü" * 200, "\n" * 300])
def test_text_repr_keeps_a_message_under_the_limit(message: str) -> None:
    text = text_repr(ValueError(), message)
    assert len(text) < REPR_LIMIT
    assert text.startswith("ValueError(")
    if len(message) < 100:
        assert text == f"ValueError({message!r})"


def _public_members(value: object) -> Iterator[tuple[str, object]]:
    for name, member in vars(value).items() if inspect.isclass(value) else ():
        if name.startswith(("_", "model_")):
            continue
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if isinstance(member, property):
            member = member.fget
        if inspect.isfunction(member):
            yield name, member


def test_every_public_name_and_method_has_a_docstring() -> None:
    missing = []
    for name in agi_terms.__all__:
        value = getattr(agi_terms, name)
        if not inspect.getdoc(value) and not isinstance(value, str | tuple):
            missing.append(name)
        if inspect.isclass(value) and value.__module__.startswith("agi_terms"):
            for method, member in _public_members(value):
                if not inspect.getdoc(member):
                    missing.append(f"{name}.{method}")
    assert missing == []


def _named_types(hint: Any) -> Iterator[type]:
    if isinstance(hint, type) and not isinstance(hint, types.GenericAlias):
        yield hint
    for arg in typing.get_args(hint):
        yield from _named_types(arg)


def test_all_exports_what_public_functions_and_methods_return() -> None:
    exported = {getattr(agi_terms, n) for n in agi_terms.__all__}
    returned: dict[str, str] = {}
    for name in agi_terms.__all__:
        value = getattr(agi_terms, name)
        callables = [(name, value)] if inspect.isfunction(value) else []
        if inspect.isclass(value) and value.__module__.startswith("agi_terms"):
            callables += [(f"{name}.{m}", f) for m, f in _public_members(value)]
        for where, function in callables:
            names = {**vars(inspect.getmodule(function)), **vars(agi_terms)}
            hint = typing.get_type_hints(function, globalns=names).get("return")
            for found in _named_types(hint):
                if found.__module__.startswith("agi_terms") and found not in exported:
                    returned[found.__name__] = where
    assert returned == {}
    # Every public type importable from the package is listed too.
    listed = set(agi_terms.__all__)
    types_here = {
        n
        for n in dir(agi_terms)
        if not n.startswith("_")
        and inspect.isclass(v := getattr(agi_terms, n))
        and v.__module__.startswith("agi_terms")
    }
    assert types_here - listed == set()
    assert len(set(agi_terms.__all__)) == len(agi_terms.__all__)
    assert all(isinstance(n, str) for n in agi_terms.__all__)
    assert collections.abc.Mapping not in exported
