"""The durable backend: the program's conditions as a durable_rules ruleset, evaluated by its Rete engine.

durable_rules (2.0.28, unmaintained since 2020) is wrapped as research/durable-rules-findings.md §7
describes:

- a ``Host`` subclass with no timer threads (the stock host starts two per instance, and they can steal
  an action from the posting thread) and a unique ruleset name per backend, never the module-level
  functions of ``durable.lang`` (one global host);
- each row is asserted as a *fact* with a unique id and retracted again, so that every matching rule
  fires (a posted event fires only the first), and distinct facts never collide (upstream #376);
- one context (sid) per backend that first receives an init event, so ``delete_state`` never frees
  uninitialised memory; the engine's state lives in our contracts, so the 1024-context limit of a
  ruleset is never reached however many contracts a service keeps;
- a lock around every call (``post`` is not synchronous under contention), action errors re-raised
  (durable stores them in the state and carries on, upstream #305), and on close the context and the
  ruleset deleted (else each ruleset leaks, upstream #137/#371);
- numbers passed as order-preserving 64-bit integers: durable's JSON parser refuses exponents
  (``5e+27`` gives "error code: 204"), and it compares mixed strings and numbers loosely.
"""

from __future__ import annotations

import contextlib
import json
import struct
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import durable_rules_engine
from durable import engine as durable_engine

from agi_terms.backends.base import RulesBackend
from agi_terms.conditions import COMPARISONS, AllOf, Always, AnyOf, Compare, Condition, Not
from agi_terms.errors import BackendError
from agi_terms.facts import FactRow, RuleValue
from agi_terms.rulebook.program import Program

_SID = "0"
_INIT_STAGE = -1


def ordered_key(number: float) -> int:
    """A 64-bit integer with the same order as ``number`` (IEEE 754 bits, sign folded)."""
    bits: int = struct.unpack("<q", struct.pack("<d", float(number)))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A durable host without the dispatcher threads, whose actions record the rules that fired."""

    def __init__(
        self, on_fire: Callable[[int], None], on_error: Callable[[BaseException], None]
    ) -> None:
        self._on_fire = on_fire
        self._on_error = on_error
        super().__init__()

    def _run(self) -> None:
        # The stock host re-arms two threading.Timer threads forever; evaluation here is synchronous.
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        if action_name == "init":
            return lambda c: None
        index = int(action_name.removeprefix("r"))
        on_fire, on_error = self._on_fire, self._on_error

        def fire(c: Any) -> None:
            # durable swallows an action's exception into the context state and carries on
            # (upstream #305): catch it here and hand it to the backend, which re-raises it.
            try:
                on_fire(index)
            except BaseException as exc:
                on_error(exc)

        return fire


class DurableBackend(RulesBackend):
    """durable_rules' Rete engine behind the backend interface; safe to share between threads."""

    name: ClassVar[str] = "durable"
    footprint: ClassVar[int] = 1536 * 1024  # measured: about 1.4 MiB of resident memory per ruleset

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._lock = threading.RLock()
        self._fired: list[int] = []
        self._errors: list[BaseException] = []
        self._seq = 0
        self._closed = False
        self._numbers = frozenset(n for n, spec in program.facts.items() if spec.type == "number")
        self._name = f"agi_terms_{uuid.uuid4().hex}"
        self._host = _QuietHost(self._fired.append, self._errors.append)
        definition: dict[str, Any] = {
            "init": {"all": [{"m": {"stage": _INIT_STAGE}}], "run": "init"},
        }
        for rule in program.rules:
            if isinstance(rule.condition, Always) and not rule.condition.value:
                continue  # can never hold for these parameters
            condition = self._condition(rule.condition)
            staged = (
                {"stage": rule.stage}
                if condition is None
                else {"$and": [{"stage": rule.stage}, condition]}
            )
            definition[f"r{rule.index}"] = {"all": [{"m": staged}], "run": f"r{rule.index}"}
        try:
            self._host.register_rulesets({self._name: definition})
            self._ruleset = self._host.get_ruleset(self._name)
            # The init event gives the context its state, so delete_state on close is safe.
            self._host.post(self._name, {"sid": _SID, "stage": _INIT_STAGE})
        except Exception as exc:
            raise BackendError(f"durable_rules refused the compiled rules: {exc}") from exc

    def _value(self, field: str, value: RuleValue) -> RuleValue:
        if field in self._numbers and not isinstance(value, bool):
            return ordered_key(float(value))
        return value

    def _condition(self, condition: Condition) -> dict[str, Any] | None:
        if isinstance(condition, Always):
            # simplify() leaves Always only at the top; a false one is not compiled at all.
            assert condition.value, "a false condition reached the durable compiler"
            return None  # a true condition: only the stage is tested
        if isinstance(condition, Compare):
            value = self._value(condition.field, condition.value)  # type: ignore[arg-type]
            key = COMPARISONS[condition.op].key
            return {condition.field: value} if key is None else {key: {condition.field: value}}
        if isinstance(condition, Not):
            # Only properties negate (the loader refuses $not in a rule); durable never sees one.
            raise BackendError("durable_rules evaluates rules, and a rule has no $not")
        parts = [self._condition(p) for p in condition.parts]
        key = "$and" if isinstance(condition, AllOf) else "$or"
        assert isinstance(condition, AllOf | AnyOf)
        return {key: [p for p in parts if p is not None]}

    def match(self, stage: int, rows: Sequence[FactRow]) -> list[tuple[int, ...]]:
        results: list[tuple[int, ...]] = []
        with self._lock:
            if self._closed:
                raise BackendError("the durable backend is closed")
            for row in rows:
                self._seq += 1
                fact: dict[str, Any] = {"sid": _SID, "id": self._seq, "stage": stage}
                for field, value in row.items():
                    fact[field] = self._value(field, value)
                self._fired.clear()
                self._errors.clear()
                asserted = True
                try:
                    self._host.assert_fact(self._name, fact)
                except durable_engine.MessageNotHandledException:
                    asserted = False  # no rule holds: durable keeps nothing
                except Exception as exc:
                    raise BackendError(f"durable_rules failed on a fact: {exc}") from exc
                if asserted:
                    with contextlib.suppress(durable_engine.MessageNotHandledException):
                        self._host.retract_fact(self._name, fact)
                self._raise_action_errors()
                results.append(tuple(sorted(set(self._fired))))
        return results

    def _raise_action_errors(self) -> None:
        if self._errors:
            error = self._errors[0]
            raise BackendError(f"a durable_rules action failed: {error!r}") from error

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            ruleset = self._host._ruleset_directory.pop(self._name, None)
            if ruleset is None:
                return
            self._host._ruleset_list.remove(ruleset)
            # Delete the context first: a ruleset deleted with live contexts leaks (upstream #137).
            ruleset.delete_state(_SID)
            durable_rules_engine.delete_ruleset(ruleset._handle)

    def __del__(self) -> None:
        # Not contextlib.suppress: at interpreter exit the module's globals may already be None.
        try:  # noqa: SIM105
            self.close()
        except Exception:
            pass

    def definition(self) -> str:
        """The ruleset as durable_rules holds it (JSON), for inspection."""
        return json.dumps(self._ruleset.get_definition(), sort_keys=True)
