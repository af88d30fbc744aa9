"""Checking what scenario files expect (SPEC §13): simulate each, compare, and say what held.

``check_scenario(scenario)`` compares one scenario's ``expect`` statements with its simulation;
``check_paths(paths)`` finds the scenario files that state expectations under files and folders and
checks each. Results are values with the file, line and place of every expectation, the expected
value and the one the engine gave; ``agi-terms test`` and the pytest plugin only render them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agi_terms.analysis.scenario import (
    Expectation,
    Scenario,
    Simulation,
    amended_versions,
    scenario_agreement,
    scenario_from_data,
    simulate,
)
from agi_terms.documents import DEFAULT_LIMITS, InputLimits, read_text, read_yaml
from agi_terms.errors import AgiTermsError, InputError
from agi_terms.rulebook import Rulebook, load_rulebook

_MENTIONS_EXPECT = re.compile(r"\bexpect[\"']?\s*:")
"""Text that may state an expectation; only such files are parsed as scenarios when searching."""


@dataclass(frozen=True)
class Outcome:
    """One expectation checked: what the file expected, what the engine gave, and whether it held."""

    expectation: Expectation
    got: Any
    """The engine's value, JSON-ready: a bool, a phase, or a list of obligation or rule ids."""
    passed: bool
    file: str | None = None

    @property
    def line(self) -> int | None:
        return self.expectation.line

    @property
    def place(self) -> str:
        return self.expectation.place

    @property
    def expected(self) -> Any:
        """The expected value, JSON-ready."""
        value = self.expectation.expected
        return list(value) if isinstance(value, tuple) else value

    def message(self) -> str:
        """``PLACE: expected X, got Y``."""
        expected = _shown(self.expected)
        if self.expectation.check == "because":
            expected = f"{expected} among the deciding rules"
        return f"{self.place}: expected {expected}, got {_shown(self.got)}"

    def one_line(self) -> str:
        """``FILE:LINE: PLACE: expected X, got Y`` with the parts that are known."""
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        return f"{where}: {self.message()}" if where else self.message()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "place": self.place,
            "expected": self.expected,
            "got": self.got,
            "passed": self.passed,
        }


def _shown(value: Any) -> str:
    """A value as the scenario file would write it: ``true``, ``post_agi``, ``[a, b]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


def compare(
    scenario: Scenario, simulation: Simulation, file: str | None = None
) -> tuple[Outcome, ...]:
    """Each of ``scenario``'s expectations against ``simulation``, the result of simulating it."""
    decided = [step for step in simulation.steps if step.type != "calendar"]
    outcomes = []
    for expectation in scenario.expectations:
        got: Any
        if expectation.on == "event":
            decision = decided[expectation.index].decision
            assert decision is not None  # an expectation is only accepted on an action event
            if expectation.check == "allowed":
                got = decision.allowed
                passed = got == expectation.expected
            elif expectation.check == "obligations":
                got = list(decision.obligations)
                passed = sorted(got) == sorted(expectation.expected)  # type: ignore[arg-type]
            else:
                got = [citation.rule for citation in decision.because]
                passed = expectation.expected in got
        else:
            checkpoint = simulation.checkpoints[expectation.index]
            if expectation.check == "phase":
                got = checkpoint.phase
            else:
                # A term the version in force lacks counts as not in force (SPEC §9).
                got = checkpoint.terms.get(str(expectation.key), False)
            passed = got == expectation.expected
        outcomes.append(Outcome(expectation, got, passed, file))
    return tuple(outcomes)


def check_scenario(
    scenario: Scenario, *, file: str | None = None, backend: str | None = None
) -> tuple[Outcome, ...]:
    """Simulate ``scenario`` and check its expectations; bad input raises ``InputError``s (an
    expectation naming an id the versions lack among them, before anything is run)."""
    with scenario_agreement(scenario, backend=backend) as agreement:
        check_expectation_ids(scenario, agreement.rulebook)
        with simulate(scenario, agreement=agreement) as simulation:
            return compare(scenario, simulation, file)


def check_expectation_ids(scenario: Scenario, rulebook: Rulebook) -> None:
    """Refuse an expectation naming a term, phase, obligation or deciding rule that none of the
    versions the scenario runs under has: ``rulebook`` (the one it starts with) and every version
    it amends to. Only checking expectations asks this; ``simulate`` runs the file without it."""
    if not scenario.expectations:
        return
    rulebooks = [rulebook] + [
        load_rulebook(v) for v in dict.fromkeys(amended_versions(scenario)) if v != rulebook.version
    ]
    versions = ("agreements " if len(rulebooks) > 1 else "agreement ") + ", ".join(
        r.version for r in rulebooks
    )
    known: dict[str, set[str]] = {
        "term": {t for r in rulebooks for t in r.term_ids},
        "phase": {p for r in rulebooks for p in r.lifecycle.phase_ids},
        "obligation": {o.id for r in rulebooks for o in r.obligations},
    }
    for expectation in scenario.expectations:
        path, line, column = expectation.path, expectation.line, expectation.column
        if expectation.check == "because":
            action = str(scenario.events[expectation.index]["type"])
            rules = {rule.id for r in rulebooks for rule in r.decisions.get(action, ())}
            named = [
                (f"a rule deciding {action} in", "rules", rules, str(expectation.expected), path)
            ]
        elif expectation.check == "obligations":
            assert isinstance(expectation.expected, tuple)
            obligations = known["obligation"]
            named = [
                ("an obligation of", "obligations", obligations, o, (*path, i))
                for i, o in enumerate(expectation.expected)
            ]
        elif expectation.check in ("term", "phase"):
            kind = expectation.check
            name = expectation.key if kind == "term" else expectation.expected
            named = [(f"a {kind} of", f"{kind}s", known[kind], str(name), path)]
        else:
            named = []
        for what, plural, ids, name, place in named:
            if name not in ids:
                raise InputError(
                    f"{name!r} is not {what} {versions}; {plural}:"
                    f" {', '.join(sorted(ids)) or 'none'}",
                    place=place,
                    line=line,
                    column=column,
                )


@dataclass(frozen=True)
class FileResult:
    """The expectations of one scenario file, or the error that kept it from being checked."""

    file: str
    outcomes: tuple[Outcome, ...] = ()
    error: AgiTermsError | None = None


def check_file(
    path: str | Path,
    *,
    backend: str | None = None,
    searched: bool = False,
    name: str | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> FileResult | None:
    """Check the scenario file at ``path``; input errors are returned in the result, not raised.

    A file named on its own must be a scenario stating expectations. A file found by searching
    (``searched``) whose data has no ``expect`` key gives ``None`` (its text mentioned one only in a
    comment or a string); one that does not read as YAML, or whose ``expect`` is not that of a
    valid scenario, is bad input like a file named on its own, never passed over. ``name`` is the
    file as results show it (default: ``path``). The file is read within ``limits``.
    """
    name = str(path) if name is None else name
    try:
        document = read_yaml(path, name=name, limits=limits)
    except AgiTermsError as exc:
        return FileResult(name, error=exc.with_file(name))
    data = document.data
    if searched and not holds_expect(data):
        return None
    try:
        scenario = scenario_from_data(data, document)
        if not scenario.expectations:
            raise InputError(
                "the scenario states no expectations (expect: on an action event or a checkpoint)"
            )
        outcomes = check_scenario(scenario, file=name, backend=backend)
    except AgiTermsError as exc:
        return FileResult(name, error=exc.with_file(name))
    return FileResult(name, outcomes)


def holds_expect(data: object) -> bool:
    """Whether YAML data has a mapping key ``expect`` at any depth: a file meant to state
    expectations, even when a typo (``event:`` for ``events:``) keeps it from being a scenario."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if "expect" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def mentions_expect(path: str | Path, limits: InputLimits = DEFAULT_LIMITS) -> bool:
    """Whether the file's text may state an expectation: the cheap test before parsing it."""
    try:
        return bool(_MENTIONS_EXPECT.search(read_text(path, limits)))
    except AgiTermsError:
        return True  # let reading it say what is wrong


def scenario_files(
    paths: Iterable[str | Path], limits: InputLimits = DEFAULT_LIMITS
) -> list[tuple[Path, bool]]:
    """The files to check under ``paths``: each file given, and every ``*.yaml`` under each folder
    (recursively, skipping hidden folders) whose text mentions ``expect:``; each with whether it
    was found by searching. A file reached twice (given and found, or under two folders given) is
    checked once, where first reached, as given when it was given. A path that does not exist is
    an ``InputError``."""
    found: list[tuple[Path, bool]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(path.rglob("*.yaml")):
                hidden = any(part.startswith(".") for part in file.relative_to(path).parts[:-1])
                if file.is_file() and not hidden and mentions_expect(file, limits):
                    found.append((file, True))
        elif path.exists():
            found.append((path, False))
        else:
            raise InputError("no such file or folder", file=str(given))
    once: dict[Path, tuple[Path, bool]] = {}
    for file, searched in found:
        first = once.setdefault(file.resolve(), (file, searched))
        if first[1] and not searched:
            once[file.resolve()] = (first[0], False)
    return list(once.values())


@dataclass(frozen=True)
class ExpectationReport:
    """What ``agi-terms test`` found: every file's outcomes and errors, and the exit status."""

    files: tuple[FileResult, ...]

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(o for f in self.files for o in f.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def errors(self) -> tuple[AgiTermsError, ...]:
        return tuple(f.error for f in self.files if f.error is not None)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def exit_code(self) -> int:
        """0 when every expectation held, 1 when one failed, 2 when a file was bad input."""
        return 2 if self.errors else 1 if self.failed else 0

    def summary(self) -> str:
        """``N passed, M failed``."""
        return f"{self.passed} passed, {self.failed} failed"

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "results": [o.to_json() for o in self.outcomes],
            "errors": [e.to_json() for e in self.errors],
        }


def check_paths(
    paths: Sequence[str | Path],
    *,
    backend: str | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ExpectationReport:
    """Check every scenario file with expectations under ``paths`` (files or folders), each read
    within ``limits``.

    Raises ``InputError`` for a path that does not exist, and for a selection with nothing to
    check (no file under ``paths`` states an expectation: a folder of assumptions, an empty one),
    so that a mistyped path cannot pass for a passing run; errors inside files are in the report.
    """
    results = []
    for path, searched in scenario_files(paths, limits):
        result = check_file(path, backend=backend, searched=searched, limits=limits)
        if result is not None:
            results.append(result)
    if not results:
        raise InputError(
            f"nothing to check: no *.yaml file under {', '.join(str(p) for p in paths)}"
            " states an expectation (expect: on an action event or a checkpoint)"
        )
    return ExpectationReport(tuple(results))
