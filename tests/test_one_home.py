"""Each concept has one home: the AGI transitions in the phase machine, comparison semantics in one
table, the accepted parameter names in one rule, the backends in one registry, one way to load a
saved contract; and a contract's terms are a value no caller can change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import agi_terms
import numpy as np
import pytest
from agi_terms.backends import BACKEND_NAMES, BACKENDS, make_backend
from agi_terms.backends.python import compile_predicate
from agi_terms.backends.vectorised import VectorisedBackend
from agi_terms.conditions import COMPARISONS, OPERATORS, Compare, compare_values, render
from agi_terms.events import AGI_TYPES
from agi_terms.facts import AgiHistory
from agi_terms.lifecycle import AGI_TRANSITIONS, PhaseMachine
from agi_terms.rulebook.parameters import accepted_names, check_names, resolve_parameters

DAY = dt.date(2034, 1, 1)
PENDING = AgiHistory().declare(dt.date(2033, 6, 1))
VERIFIED = PENDING.verify(dt.date(2033, 7, 1))


def machine(version: str = "2025-10") -> PhaseMachine:
    rulebook = agi_terms.load_rulebook(version)
    return PhaseMachine(rulebook.lifecycle, version)


# ------------------------------------------------------------ the lifecycle


def test_the_agi_transitions_are_the_agi_events() -> None:
    assert set(AGI_TRANSITIONS) == AGI_TYPES
    assert AGI_TRANSITIONS["agi_declared"].effect(AgiHistory(), DAY).pending
    assert AGI_TRANSITIONS["panel_verified"].effect(PENDING, DAY).verified_on == DAY
    assert AGI_TRANSITIONS["panel_rejected"].effect(PENDING, DAY) == AgiHistory(declarations=1)


def test_the_machine_holds_the_requirements_of_each_agi_event_as_conditions() -> None:
    found = machine().machine.get_transitions("agi_declared", "post_2032", "post_2032")
    assert [c.func for c in found[0].conditions] == [
        "no_declaration_pending",
        "not_verified",
        "no_declaration_live",
    ]
    (verdict,) = machine().machine.get_transitions("panel_verified", "panel_review", "post_agi")
    assert [c.func for c in verdict.conditions] == ["declaration_pending"]
    (gate,) = machine().machine.get_transitions("term_ends", "pre_agi", "post_2032")
    assert gate.conditions == []


@pytest.mark.parametrize(
    ("version", "phase", "trigger", "agi", "message"),
    [
        ("2025-10", "post_2032", "agi_declared", PENDING, "a declaration is already pending"),
        ("2025-10", "post_2032", "agi_declared", VERIFIED,
         "AGI has already been verified; there is nothing to declare"),
        ("2025-10", "post_2032", "panel_verified", AgiHistory(),
         "panel_verified: no declaration is pending"),
        ("2025-10", "post_2032", "panel_rejected", VERIFIED,
         "panel_rejected: no declaration is pending"),
        ("2025-10", "panel_review", "agi_declared", PENDING, "a declaration is already pending"),
        ("2025-10", "pre_agi", "panel_rejected", AgiHistory(),
         "panel_rejected: no declaration is pending"),
        ("2025-10", "post_agi", "panel_verified", PENDING,
         "panel_verified is not allowed in phase post_agi"),
        ("2025-01", "post_agi", "agi_declared", PENDING,
         "AGI has already been declared (the board's declaration is final)"),
        ("2025-01", "pre_agi", "panel_verified", PENDING,
         "panel_verified is not an event of agreement 2025-01"),
    ],
)  # fmt: skip
def test_the_machine_refuses_with_the_reason(
    version: str, phase: str, trigger: str, agi: AgiHistory, message: str
) -> None:
    with pytest.raises(agi_terms.LifecycleError) as caught:
        machine(version).fire(phase, trigger, agi)
    assert caught.value.message.startswith(message), caught.value.message
    assert not machine(version).allows(phase, trigger, agi)


@pytest.mark.parametrize(
    ("phase", "trigger", "agi", "after"),
    [
        ("pre_agi", "agi_declared", AgiHistory(), "panel_review"),
        ("panel_review", "panel_verified", PENDING, "post_agi"),
        ("panel_review", "panel_rejected", PENDING, "pre_agi"),
        ("post_2032", "agi_declared", AgiHistory(), "post_2032"),
        ("post_2032", "panel_rejected", PENDING, "post_2032"),
    ],
)
def test_the_machine_moves_when_its_conditions_hold(
    phase: str, trigger: str, agi: AgiHistory, after: str
) -> None:
    assert machine().fire(phase, trigger, agi) == after
    assert machine().allows(phase, trigger, agi)


def test_a_gate_moves_the_phases_it_leaves_and_keeps_the_others() -> None:
    m = machine()
    end = dt.date(2033, 1, 1)
    assert m.after_gate("panel_review", end, PENDING) == "post_2032"
    assert m.after_gate("post_2032", end, PENDING) == "post_2032"
    assert m.after_gate("pre_agi", end - dt.timedelta(days=1), AgiHistory()) == "pre_agi"


def test_the_file_conditions_run_after_the_requirements() -> None:
    # A verdict in post_2032 that the file also conditions on no live declaration: the requirement
    # (a pending declaration) holds, the file's condition does not, and the machine says so.
    lifecycle = agi_terms.load_rulebook("2025-10").lifecycle
    changed = tuple(
        dataclasses.replace(t, conditions=("no_declaration_live",))
        if t.trigger == "panel_verified" and t.sources == ("post_2032",)
        else t
        for t in lifecycle.transitions
    )
    strict = PhaseMachine(dataclasses.replace(lifecycle, transitions=changed), "2025-10")
    with pytest.raises(agi_terms.LifecycleError) as caught:
        strict.fire("post_2032", "panel_verified", PENDING)
    assert caught.value.message == (
        "panel_verified is not allowed in phase post_2032:"
        " a declaration is already pending or verified"
    )
    assert machine().fire("post_2032", "panel_verified", PENDING) == "post_2032"


# ------------------------------------------------------------ comparisons


@pytest.mark.parametrize("op", list(COMPARISONS))
def test_every_evaluator_of_a_comparison_agrees_with_the_table(op: str) -> None:
    values = [-1.5, 0, 0.0, 1, 2.5, 1e300]
    program = agi_terms.load_agreement("2025-10", backend="python").compiled("2025-10").program
    vectorised = VectorisedBackend(program)
    for left, right in itertools.product(values, repeat=2):
        condition = Compare(op, "azure_purchased_usd", right, "when")  # type: ignore[arg-type]
        expected = bool(COMPARISONS[op].holds(left, right))  # type: ignore[index]
        assert compare_values(op, left, right) is expected  # type: ignore[arg-type]
        assert compile_predicate(condition)({"azure_purchased_usd": left}) == expected
        mask = vectorised._compile(condition)({"azure_purchased_usd": np.array([left])})
        assert bool(np.asarray(mask)[0]) == expected
    spelled = COMPARISONS[op].key  # type: ignore[index]
    assert (OPERATORS[spelled] == op) if spelled else op == "eq"
    assert COMPARISONS[op].symbol in render(Compare(op, "day", 3, "when"))  # type: ignore[arg-type,index]


# ------------------------------------------------------------ parameter names


def test_the_accepted_names_are_the_versions_own_and_those_it_may_amend_to() -> None:
    older = agi_terms.load_rulebook("2025-01")
    own = set(older.parameter_by_name)
    assert accepted_names(older, ()) == own
    later = set(agi_terms.load_rulebook("2026-04").parameter_by_name)
    assert accepted_names(older, ["2026-04"]) == own | later
    assert accepted_names(older) >= own | later
    assert accepted_names(older, ["no-such-version"]) == own


def test_an_unknown_name_is_refused_with_a_hint_at_its_place() -> None:
    rulebook = agi_terms.load_rulebook("2025-10")
    with pytest.raises(agi_terms.UnknownParameterError) as caught:
        check_names(rulebook, ["agi_triger"])
    assert caught.value.place == "parameters.agi_triger"
    assert "did you mean 'agi_trigger'?" in caught.value.message
    foreign = next(iter(accepted_names(rulebook) - set(rulebook.parameter_by_name)))
    check_names(rulebook, [foreign], accepted_names(rulebook))
    assert foreign not in resolve_parameters(rulebook, {foreign: None}, {foreign})
    with pytest.raises(agi_terms.UnknownParameterError):
        resolve_parameters(rulebook, {foreign: None})


def test_agreement_scenario_and_population_share_the_rule() -> None:
    older = agi_terms.load_rulebook("2025-01")
    foreign = sorted(accepted_names(older) - set(older.parameter_by_name))[0]
    agi_terms.load_agreement("2025-01", {foreign: agi_terms.load_rulebook("2025-10").defaults()
                                         .get(foreign)}, backend="python")  # fmt: skip
    scenario = agi_terms.parse_scenario(
        f"agreement: '2025-01'\nparameters: {{{foreign}: null}}\nevents: []\n"
    )
    with pytest.raises(agi_terms.UnknownParameterError) as caught:
        agi_terms.simulate(scenario, backend="python")
    assert foreign in caught.value.message


# ------------------------------------------------------------ backends


def test_the_registry_builds_every_backend_by_name() -> None:
    assert tuple(BACKENDS) == BACKEND_NAMES
    assert "vectorised" in BACKEND_NAMES
    program = agi_terms.load_agreement("2025-10", backend="python").compiled("2025-10").program
    built = make_backend("vectorised", program)
    assert isinstance(built, VectorisedBackend)
    assert built.name == "vectorised"
    with pytest.raises(agi_terms.BackendError, match="backends: durable, python, vectorised"):
        make_backend("rete", program)


def test_the_vectorised_backend_decides_as_the_python_one() -> None:
    events = [
        {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws"},
        {"date": "2029-03-01", "type": "agi_declared"},
        {"date": "2029-06-01", "type": "panel_verified"},
        {"date": "2030-01-01", "type": "product_launch", "kind": "api", "cloud": "gcp"},
    ]
    python = agi_terms.load_agreement("2025-10", backend="python").start().apply_all(events)
    columns = agi_terms.load_agreement("2025-10", backend="vectorised").start().apply_all(events)
    assert columns.steps == python.steps
    assert columns.terms(on="2033-06-01") == python.terms(on="2033-06-01")


# ------------------------------------------------------------ saved contracts and terms


def test_one_way_to_load_a_saved_contract() -> None:
    assert not hasattr(agi_terms.Contract, "from_json")
    assert not hasattr(agi_terms.Agreement, "contract_from_json")
    agreement = agi_terms.load_agreement("2025-10", backend="python")
    saved = agreement.start().apply({"date": "2029-03-01", "type": "agi_declared"}).to_json()
    assert agi_terms.load_contract(saved, agreement=agreement).agreement is agreement
    with pytest.raises(agi_terms.InputError, match="not both"):
        agi_terms.load_contract(saved, "python", agreement=agreement)
    other = agi_terms.load_agreement("2026-04", backend="python")
    with pytest.raises(agi_terms.InputError) as caught:
        agi_terms.load_contract(saved, agreement=other)
    assert caught.value.place == "agreement"


def test_contract_terms_are_read_only_and_never_shared_mutably() -> None:
    agreement = agi_terms.load_agreement("2025-10", backend="python")
    first, second = agreement.start(), agreement.start()
    before = dict(second.current_terms)
    for terms in (first.current_terms, first.start_terms):
        with pytest.raises(TypeError):
            terms["ms_research_ip"] = False  # type: ignore[index]
    assert dict(second.current_terms) == before
    assert second.terms().in_force() == before
    launches = first.apply(
        {"date": "2026-01-01", "type": "product_launch", "kind": "api", "cloud": "azure",
         "name": "x"}
    ).azure_launches  # fmt: skip
    assert launches is not None
    with pytest.raises(TypeError):
        launches["y"] = 0  # type: ignore[index]
    # A contract put together from plain dicts (as a store does) copies them.
    given = dict(before)
    built = agi_terms.Contract(agreement, first.state, current_terms=given)
    given["ms_research_ip"] = not given["ms_research_ip"]
    assert dict(built.current_terms) == before
