"""The scenario language documented from the models: ``agi-terms events``, ``EVENTS.md`` and the
JSON Schemas that editors use for scenario and assumptions files."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.documents import read_yaml
from agi_terms.events import EVENT_TYPES
from agi_terms.interfaces.main import main
from agi_terms.schemas import shipped_schema_path
from agi_terms.testing import scenarios
from click.testing import CliRunner
from hypothesis import given, settings
from jsonschema import Draft202012Validator
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
ASSUMPTIONS = sorted((ROOT / "simulations" / "assumptions").glob("*.yaml"))


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def models() -> list[type[BaseModel]]:
    """Every event model and the models nested in them."""
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = list(EVENT_TYPES)
    while pending:
        model = pending.pop()
        found.append(model)
        for info in model.model_fields.values():
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                pending.append(info.annotation)
    return found


def literal_values(annotation: object) -> tuple[str, ...]:
    return (
        tuple(str(v) for v in typing.get_args(annotation))
        if (typing.get_origin(annotation) is typing.Literal)
        else ()
    )


# ---------------------------------------------------------------- agi-terms events


def test_every_event_field_has_a_description() -> None:
    for model in models():
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"


def test_events_lists_every_type_with_the_fields_of_its_model() -> None:
    code, out, _ = cli("events", "--format", "json")
    assert code == 0
    listed = {t["type"]: t for t in json.loads(out)}
    assert list(listed) == [m.model_fields["type"].default for m in EVENT_TYPES]
    for model in EVENT_TYPES:
        entry = listed[model.model_fields["type"].default]
        fields = {f["name"]: f for f in entry["fields"]}
        for name, info in model.model_fields.items():
            if name == "type":
                continue
            shown = fields[name]
            assert shown["required"] == info.is_required()
            assert shown["description"] == info.description
            assert tuple(shown["choices"]) == literal_values(info.annotation)
            if not info.is_required() and info.default is not None:
                assert shown["default"] == info.default
            nested = info.annotation
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                for inner in nested.model_fields:
                    assert f"{name}.{inner}" in fields
        kinds = "lifecycle" if entry["type"] in agi_terms.events.LIFECYCLE_TYPES else "action"
        assert entry["kind"] == kinds


def test_levels_and_amounts_are_described_as_a_file_writes_them() -> None:
    code, out, _ = cli("events", "open_weights_release", "--format", "json")
    assert code == 0
    fields = {f["name"]: f for f in json.loads(out)["fields"]}
    assert fields["capability.cyber"]["choices"] == ["low", "medium", "high", "critical"]
    code, out, _ = cli("events", "azure_purchase", "--format", "json")
    assert {f["name"]: f["type"] for f in json.loads(out)["fields"]}["amount_usd"] == "number > 0"


def test_events_type_shows_one_type_and_a_misspelling_gets_a_suggestion() -> None:
    code, out, _ = cli("events", "ms_ip_use")
    assert code == 0
    assert "ms_ip_use (action)" in out
    assert "created_on" in out
    assert "product_launch" not in out
    code, out, err = cli("events", "ms_ip_usage")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "error: TYPE: unknown event type 'ms_ip_usage'; did you mean 'ms_ip_use'?"
    )


def test_events_md_is_the_output_of_the_events_command() -> None:
    code, out, _ = cli("events", "--format", "markdown")
    assert code == 0
    assert (ROOT / "EVENTS.md").read_text() == out
    for model in EVENT_TYPES:
        assert f"### `{model.model_fields['type'].default}`" in out


def test_the_readme_links_the_event_reference() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "(EVENTS.md)" in readme
    assert "agi-terms schema scenario" in readme


# ---------------------------------------------------------------- JSON Schemas


@pytest.mark.parametrize("kind", ["scenario", "assumptions"])
def test_the_shipped_schemas_are_the_schema_command_output(kind: str) -> None:
    code, out, _ = cli("schema", kind)
    assert code == 0
    assert Path(shipped_schema_path(kind)).read_text() == out
    schema = json.loads(out)
    Draft202012Validator.check_schema(schema)
    code, path, _ = cli("schema", kind, "--path")
    assert Path(path.strip()) == Path(shipped_schema_path(kind))


def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(Path(shipped_schema_path(kind)).read_text()))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_satisfies_the_schema(path: Path) -> None:
    errors = list(validator("scenario").iter_errors(read_yaml(path).data))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("path", ASSUMPTIONS, ids=[p.stem for p in ASSUMPTIONS])
def test_every_shipped_assumptions_file_satisfies_the_schema(path: Path) -> None:
    errors = list(validator("assumptions").iter_errors(read_yaml(path).data))
    assert not errors, [e.message for e in errors]


DECLARATIONS = [
    # (what, declaration, accepted): the engine and the schema agree on each
    ("a probability over dates", {"probability": 0.6, "between": ["2026-01-01", "2040-12-31"]}, True),
    ("a cdf, cited", {"cdf": [["2027-12-31", 0.3], ["2029-12-31", 0.45]], "source": "S27"}, True),
    ("a cdf and a probability", {"cdf": [["2027-12-31", 0.3]], "probability": 0.6}, False),
    ("a probability without its dates", {"probability": 0.6}, False),
    ("neither", {"source": "S27"}, False),
    ("an empty cdf", {"cdf": []}, False),
    ("a null probability", {"probability": None, "between": ["2026-01-01", "2040-12-31"]}, False),
]  # fmt: skip


@pytest.mark.parametrize(("what", "declaration", "accepted"), DECLARATIONS,
                         ids=[d[0] for d in DECLARATIONS])  # fmt: skip
def test_the_assumptions_schema_takes_a_declaration_as_the_engine_does(
    what: str, declaration: dict[str, Any], accepted: bool
) -> None:
    from agi_terms.analysis.montecarlo.assumptions import assumptions_from_data
    from agi_terms.errors import AgiTermsError

    data = read_yaml(ROOT / "simulations" / "assumptions" / "default.yaml").data
    data = {**json.loads(json.dumps(data, default=str)), "declaration": declaration}
    try:
        assumptions_from_data(data)
        engine = True
    except AgiTermsError:
        engine = False
    assert engine is accepted, what
    assert (not list(validator("assumptions").iter_errors(data))) is accepted, what


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_scenarios_the_engine_accepts_satisfy_the_schema(scenario: dict[str, Any]) -> None:
    data = json.loads(json.dumps(scenario, default=str))
    errors = list(validator("scenario").iter_errors(data))
    assert not errors, [e.message for e in errors]


REFUSED = [
    # (what, scenario data): each refused by the engine (tests/test_cli.py), and by the schema
    ("a misspelled field", {"events": [{"date": "2029-03-01", "type": "product_launch",
                                        "kind": "api", "clod": "aws"}]}),
    ("an unknown event type", {"events": [{"date": "2029-03-01", "type": "agi_announced"}]}),
    ("a cloud the model lacks", {"events": [{"date": "2029-03-01", "type": "product_launch",
                                             "kind": "api", "cloud": "moon"}]}),
    ("a level the model lacks", {"events": [{"date": "2029-03-01", "type": "open_weights_release",
                                             "capability": {"bio_chem": "low", "cyber": "extreme",
                                                            "self_improvement": "low"}}]}),
    ("a negative amount", {"events": [{"date": "2029-03-01", "type": "azure_purchase",
                                       "amount_usd": -1}]}),
    ("no type", {"events": [{"date": "2029-03-01"}]}),
    ("on: for date:", {"events": [{"on": "2029-03-01", "type": "agi_declared"}]}),
    ("an unknown parameter", {"parameters": {"api_backstop": None}, "events": []}),
    ("a parameter's choice the rules lack", {"parameters": {"agi_trigger": "maybe"}, "events": []}),
    ("an unknown version", {"agreement": "2031-01", "events": []}),
    ("no events", {"name": "nothing"}),
    ("an unknown top-level key", {"event": [], "events": []}),
    ("expect on a lifecycle event", {"events": [{"date": "2029-03-01", "type": "agi_declared",
                                                 "expect": {"allowed": True}}]}),
    ("a misspelt expect key", {"events": [{"date": "2029-03-01", "type": "ms_ip_use",
                                           "asset": "model", "expect": {"allowd": True}}]}),
    ("an empty expect", {"events": [{"date": "2029-03-01", "type": "ms_ip_use", "asset": "model",
                                     "expect": {}}]}),
    ("a checkpoint expecting a field it lacks", {"events": [], "checkpoints": [
        {"date": "2029-03-01", "expect": {"phase": "pre_agi", "decision": True}}]}),
    ("a checkpoint without its date", {"events": [], "checkpoints": [{"expect": {"phase": "x"}}]}),
]  # fmt: skip


@pytest.mark.parametrize(("what", "data"), REFUSED, ids=[r[0] for r in REFUSED])
def test_the_schema_refuses_what_the_engine_refuses(what: str, data: dict[str, Any]) -> None:
    from agi_terms.analysis.scenario import scenario_from_data, simulate
    from agi_terms.errors import AgiTermsError

    with pytest.raises(AgiTermsError), simulate(scenario_from_data(data), backend="python"):
        pass
    assert list(validator("scenario").iter_errors(data)), what
