"""Counterexamples: a solver's model turned into a scenario that ``agi-terms simulate`` runs, and
checked on the engine before it is shown.

A launch of a product shipped on Azure before is preceded by that Azure launch, on the same day.

Among the failing states the solver prefers, in this order: parameters at their defaults, fewer
events, date parameters close to their defaults, the earliest day; amounts and FLOP are then rounded
to the fewest significant digits that still fail. The scenario replays the situation's events (a
purchase of the amount the solver chose), then decides the action on the failing day, and takes a
checkpoint on that day.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import z3

from agi_terms.analysis.prove.reach import IP_USE, TOTALS, Situation
from agi_terms.analysis.prove.smt import FLOAT_MAX, Expr, Translation, exact
from agi_terms.analysis.scenario import parse_scenario, scenario_agreement
from agi_terms.conditions import ParamRef, comparisons
from agi_terms.evaluation.contract import state_facts
from agi_terms.evaluation.explain import Explanation
from agi_terms.events import parse_event
from agi_terms.facts import ACTION_FACTS, ACTION_FIELD, LEVEL_NAMES, FactRow
from agi_terms.rulebook import Property

_EVERY_DAY = dt.date.max.toordinal()
PARTNER = "Partner Co"
"""The partner named in a counterexample's launch with a partner."""
PROVIDERS = {True: "Microsoft", False: "Oracle"}
"""The compute provider of a counterexample's ``compute_contract``, by ``provider_is_microsoft``."""
PRODUCT = "Product Co"
"""The name of a counterexample's launch of a product shipped on Azure before: an Azure launch of
that name comes first, on the same day."""


@dataclass(frozen=True)
class Counterexample:
    """A scenario that shows a failure, what the engine shows when it runs, and whether it agreed."""

    scenario: Mapping[str, Any]
    """The scenario as data (the keys of a scenario file; dates as ``datetime.date``)."""
    text: str
    """The scenario file, YAML, with a comment that says what it shows."""
    shows: str
    """What ``simulate`` (and ``explain``) show when they run it."""
    confirmed: bool
    """The engine, running the scenario, shows the failure (otherwise the prover has a defect)."""
    day: dt.date
    step: int | None
    """The step of the timeline that decides the action (0-based), if there is one."""

    def __repr__(self) -> str:
        state = "confirmed" if self.confirmed else "not confirmed"
        return f"Counterexample({self.day.isoformat()}, step {self.step}, {state})"


def solve(translation: Translation, goal: Expr) -> z3.ModelRef:
    """A model of the constraints and ``goal`` (which must be satisfiable), the simplest found."""
    opt = z3.Optimize()
    opt.add(*translation.constraints, goal)
    for held in translation.defaults().values():
        opt.add_soft(held, 1, "defaults")
    opt.minimize(translation.events)
    for param in translation.parameters.values():
        spec = param.parameter
        if spec.type == "date" and isinstance(spec.default, dt.date):
            default = z3.IntVal(spec.default.toordinal())
            far = z3.IntVal(_EVERY_DAY)
        elif spec.type == "number" and isinstance(spec.default, float):
            default, far = exact(spec.default), exact(FLOAT_MAX)
        else:
            continue
        distance = z3.If(param.value >= default, param.value - default, default - param.value)
        if param.null is not None:
            # A value moved from the default reads better than no value at all.
            distance = z3.If(param.null, far, distance)
        opt.minimize(distance)
    opt.minimize(translation.facts["day"])
    if opt.check() != z3.sat:  # pragma: no cover - the caller found the goal satisfiable
        raise RuntimeError("the solver found no model it found before")
    return _floats(translation, goal, opt.model())


def _floats(translation: Translation, goal: Expr, model: z3.ModelRef) -> z3.ModelRef:
    """The model with every real a float, rounded to few significant digits where that still fails.

    A parameter at its default keeps it.
    """
    solver = z3.Solver()
    solver.add(*translation.constraints, goal)
    defaults = {
        param.value.get_id(): float(param.parameter.default)
        for param in translation.parameters.values()
        if isinstance(param.parameter.default, int | float)
        and not isinstance(param.parameter.default, bool)
    }
    reals = []
    for variable in _variables(translation):
        value = model.eval(variable, model_completion=True)
        if z3.is_real(variable):
            reals.append((variable, value))
        else:
            solver.add(variable == value)
    for variable, value in reals:
        number = Fraction(value.numerator_as_long(), value.denominator_as_long())
        default = defaults.get(variable.get_id())
        first = [default] if default is not None and Fraction(default) == number else []
        for candidate in (*first, *_round_numbers(number)):
            solver.push()
            solver.add(variable == exact(candidate))
            if solver.check() == z3.sat:
                break
            solver.pop()
    if solver.check() != z3.sat:  # pragma: no cover - a real with no float in its range
        return model
    return solver.model()


def _as_float(value: Expr) -> float:
    """A z3 rational value as the nearest float."""
    return float(Fraction(value.numerator_as_long(), value.denominator_as_long()))


def _round_numbers(number: Fraction) -> Iterator[float]:
    """``number`` rounded to 1, 2, ... 17 significant digits (down, up, and one unit beyond each:
    a float such as 5e27 is not the decimal it prints as), then the nearest floats."""
    if number != 0:
        exponent = math.floor(math.log10(abs(float(number)) or 1e-308))
        for digits in range(1, 18):
            scale = Fraction(10) ** (exponent - digits + 1)
            low, high = math.floor(number / scale), math.ceil(number / scale)
            for rounded in (low * scale, high * scale, (high + 1) * scale, (low - 1) * scale):
                candidate = float(rounded)
                if math.isfinite(candidate):
                    yield candidate
    nearest = float(number)
    yield nearest
    yield math.nextafter(nearest, math.inf)
    yield math.nextafter(nearest, -math.inf)


def _variables(translation: Translation) -> Iterator[Expr]:
    yield translation.situation
    yield translation.events
    for param in translation.parameters.values():
        yield param.value
        if param.null is not None:
            yield param.null
    yield from translation.facts.values()


# ---------------------------------------------------------------- the scenario


def build(
    translation: Translation,
    model: z3.ModelRef,
    *,
    title: str,
    with_action: bool,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The scenario of ``model``: its situation's events, then the action (``with_action``)."""
    situation = translation.situations[_int(model, translation.situation)]
    day = dt.date.fromordinal(_int(model, translation.facts["day"]))
    overrides: dict[str, Any] = {}
    for name, param in translation.parameters.items():
        value = _parameter_value(translation, model, name)
        if value != param.parameter.default:
            overrides[name] = value
    events = [dict(e) for e in situation.events]
    for fact, index in situation.totals.items():
        events[index][TOTALS[fact].amount] = _number(model, translation.facts[fact])
    action: dict[str, Any] | None = None
    if with_action:
        action = _action_event(translation, model, situation, day)
        if action.get("name") == PRODUCT:
            events.append({"date": day, "type": "product_launch", "kind": "api", "cloud": "azure",
                           "name": PRODUCT})  # fmt: skip
        events.append(action)
    scenario: dict[str, Any] = {"name": title, "agreement": situation.start}
    if overrides:
        scenario["parameters"] = overrides
    scenario["events"] = events
    scenario["checkpoints"] = [day]
    return scenario, action


def _int(model: z3.ModelRef, variable: Expr) -> int:
    return int(model.eval(variable, model_completion=True).as_long())


def _number(model: z3.ModelRef, variable: Expr) -> float:
    return _as_float(model.eval(variable, model_completion=True))


def _bool(model: z3.ModelRef, variable: Expr) -> bool:
    return bool(z3.is_true(model.eval(variable, model_completion=True)))


def _parameter_value(translation: Translation, model: z3.ModelRef, name: str) -> object:
    param = translation.parameters[name]
    if param.null is not None and _bool(model, param.null):
        return None
    kind = param.parameter.type
    if kind == "bool":
        return _bool(model, param.value)
    if kind == "number":
        return _number(model, param.value)
    if kind == "date":
        return dt.date.fromordinal(_int(model, param.value))
    if kind == "level":
        return LEVEL_NAMES[_int(model, param.value)]
    return translation.choice_of(_int(model, param.value))


def _fact_value(translation: Translation, model: z3.ModelRef, name: str) -> object:
    spec = translation.rulebook.facts[name]
    variable = translation.facts[name]
    if spec.type == "bool":
        return _bool(model, variable)
    if spec.type == "number":
        return _number(model, variable)
    if spec.type == "choice":
        return translation.choice_of(_int(model, variable))
    return _int(model, variable)


def _action_event(
    translation: Translation, model: z3.ModelRef, situation: Situation, day: dt.date
) -> dict[str, Any]:
    """The action event whose facts are the model's (the inverse of ``facts.action_row``)."""
    action = translation.choice_of(_int(model, translation.facts[ACTION_FIELD.name]))
    event: dict[str, Any] = {"date": day, "type": action}
    capability: dict[str, str] = {}
    values = {s.name: _fact_value(translation, model, s.name) for s in ACTION_FACTS[action]}
    for spec in ACTION_FACTS[action]:
        value = values[spec.name]
        if spec.type == "level":
            assert isinstance(value, int)
            capability[spec.name] = LEVEL_NAMES[value]
        elif spec.name == "has_partner":
            if value:
                event["partner"] = PARTNER
        elif spec.name == "provider_is_microsoft":
            event["provider"] = PROVIDERS[bool(value)]
        elif spec.name == "shipped_on_azure":
            if value:
                event["name"] = PRODUCT  # launched on Azure just before (see ``build``)
        elif action == IP_USE and spec.name != "asset":
            continue  # the creation date gives them
        else:
            event[spec.name] = value
    if capability:
        event["capability"] = capability
    if action == IP_USE:
        chosen = {k: v for k, v in values.items() if k != "asset"}
        created = next(c for derived, c in situation.ip_uses if dict(derived) == chosen)
        if created != day:
            event["created_on"] = created
    return event


# ---------------------------------------------------------------- the file


def render(scenario: Mapping[str, Any], comment: Sequence[str]) -> str:
    """The scenario as a YAML 1.2 file, with ``comment`` paragraphs on top."""
    lines = [
        f"# {line}"
        for paragraph in comment
        for line in textwrap.wrap(paragraph, 98, break_on_hyphens=False, break_long_words=False)
    ]
    for key, value in scenario.items():
        if key == "parameters":
            lines.append("parameters:")
            lines.extend(f"  {k}: {_scalar(v)}" for k, v in value.items())
        elif key == "events":
            lines.append("events:" if value else "events: []")
            lines.extend(f"  - {_flow(e)}" for e in value)
        elif key == "checkpoints":
            lines.append(f"checkpoints: [{', '.join(_scalar(d) for d in value)}]")
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _flow(mapping: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in mapping.items()) + "}"


def _value(value: object) -> str:
    return _flow(value) if isinstance(value, Mapping) else _scalar(value)


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, str) and value.isidentifier():
        return value
    return json.dumps(value)


def _number_text(value: float) -> str:
    """A float as YAML 1.2 reads it back exactly, short where it can be (``2.5e+11``, ``6e+27``)."""
    short = f"{value:g}"
    text = short if float(short) == value else repr(value)
    return text if any(c in text for c in ".en") else f"{text}.0"


# ---------------------------------------------------------------- checked on the engine


@dataclass(frozen=True)
class Replay:
    """A counterexample run on the engine: the facts on its day and, for an action, why."""

    row: FactRow
    """What a property sees on the day (``Evaluator.property_row``)."""
    parameters: Mapping[str, object]
    """The version's parameters in force."""
    holds: Mapping[str, bool]
    """Each property of the version on that row."""
    explanation: Explanation | None
    step: int | None


def replay(text: str, action: Mapping[str, Any] | None, day: dt.date, rules: Path | None) -> Replay:
    """Run the scenario ``text`` on the engine (python backend) and read the day's facts."""
    scenario = parse_scenario(text)
    agreement = scenario_agreement(scenario, backend="python", rules=rules)
    try:
        events = scenario.events[:-1] if action is not None else scenario.events
        contract = agreement.start().apply_all(events)
        state = contract.state_on(day)
        evaluator = agreement.compiled(state.version)
        row = state_facts(state, day)
        explanation = None
        step = None
        if action is not None:
            event = parse_event(scenario.events[-1])
            row.update(contract.action_facts(event))
            explanation = contract.explain(action=event, detail="full")
            step = len(contract.apply(event).steps) - 1
        seen = evaluator.property_row(row)
        holds = {p.id: evaluator.holds(p, seen) for p in evaluator.rulebook.properties}
        return Replay(seen, dict(evaluator.parameters), holds, explanation, step)
    finally:
        agreement.close()


def shown_facts(translation: Translation, prop: Property, replayed: Replay) -> str:
    """The values of what ``prop`` tests, on the counterexample's day, as the engine has them."""
    rulebook = translation.rulebook
    shown: dict[str, str] = {}
    for cmp in comparisons(prop.condition):
        names = [cmp.field] + ([cmp.value.name] if isinstance(cmp.value, ParamRef) else [])
        for name in names:
            if name in rulebook.parameter_by_name:
                kind = rulebook.parameter_by_name[name].type
                shown[name] = _display(kind, replayed.parameters.get(name))
            elif name in replayed.row:
                shown[name] = _display(rulebook.facts[name].type, replayed.row[name])
    return ", ".join(f"{k}={v}" for k, v in shown.items())


def _display(kind: str, value: object) -> str:
    """A rule value (a date as its ordinal, a level as its number) or a parameter's, for people."""
    if kind == "date" and isinstance(value, int) and not isinstance(value, bool):
        return dt.date.fromordinal(value).isoformat()
    if kind == "level" and isinstance(value, int) and not isinstance(value, bool):
        return LEVEL_NAMES[value]
    if isinstance(value, float):
        return f"{value:g}"
    return _scalar(value)
