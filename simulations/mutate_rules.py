"""Mutation testing of the 2025-10 rulebook: do the tests notice when a rule file is wrong?

Copies ``rules/2025-10/`` into temporary folders and makes one systematic change per copy: every date
shifted by a day either way, every condition part dropped, every effect negated (grant <-> end,
allow <-> deny), every enum value swapped for each other value, every rule removed, and the
lifecycle's transitions re-pointed or removed. Each mutant is loaded with ``load_rulebook_from`` (a
mutant the loader refuses is killed by validation), run on the python backend against the pinned
decisions and the differential oracle of ``tests/oracle.py`` over a fixed corpus of random
scenarios (and, if it survives, a longer Hypothesis search, then ``agi-terms check``), and counted
as killed or surviving. Survivors print with the reason they are equivalent to the original, or
``NOT EXPLAINED``.

    python simulations/mutate_rules.py [--corpus 200] [--examples 200] [--workers N] [--only TEXT]
                                       [--sample N]

``--sample N`` runs N mutants spread evenly over the whole list (the same ones every run), for a
quicker check; the full run is the figure to quote.

Exit status 0 when the kill rate is at least 95% and every survivor is explained, else 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "2025-10"
sys.path.insert(0, str(ROOT / "tests"))

import agi_terms  # noqa: E402
from agi_terms.analysis.check import check_rulebook  # noqa: E402
from agi_terms.errors import AgiTermsError  # noqa: E402
from agi_terms.rulebook import Rulebook, load_rulebook_from  # noqa: E402
from agi_terms.testing import HORIZON, event_sequences, parameter_overrides  # noqa: E402
from differential import ACTIONS, T0, check_pinned, check_placement, compare  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PathKey = list[int | str]

# Survivors that no test can kill because they do not change what the agreement means: the reason
# is printed next to them. Keyed by the mutant's id as printed.
_VERIFIED_IS_LIVE = (
    "equivalent: a verified declaration is a live one, so under agi_trigger: declared the"
    " declared-AGI end rule has already ended the term whenever this one holds"
)
EQUIVALENT: dict[str, str] = {
    "terms.yaml rule ip_exclusivity_ends_at_verified_agi: drop $and[0]": _VERIFIED_IS_LIVE,
    "terms.yaml rule api_exclusivity_ends_at_verified_agi: drop $and[0]": _VERIFIED_IS_LIVE,
    "decisions.yaml rule post_agi_asset_guardrails: drop $and[2]": (
        "equivalent: post_agi_models_covered is in force exactly when ms_model_product_ip is,"
        " and a model or product use is allowed only under that licence"
    ),
}


@dataclass(frozen=True)
class Mutant:
    """One change to one rule file: ``apply`` edits the parsed document in place."""

    id: str
    file: str
    apply: Callable[[Any], None]


# ---------------------------------------------------------------- reading and writing rule files


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    return yaml


def _load(file: str) -> Any:
    return _yaml().load((RULES / file).read_text(encoding="utf-8"))


def _at(doc: Any, path: PathKey) -> Any:
    node = doc
    for part in path:
        node = node[part]
    return node


def _setter(path: PathKey, value: object) -> Callable[[Any], None]:
    def apply(doc: Any) -> None:
        _at(doc, path[:-1])[path[-1]] = value

    return apply


def _deleter(path: PathKey) -> Callable[[Any], None]:
    def apply(doc: Any) -> None:
        del _at(doc, path[:-1])[path[-1]]

    return apply


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


# ---------------------------------------------------------------- the mutation operators


def _shift_date(file: str, path: PathKey, value: dt.date, where: str) -> Iterator[Mutant]:
    for days in (-1, 1):
        new = value + dt.timedelta(days=days)
        yield Mutant(f"{where}: {value.isoformat()} -> {new.isoformat()}", file, _setter(path, new))


def _swap(
    file: str, path: PathKey, value: object, options: list[Any], where: str
) -> Iterator[Mutant]:
    for other in options:
        if other != value:
            yield Mutant(f"{where}: {_show(value)} -> {_show(other)}", file, _setter(path, other))


def _condition(
    file: str, path: PathKey, node: Any, where: str, choices: dict[str, list[Any]]
) -> Iterator[Mutant]:
    """Mutants of one condition tree: drop each part, shift each date, swap each enum value."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = [*path, key]
        if key in ("$and", "$or"):
            for index, part in enumerate(value):
                if len(value) > 1:
                    yield Mutant(f"{where}: drop {key}[{index}]", file, _deleter([*here, index]))
                yield from _condition(
                    file, [*here, index], part, f"{where} {key}[{index}]", choices
                )
        elif key.startswith("$"):
            yield from _condition(file, here, value, f"{where} {key}", choices)
        else:
            yield from _operand(file, here, key, value, where, choices)


def _operand(
    file: str, path: PathKey, field: str, value: Any, where: str, choices: dict[str, list[Any]]
) -> Iterator[Mutant]:
    label = f"{where} {field}"
    if isinstance(value, bool):
        yield Mutant(f"{label}: {value} -> {not value}", file, _setter(path, not value))
    elif isinstance(value, dt.date):
        yield from _shift_date(file, path, value, label)
    elif isinstance(value, str) and field in choices:
        yield from _swap(file, path, value, choices[field], label)


def _choices() -> dict[str, list[Any]]:
    """The values each enum fact and choice parameter takes (what a swap may put instead)."""
    rulebook = agi_terms.load_rulebook("2025-10")
    found: dict[str, list[Any]] = {
        name: list(spec.choices) for name, spec in rulebook.facts.items() if spec.choices
    }
    for param in rulebook.parameters:
        if param.choices:
            found[param.name] = list(param.choices)
    return found


def _rule_mutants(
    file: str, path: PathKey, rule: Any, choices: dict[str, list[Any]], obligations: list[str]
) -> Iterator[Mutant]:
    where = f"{file} rule {rule['id']}"
    yield Mutant(f"{where}: remove the rule", file, _deleter(path))
    flip = {"grant": "end", "end": "grant", "allow": "deny", "deny": "allow"}
    if rule["effect"] in flip:
        new = flip[rule["effect"]]
        yield Mutant(
            f"{where}: effect {rule['effect']} -> {new}", file, _setter([*path, "effect"], new)
        )
    if rule.get("obligation") is not None:
        yield from _swap(
            file, [*path, "obligation"], rule["obligation"], obligations, f"{where} obligation"
        )
    if rule.get("when") is not None:
        yield Mutant(f"{where}: drop the whole condition", file, _deleter([*path, "when"]))
        yield from _condition(file, [*path, "when"], rule["when"], where, choices)


@functools.lru_cache(maxsize=1)
def mutants() -> list[Mutant]:
    """Every mutant of rules/2025-10, in a stable order."""
    choices = _choices()
    found: list[Mutant] = []

    agreement = _load("agreement.yaml")
    found += _shift_date(
        "agreement.yaml", ["effective"], agreement["effective"], "agreement.yaml effective"
    )

    lifecycle = _load("lifecycle.yaml")
    phases = [p["id"] for p in lifecycle["phases"]]
    file = "lifecycle.yaml"
    found += _swap(file, ["initial"], lifecycle["initial"], phases, f"{file} initial phase")
    for i, gate in enumerate(lifecycle["calendar"]):
        found += _shift_date(
            file, ["calendar", i, "date"], gate["date"], f"{file} calendar gate {i}"
        )
        found.append(Mutant(f"{file} calendar gate {i}: remove", file, _deleter(["calendar", i])))
    for i, move in enumerate(lifecycle["transitions"]):
        where = f"{file} transition {i} ({move['trigger']})"
        found.append(Mutant(f"{where}: remove", file, _deleter(["transitions", i])))
        found += _swap(file, ["transitions", i, "to"], move["to"], phases, f"{where} to")
        sources = move["from"]
        if isinstance(sources, list):
            for k, phase in enumerate(sources):
                found += _swap(
                    file, ["transitions", i, "from", k], phase, phases, f"{where} from[{k}]"
                )
        else:
            found += _swap(file, ["transitions", i, "from"], sources, phases, f"{where} from")

    for i, place in enumerate(lifecycle.get("placement", [])):
        where = f"{file} placement {i} ({place['phase']})"
        path = ["placement", i]
        found.append(Mutant(f"{where}: remove", file, _deleter(path)))
        found += _swap(file, [*path, "phase"], place["phase"], phases, f"{where} phase")
        if place.get("when") is not None:
            found.append(
                Mutant(f"{where}: drop the whole condition", file, _deleter([*path, "when"]))
            )
            found += _condition(file, [*path, "when"], place["when"], where, choices)

    params = _load("parameters.yaml")
    file = "parameters.yaml"
    levels = [level.name for level in agi_terms.Level]
    for i, param in enumerate(params["parameters"]):
        where = f"{file} parameter {param['name']} default"
        path: PathKey = ["parameters", i, "default"]
        if isinstance(param["default"], dt.date):
            found += _shift_date(file, path, param["default"], where)
        elif param["type"] == "choice":
            found += _swap(file, path, param["default"], list(param["choices"]), where)
        elif param["type"] == "level":
            found += _swap(file, path, param["default"], levels, where)

    terms = _load("terms.yaml")
    for i, term in enumerate(terms["terms"]):
        for j, rule in enumerate(term["rules"]):
            found += _rule_mutants("terms.yaml", ["terms", i, "rules", j], rule, choices, [])

    decisions = _load("decisions.yaml")
    obligations = [o["id"] for o in decisions["obligations"]]
    for i, action in enumerate(decisions["actions"]):
        for j, rule in enumerate(action["rules"]):
            path = ["actions", i, "rules", j]
            found += _rule_mutants("decisions.yaml", path, rule, choices, obligations)
    return found


# ---------------------------------------------------------------- checking one mutant

Case = tuple[dict[str, object], list[agi_terms.Event], list[dt.date], list[agi_terms.Event]]
CASES = st.tuples(
    parameter_overrides(),
    event_sequences(max_size=25),
    st.lists(st.dates(min_value=T0, max_value=HORIZON), max_size=6),
    st.lists(ACTIONS, max_size=8),
)


def corpus(size: int) -> list[Case]:
    """A fixed corpus of random cases: the same on every run (fixed seeds, no example database).

    Drawn in runs of 25 from different seeds: one long run keeps varying the same few examples.
    """
    found: list[Case] = []

    def collect(case: Case) -> None:
        found.append(case)

    for run in range((size + 24) // 25):
        search = settings(
            max_examples=25,
            database=None,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )(seed(run)(given(case=CASES)(collect)))
        search()
    return found[:size]


class _Run:
    """Compiled agreements of one mutant rulebook, one per set of overrides."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.cache: dict[str, agi_terms.Agreement] = {}

    def agreement(self, overrides: dict[str, object]) -> agi_terms.Agreement:
        key = repr(sorted(overrides.items()))
        if key not in self.cache:
            self.cache[key] = agi_terms.Agreement(
                "2025-10", overrides, "python", rulebook=self.rulebook
            )
        return self.cache[key]

    def check(self, case: Case) -> None:
        overrides, sequence, probes, actions = case
        compare(self.agreement(overrides), overrides, sequence, probes, actions)


def _verdict(run: _Run, cases: list[Case], examples: int) -> str | None:
    """How the mutant was killed, or ``None`` if it survived."""
    try:
        check_pinned(run.agreement)
    except (AssertionError, AgiTermsError) as exc:
        return f"pinned decisions: {type(exc).__name__}"
    try:
        check_placement(run.agreement({}), {})
    except (AssertionError, AgiTermsError) as exc:
        return f"placement on amendment: {type(exc).__name__}"
    for index, case in enumerate(cases):
        try:
            run.check(case)
        except (AssertionError, AgiTermsError) as exc:
            return f"corpus case {index}: {type(exc).__name__}"
    if examples <= 0:
        return None

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=CASES)
    def search(case: Case) -> None:
        run.check(case)

    try:
        search()
    except (AssertionError, AgiTermsError) as exc:
        return f"property search: {type(exc).__name__}"
    return None


_CASES: list[Case] = []


def _init_worker(size: int) -> None:
    _CASES.extend(corpus(size))


def run_mutant(index: int, examples: int) -> tuple[int, str, str | None]:
    """(index, outcome, how): outcome is ``invalid``, ``killed``, ``checked`` or ``survived``.

    A mutant that the oracle does not tell from the original but that ``agi-terms check`` refuses
    (an action left undecided, or allowed and denied at once, somewhere in the fact space) is
    ``checked``: CI runs the check on every shipped version, so it is killed all the same.
    """
    mutant = mutants()[index]
    with tempfile.TemporaryDirectory(prefix="agi-terms-mutant-") as tmp:
        folder = Path(tmp) / "2025-10"
        shutil.copytree(RULES, folder)
        doc = _load(mutant.file)
        mutant.apply(doc)
        with (folder / mutant.file).open("w", encoding="utf-8") as out:
            _yaml().dump(doc, out)
        try:
            rulebook = load_rulebook_from(folder)
        except AgiTermsError as exc:
            return index, "invalid", exc.one_line().replace(tmp, "")
    how = _verdict(_Run(rulebook), _CASES, examples)
    if how:
        return index, "killed", how
    findings = check_rulebook(rulebook, limit=1)
    if findings:
        return index, "checked", findings[0].kind
    return index, "survived", None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=int, default=200, help="random cases every mutant meets")
    parser.add_argument(
        "--examples", type=int, default=200, help="Hypothesis examples for corpus survivors"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="", help="run the mutants whose id contains this text")
    parser.add_argument("--verbose", action="store_true", help="print every mutant's outcome")
    parser.add_argument(
        "--sample", type=int, default=0, help="run N mutants spread over the list (0: all)"
    )
    args = parser.parse_args(argv)
    if args.sample < 0:
        parser.error("--sample is a count of mutants, 0 or more")

    started = time.perf_counter()
    everything = mutants()
    chosen = [i for i, m in enumerate(everything) if args.only in m.id]
    if args.sample and args.sample < len(chosen):
        step = len(chosen) / args.sample
        chosen = [chosen[int(k * step)] for k in range(args.sample)]
    _check_original(args.corpus)
    with ProcessPoolExecutor(
        args.workers, initializer=_init_worker, initargs=(args.corpus,)
    ) as pool:
        results = sorted(pool.map(run_mutant, chosen, [args.examples] * len(chosen)))

    counts = {"invalid": 0, "killed": 0, "checked": 0, "survived": 0}
    unexplained = 0
    survivors = []
    for index, outcome, how in results:
        counts[outcome] += 1
        mutant = everything[index]
        if args.verbose:
            print(f"{outcome:8} {mutant.id}  [{how}]")
        if outcome == "survived":
            survivors.append(mutant)
    total = len(results)
    killed = counts["invalid"] + counts["killed"] + counts["checked"]
    rate = killed / total if total else 1.0
    print(f"mutants: {total}" + (f" of {len(everything)} (a sample)" if args.sample else ""))
    print(
        f"killed: {killed} ({counts['killed']} by the oracle check, "
        f"{counts['invalid']} refused by the rule loader, "
        f"{counts['checked']} refused by agi-terms check)"
    )
    valid = counts["killed"] + counts["survived"]
    print(f"survived: {counts['survived']}")
    print(
        f"kill rate: {rate:.1%} (by the oracle, of mutants the loader and the check accept: "
        f"{counts['killed'] / valid if valid else 1.0:.1%})"
    )
    if survivors:
        print("survivors:")
    for mutant in survivors:
        reason = EQUIVALENT.get(mutant.id)
        if reason is None:
            unexplained += 1
        print(f"  - {mutant.id}\n      {reason or 'NOT EXPLAINED'}")
    print(f"time: {time.perf_counter() - started:.0f} s on {args.workers} worker(s)")
    return 0 if rate >= 0.95 and not unexplained else 1


def _check_original(size: int) -> None:
    """The unmutated rules must pass the same check, or every kill would be meaningless."""
    rulebook = load_rulebook_from(RULES)
    how = _verdict(_Run(rulebook), corpus(size), 0)
    if how is None and check_rulebook(rulebook):
        how = "agi-terms check"
    if how is not None:
        raise SystemExit(f"the shipped rules fail the check ({how}); fix that first")


if __name__ == "__main__":
    sys.exit(main())
