"""The rulebook: one agreement version's rule files, loaded, validated and cited.

A version is a folder under ``rules/`` holding ``agreement.yaml`` (what the version is),
``lifecycle.yaml`` (phases and transitions), ``parameters.yaml`` (readings the public text leaves
open), ``terms.yaml`` (every term and the rules that put it in or out of force) and
``decisions.yaml`` (the rules that decide each action), and optionally ``properties.yaml`` (what
holds in every state, for every parameter value: SPEC §16). Every citation resolves in the source
register (``sources.yaml`` beside the version folders; the shipped one otherwise). Loading refuses a
rule, parameter or property without a source, a source id the register lacks, an unknown operator or
fact, a duplicate id, a term or action without a rule, and names the file, the rule (or property) and
the key.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from agi_terms.conditions import (
    Always,
    Compare,
    Condition,
    ConditionSyntaxError,
    ParamRef,
    comparisons,
    parse_condition,
)
from agi_terms.documents import Document, read_resource
from agi_terms.errors import AgiTermsError, RulebookError, UnknownVersionError, split_path
from agi_terms.events import LIFECYCLE_TYPES, Level
from agi_terms.facts import (
    ACTION_FACTS,
    ACTION_FIELD,
    DECISION_FACTS,
    PHASE_FACT_NAME,
    STATE_FACTS,
    FactSpec,
    FactType,
)
from agi_terms.lifecycle import (
    TRANSITION_CONDITIONS,
    CalendarGate,
    Lifecycle,
    Phase,
    Placement,
    Transition,
)
from agi_terms.rulebook.model import (
    Obligation,
    Parameter,
    Property,
    Rule,
    Rulebook,
    Term,
    term_dependencies,
)
from agi_terms.rulebook.schema import (
    AgreementFile,
    DecisionsFile,
    LifecycleFile,
    ParametersFile,
    PropertiesFile,
    RuleEntry,
    TermsFile,
    check_citation,
    rule_error,
    validated,
)
from agi_terms.rulebook.sources import FILE as SOURCES_FILE
from agi_terms.rulebook.sources import SourceRegister, load_sources, register_beside

FILES = ("agreement.yaml", "lifecycle.yaml", "parameters.yaml", "terms.yaml", "decisions.yaml")
OPTIONAL_FILES = ("properties.yaml",)
"""Rule files a version may leave out (a version without ``properties.yaml`` states none)."""

# ---------------------------------------------------------------- locating rule folders


def shipped_rules() -> Traversable:
    """The folder of shipped versions: inside the installed package, or ``rules/`` of a checkout."""
    packaged = resources.files("agi_terms").joinpath("_rules")
    if packaged.is_dir():
        return packaged
    # A source checkout or an editable install: rules/ stands beside the package, not the CWD.
    return Path(__file__).resolve().parents[3] / "rules"


def available_versions() -> tuple[str, ...]:
    """The shipped agreement versions, oldest first."""
    root = shipped_rules()
    return tuple(
        sorted(
            p.name for p in root.iterdir() if p.is_dir() and p.joinpath("agreement.yaml").is_file()
        )
    )


@functools.lru_cache(maxsize=1)
def shipped_sources() -> SourceRegister:
    """The shipped source register, ``rules/sources.yaml`` (cached: the result is immutable)."""
    return load_sources(shipped_rules().joinpath(SOURCES_FILE), label=f"rules/{SOURCES_FILE}")


def sources_for(folder: Traversable | Path | str) -> SourceRegister:
    """The register a version folder's citations resolve in: ``sources.yaml`` in its parent
    folder when there is one, else the shipped register."""
    root: Traversable = Path(folder) if isinstance(folder, str) else folder
    beside = register_beside(root) if isinstance(root, Path) else None
    shipped = shipped_rules().joinpath(SOURCES_FILE)
    if beside is None or (isinstance(shipped, Path) and beside == shipped.resolve()):
        return shipped_sources()
    return load_sources(beside)


@functools.lru_cache(maxsize=16)
def load_rulebook(version: str) -> Rulebook:
    """Load and validate a shipped version (cached: the result is immutable)."""
    folder = shipped_rules().joinpath(version)
    if not re.fullmatch(r"\d{4}-\d{2}", version) or not folder.is_dir():
        known = ", ".join(available_versions())
        raise UnknownVersionError(f"unknown agreement version {version!r}; shipped: {known}")
    return load_rulebook_from(folder, label=f"rules/{version}", sources=shipped_sources())


def load_rulebook_from(
    folder: Traversable | Path | str,
    label: str | None = None,
    *,
    sources: SourceRegister | None = None,
) -> Rulebook:
    """Load and validate a rule folder (a shipped one or any other, e.g. for ``agi-terms check``).

    Its citations resolve in ``sources``; by default in the ``sources.yaml`` of the folder's parent
    folder when there is one, else in the shipped register.
    """
    root: Traversable = Path(folder) if isinstance(folder, str) else folder
    name = label or str(root)
    register = sources if sources is not None else sources_for(root)
    docs: dict[str, Document] = {}
    for file in (*FILES, *OPTIONAL_FILES):
        entry = root.joinpath(file)
        where = f"{name}/{file}"
        if not entry.is_file():
            if file in OPTIONAL_FILES:
                continue
            raise RulebookError(f"missing rule file {file}", file=where)
        try:
            docs[file] = read_resource(entry, where)
        except AgiTermsError as exc:  # an InputError carrying the YAML position
            raise RulebookError(
                exc.message, place=exc.path, line=exc.line, column=exc.column, file=where
            ) from None
    return _Loader(docs, name, register).build()


# ---------------------------------------------------------------- validation


class _Loader:
    def __init__(self, docs: Mapping[str, Document], name: str, register: SourceRegister) -> None:
        self.docs = docs
        self.name = name
        self.register = register

    # -- helpers

    def fail(
        self,
        file: str,
        path: Sequence[int | str],
        message: str,
        rule: str | None = None,
        kind: str | None = None,
    ) -> RulebookError:
        return rule_error(self.docs[file], path, message, rule, kind)

    def model(self, file: str, schema: type[BaseModel]) -> Any:
        return validated(self.docs[file], schema, self.register)

    # -- the build

    def build(self) -> Rulebook:
        agreement: AgreementFile = self.model("agreement.yaml", AgreementFile)
        lifecycle = self.lifecycle()
        parameters = self.parameters()
        facts = self.fact_space(lifecycle)
        lifecycle = self.placement(lifecycle, facts, parameters)
        terms_file: TermsFile = self.model("terms.yaml", TermsFile)
        decisions_file: DecisionsFile = self.model("decisions.yaml", DecisionsFile)

        seen: dict[str, str] = {}
        term_ids = [t.id for t in terms_file.terms]
        for i, term in enumerate(terms_file.terms):
            self.unique(seen, term.id, "terms.yaml", ["terms", i, "id"])
        for i, ob in enumerate(decisions_file.obligations):
            self.unique(seen, ob.id, "decisions.yaml", ["obligations", i, "id"])

        term_facts = {t: FactSpec(t, "bool", f"the term {t} is in force") for t in term_ids}
        terms: list[Term] = []
        for i, term in enumerate(terms_file.terms):
            if term.id in facts or term.id in {p.name for p in parameters}:
                raise self.fail(
                    "terms.yaml",
                    ["terms", i, "id"],
                    f"term id {term.id!r} is also a fact or parameter name",
                )
            if not term.rules:
                raise self.fail(
                    "terms.yaml", ["terms", i, "rules"], f"term {term.id!r} has no rule"
                )
            rules = []
            for j, entry in enumerate(term.rules):
                path: list[int | str] = ["terms", i, "rules", j]
                self.unique(seen, entry.id, "terms.yaml", [*path, "id"])
                if entry.effect not in ("grant", "end"):
                    raise self.fail(
                        "terms.yaml",
                        [*path, "effect"],
                        f"a term rule's effect is grant or end, got {entry.effect!r}",
                        entry.id,
                    )
                if entry.obligation is not None:
                    raise self.fail(
                        "terms.yaml",
                        [*path, "obligation"],
                        "only decision rules attach obligations",
                        entry.id,
                    )
                available = {**facts, **{k: v for k, v in term_facts.items() if k != term.id}}
                condition = self.condition("terms.yaml", path, entry, available, parameters)
                rules.append(self.rule(entry, condition, term.id, "term", "terms.yaml", path))
            terms.append(
                Term(
                    term.id,
                    term.holder,
                    term.title,
                    term.meaning,
                    term.source,
                    tuple(rules),
                    term.note,
                )
            )
        self.check_term_cycles(terms)

        obligations = tuple(
            Obligation(o.id, o.meaning, o.source) for o in decisions_file.obligations
        )
        obligation_ids = {o.id for o in obligations}
        decisions: dict[str, tuple[Rule, ...]] = {}
        for i, action in enumerate(decisions_file.actions):
            if action.action not in ACTION_FACTS:
                raise self.fail(
                    "decisions.yaml",
                    ["actions", i, "action"],
                    f"unknown action {action.action!r}; actions: {', '.join(ACTION_FACTS)}",
                )
            if action.action in decisions:
                raise self.fail(
                    "decisions.yaml",
                    ["actions", i, "action"],
                    f"action {action.action!r} is listed twice",
                )
            available = {**facts, **term_facts, **{f.name: f for f in ACTION_FACTS[action.action]}}
            rules = []
            for j, entry in enumerate(action.rules):
                path = ["actions", i, "rules", j]
                self.unique(seen, entry.id, "decisions.yaml", [*path, "id"])
                if entry.effect not in ("allow", "deny", "oblige", "cite"):
                    raise self.fail(
                        "decisions.yaml",
                        [*path, "effect"],
                        f"a decision rule's effect is allow, deny, oblige or cite, got {entry.effect!r}",
                        entry.id,
                    )
                if (entry.effect == "oblige") != (entry.obligation is not None):
                    raise self.fail(
                        "decisions.yaml",
                        [*path, "obligation"],
                        "an oblige rule names one obligation, and only oblige rules do",
                        entry.id,
                    )
                if entry.obligation is not None and entry.obligation not in obligation_ids:
                    raise self.fail(
                        "decisions.yaml",
                        [*path, "obligation"],
                        f"unknown obligation {entry.obligation!r}",
                        entry.id,
                    )
                condition = self.condition("decisions.yaml", path, entry, available, parameters)
                rules.append(
                    self.rule(entry, condition, action.action, "action", "decisions.yaml", path)
                )
            if not any(r.effect == "allow" for r in rules):
                raise self.fail(
                    "decisions.yaml",
                    ["actions", i, "rules"],
                    f"action {action.action!r} has no allow rule, so it could never be allowed",
                )
            decisions[action.action] = tuple(rules)
        missing = [a for a in ACTION_FACTS if a not in decisions]
        if missing:
            raise self.fail(
                "decisions.yaml", ["actions"], f"no rules decide the action(s) {', '.join(missing)}"
            )
        every_fact = {
            **facts,
            ACTION_FIELD.name: ACTION_FIELD,
            **term_facts,
            **{f.name: f for specs in ACTION_FACTS.values() for f in specs},
            **{f.name: f for f in DECISION_FACTS},
            **{
                o.id: FactSpec(o.id, "bool", f"the obligation {o.id} attaches to the decision")
                for o in obligations
            },
        }
        properties = self.properties(seen, every_fact, parameters)

        return Rulebook(
            version=agreement.id,
            title=agreement.title,
            effective=agreement.effective,
            summary=agreement.summary,
            source=agreement.source,
            lifecycle=lifecycle,
            parameters=parameters,
            terms=tuple(terms),
            obligations=obligations,
            decisions=decisions,
            location=self.name,
            sources=self.register,
            facts=every_fact,
            properties=properties,
        )

    def properties(
        self, seen: dict[str, str], facts: Mapping[str, FactSpec], parameters: Sequence[Parameter]
    ) -> tuple[Property, ...]:
        file = "properties.yaml"
        if file not in self.docs:
            return ()
        raw: PropertiesFile = self.model(file, PropertiesFile)
        found = []
        for i, entry in enumerate(raw.properties):
            path: list[int | str] = ["properties", i]
            self.unique(seen, entry.id, file, [*path, "id"])
            if entry.holds is None or entry.holds == {}:
                raise self.fail(
                    file, [*path, "holds"], "a property states a condition in holds", entry.id
                )
            condition = self.parse(
                file, path, entry.id, entry.holds, facts, parameters, key="holds", formula=True
            )
            found.append(
                Property(entry.id, entry.statement, entry.source, condition, self.docs[file].name)
            )
        return tuple(found)

    def unique(self, seen: dict[str, str], ident: str, file: str, path: list[int | str]) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", ident):
            raise self.fail(
                file, path, f"{ident!r} is not an id (lower-case letters, digits, _)", ident
            )
        if ident in seen:
            raise self.fail(file, path, f"duplicate id {ident!r} (first in {seen[ident]})", ident)
        seen[ident] = file

    def rule(
        self,
        entry: RuleEntry,
        condition: Condition,
        target: str,
        kind: Literal["term", "action"],
        file: str,
        path: list[int | str],
    ) -> Rule:
        return Rule(
            id=entry.id,
            effect=entry.effect,
            condition=condition,
            source=entry.source,
            target=target,
            kind=kind,
            obligation=entry.obligation,
            note=entry.note,
            file=self.docs[file].name,
        )

    def fact_space(self, lifecycle: Lifecycle) -> dict[str, FactSpec]:
        facts = {f.name: f for f in STATE_FACTS}
        facts[PHASE_FACT_NAME] = FactSpec(
            PHASE_FACT_NAME, "choice", "the lifecycle phase", lifecycle.phase_ids
        )
        return facts

    def lifecycle(self) -> Lifecycle:
        file = "lifecycle.yaml"
        raw: LifecycleFile = self.model(file, LifecycleFile)
        phases = tuple(Phase(p.id, p.meaning, p.source) for p in raw.phases)
        ids = [p.id for p in phases]
        seen: dict[str, str] = {}
        for i, p in enumerate(phases):
            self.unique(seen, p.id, file, ["phases", i, "id"])
        if raw.initial not in ids:
            raise self.fail(file, ["initial"], f"initial phase {raw.initial!r} is not a phase")
        for i, f in enumerate(raw.final):
            if f not in ids:
                raise self.fail(file, ["final", i], f"final phase {f!r} is not a phase")
        transitions = []
        for i, data in enumerate(raw.transitions):
            path: list[int | str] = ["transitions", i]
            if not isinstance(data, Mapping):
                raise self.fail(file, path, "a transition is a mapping")
            unknown = set(data) - {"trigger", "from", "to", "conditions", "source"}
            if unknown:
                raise self.fail(file, [*path, sorted(unknown)[0]], "unknown key")
            for key in ("trigger", "from", "to", "source"):
                if key not in data:
                    raise self.fail(file, [*path, key], "required key is missing")
            try:
                source = check_citation(str(data["source"]), self.register)
            except ValueError as exc:
                raise self.fail(file, [*path, "source"], str(exc)) from None
            sources = data["from"] if isinstance(data["from"], list) else [data["from"]]
            for s in [*sources, data["to"]]:
                if s not in ids:
                    raise self.fail(file, path, f"{s!r} is not a phase of this version")
            trigger = data["trigger"]
            if trigger not in LIFECYCLE_TYPES and trigger not in {g.trigger for g in raw.calendar}:
                raise self.fail(
                    file,
                    [*path, "trigger"],
                    f"trigger {trigger!r} is neither a lifecycle event nor a calendar trigger",
                )
            conds = data.get("conditions", [])
            for c in conds:
                if c not in TRANSITION_CONDITIONS:
                    raise self.fail(
                        file,
                        [*path, "conditions"],
                        f"unknown transition condition {c!r}; known: {', '.join(TRANSITION_CONDITIONS)}",
                    )
            transitions.append(
                Transition(trigger, tuple(sources), data["to"], tuple(conds), source)
            )
        calendar = tuple(CalendarGate(g.date, g.trigger, g.source) for g in raw.calendar)
        return Lifecycle(raw.initial, tuple(raw.final), phases, tuple(transitions), calendar)

    def parameters(self) -> tuple[Parameter, ...]:
        file = "parameters.yaml"
        raw: ParametersFile = self.model(file, ParametersFile)
        found: list[Parameter] = []
        seen: dict[str, str] = {}
        for i, p in enumerate(raw.parameters):
            path: list[int | str] = ["parameters", i]
            self.unique(seen, p.name, file, [*path, "name"])
            if p.type == "choice" and not p.choices:
                raise self.fail(
                    file, [*path, "choices"], "a choice parameter lists its choices", p.name
                )
            for bound in ("minimum", "maximum"):
                value = getattr(p, bound)
                expected = {"number": float, "date": dt.date}.get(p.type)
                if value is not None and (expected is None or not isinstance(value, expected)):
                    raise self.fail(
                        file,
                        [*path, bound],
                        f"a {bound} is a number for a number parameter and a date for a date"
                        f" parameter; {p.name} is a {p.type}",
                        p.name,
                    )
            if p.minimum is not None and p.maximum is not None and p.minimum > p.maximum:  # type: ignore[operator]
                raise self.fail(
                    file, [*path, "maximum"], "the maximum is below the minimum", p.name
                )
            param = Parameter(
                p.name,
                p.type,
                None,
                p.meaning,
                p.source,
                p.nullable,
                tuple(p.choices),
                p.minimum,
                p.maximum,
                p.reported,
            )
            try:
                default = param.validate(p.default)
            except ValueError as exc:
                raise self.fail(file, [*path, "default"], str(exc), p.name) from None
            found.append(replace(param, default=default))
        return tuple(found)

    def condition(
        self,
        file: str,
        path: list[int | str],
        entry: RuleEntry,
        facts: Mapping[str, FactSpec],
        parameters: Iterable[Parameter],
    ) -> Condition:
        return self.parse(file, path, entry.id, entry.when, facts, parameters)

    def parse(
        self,
        file: str,
        path: list[int | str],
        ident: str,
        data: object,
        facts: Mapping[str, FactSpec],
        parameters: Iterable[Parameter],
        *,
        key: str = "when",
        formula: bool = False,
        kind: str | None = None,
    ) -> Condition:
        params = {p.name: p for p in parameters}
        try:
            condition = parse_condition(data, key, formula=formula)
        except ConditionSyntaxError as exc:
            where = [*path, *split_path(exc.path)]
            raise self.fail(file, where, str(exc), ident, kind) from None
        for cmp in comparisons(condition):
            try:
                _check_comparison(cmp, facts, params)
            except ValueError as exc:
                where = [*path, *split_path(cmp.path)]
                raise self.fail(file, where, str(exc), ident, kind) from None
        return condition

    def placement(
        self, lifecycle: Lifecycle, facts: Mapping[str, FactSpec], parameters: Sequence[Parameter]
    ) -> Lifecycle:
        file = "lifecycle.yaml"
        raw: LifecycleFile = self.model(file, LifecycleFile)
        found = []
        for i, entry in enumerate(raw.placement):
            path: list[int | str] = ["placement", i]
            if entry.phase not in lifecycle.phase_ids:
                raise self.fail(file, [*path, "phase"], f"{entry.phase!r} is not a phase")
            # Named by the phase it places in: ``placement in phase post_2032, key placement[1]``.
            condition = self.parse(
                file, path, entry.phase, entry.when, facts, parameters, kind="placement in phase"
            )
            found.append(Placement(entry.phase, condition, entry.source))
        if found and not (isinstance(found[-1].condition, Always) and found[-1].condition.value):
            raise self.fail(file, ["placement"], "the last placement must hold always (no 'when')")
        return replace(lifecycle, placement=tuple(found))

    def check_term_cycles(self, terms: Sequence[Term]) -> None:
        ids = {t.id for t in terms}
        deps = {t.id: term_dependencies(t, ids) for t in terms}
        state: dict[str, int] = {}

        def visit(node: str, trail: list[str]) -> None:
            if state.get(node) == 2:
                return
            if state.get(node) == 1:
                cycle = " -> ".join([*trail[trail.index(node) :], node])
                raise RulebookError(
                    f"terms depend on each other in a cycle: {cycle}",
                    file=self.docs["terms.yaml"].name,
                    rule=node,
                    kind="term",
                )
            state[node] = 1
            for dep in sorted(deps[node]):
                visit(dep, [*trail, node])
            state[node] = 2

        for t in terms:
            visit(t.id, [])


_ORDERED: frozenset[FactType] = frozenset({"date", "number", "level"})


def _check_comparison(
    cmp: Compare, facts: Mapping[str, FactSpec], params: Mapping[str, Parameter]
) -> None:
    """Refuse unknown names, values of the wrong type and orderings of unordered types."""
    if cmp.field in params:
        # A parameter tested like a fact: decided when the rules are compiled.
        param = params[cmp.field]
        if isinstance(cmp.value, ParamRef):
            raise ValueError("compare a parameter with a constant, not with another parameter")
        if cmp.value is None:
            if not param.nullable:
                raise ValueError(f"parameter {param.name} cannot be null; compare it with a value")
            if cmp.op not in ("eq", "neq"):
                raise ValueError(f"null is tested with {{{param.name}: null}} or $neq, not ordered")
            return
        _check_value(cmp, _param_fact_type(param), param.choices, cmp.value)
        return
    spec = facts.get(cmp.field)
    if spec is None:
        raise ValueError(
            f"unknown fact {cmp.field!r}; known facts here: {', '.join(sorted(facts))}"
        )
    if cmp.value is None:
        raise ValueError(
            f"{cmp.field} is a {spec.type} and never null; null is tested of nullable parameters"
        )
    if cmp.op not in ("eq", "neq") and spec.type not in _ORDERED:
        raise ValueError(f"{cmp.field} is a {spec.type}; only == and $neq apply to it")
    if isinstance(cmp.value, ParamRef):
        referenced = params.get(cmp.value.name)
        if referenced is None:
            raise ValueError(f"unknown parameter {cmp.value.name!r}")
        if _param_fact_type(referenced) != spec.type:
            raise ValueError(
                f"parameter {referenced.name} is a {referenced.type},"
                f" but {cmp.field} is a {spec.type}"
            )
        return
    _check_value(cmp, spec.type, spec.choices, cmp.value)


def _param_fact_type(param: Parameter) -> FactType:
    return "choice" if param.type == "choice" else param.type


def _check_value(cmp: Compare, type_: FactType, choices: Sequence[str], value: object) -> None:
    ok: bool
    if type_ == "bool":
        ok = isinstance(value, bool)
    elif type_ == "date":
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    elif type_ == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif type_ == "level":
        ok = isinstance(value, str) and value in Level.__members__
    else:
        ok = isinstance(value, str) and value in choices
        if isinstance(value, str) and not ok:
            raise ValueError(f"{value!r} is not a value of {cmp.field} ({', '.join(choices)})")
    if not ok:
        raise ValueError(f"{cmp.field} is a {type_}; {value!r} is not")
