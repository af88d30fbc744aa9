"""The readings of SPEC §5.1, each pinned both ways, and the April 2026 terms around them.

Each test sets a parameter to its default and to the other reading and checks what the clauses say
changes (and what does not), on both rules backends.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.interfaces.main import main
from click.testing import CliRunner
from conftest import BACKENDS, AgreementCache

SCENARIOS = Path(__file__).resolve().parent.parent / "simulations" / "scenarios"

Event = dict[str, Any]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def cache() -> Iterator[AgreementCache]:
    shared = AgreementCache()
    yield shared
    shared.close()


def contract(
    cache: AgreementCache,
    backend: str,
    parameters: Mapping[str, object] | None = None,
    events: list[Event] | None = None,
    version: str = "2025-10",
) -> agi_terms.Contract:
    return cache.get(parameters or {}, backend, version=version).start().apply_all(events or [])


def launch(day: str, cloud: str = "aws", kind: str = "api", **fields: object) -> Event:
    return {"date": day, "type": "product_launch", "kind": kind, "cloud": cloud, **fields}


def rules(decision: agi_terms.Decision) -> list[str]:
    return [c.rule for c in decision.because]


VERIFIED_2029 = [
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-09-01", "type": "panel_verified"},
]
VERIFIED_2028 = [
    {"date": "2028-01-10", "type": "agi_declared"},
    {"date": "2028-06-01", "type": "panel_verified"},
]


# ---------------------------------------------------------------- stateful_runtime_is_api


def test_a_stateful_runtime_off_azure_is_not_an_api_product_by_default(
    cache: AgreementCache, backend: str
) -> None:
    runtime = launch("2026-03-01", kind="stateful_runtime", partner="Amazon")
    stateless = contract(cache, backend).decide(runtime)
    assert stateless.allowed  # Azure is exclusive for stateless APIs (S16)
    assert rules(stateless) == [
        "non_api_launch_any_cloud", "stateful_runtime_not_an_api_product",
        "third_party_partner_cited",
    ]  # fmt: skip
    pressed = contract(cache, backend, {"stateful_runtime_is_api": True}).decide(runtime)
    assert not pressed.allowed  # Microsoft's reading in the 2026 dispute (S25)
    assert "api_launch_off_azure_denied" in rules(pressed)
    assert "stateful_runtime_as_an_api_product" in rules(pressed)
    assert "S25" in next(c.source for c in pressed.because if "stateful" in c.rule)
    # On Azure, or for a national-security customer, it is allowed either way.
    for reading in (False, True):
        runtimes = contract(cache, backend, {"stateful_runtime_is_api": reading})
        assert runtimes.decide({**runtime, "cloud": "azure"}).allowed
        assert runtimes.decide({**runtime, "customer": "us_national_security"}).allowed


def test_the_stateful_runtime_reading_decides_nothing_after_the_april_2026_amendment(
    cache: AgreementCache, backend: str
) -> None:
    runtime = launch("2026-06-01", kind="stateful_runtime", partner="Amazon")
    for reading in (False, True):
        amended = contract(cache, backend, {"stateful_runtime_is_api": reading}, version="2026-04")
        decision = amended.decide(runtime)
        assert decision.allowed  # all products on any cloud (S17)
        assert decision.obligations == ("ship_first_on_azure",)
        assert "stateful_runtime_any_cloud_amended" in rules(decision)


def test_the_stateful_runtime_reading_applies_to_the_january_2025_exclusivity(
    cache: AgreementCache, backend: str
) -> None:
    runtime = launch("2025-06-01", kind="stateful_runtime")
    assert contract(cache, backend, version="2025-01").decide(runtime).allowed
    pressed = contract(cache, backend, {"stateful_runtime_is_api": True}, version="2025-01")
    assert not pressed.decide(runtime).allowed


# ---------------------------------------------------------------- third-party API products


def test_third_party_api_products_leave_azure_at_agi_unless_read_otherwise(
    cache: AgreementCache, backend: str
) -> None:
    joint = launch("2030-02-01", partner="Amazon")
    default = contract(cache, backend, events=VERIFIED_2029)
    assert default.decide(joint).allowed
    assert not default.terms(on="2030-02-01").in_force()["third_party_api_exclusivity"]
    literal = contract(
        cache, backend, {"third_party_api_exclusivity_ends_at_agi": False}, VERIFIED_2029
    )
    denied = literal.decide(joint)
    assert not denied.allowed
    assert rules(denied) == ["third_party_api_launch_off_azure_denied", "third_party_partner_cited"]
    assert {c.source for c in denied.because} == {"N9"}
    # Without a partner, or for national security, the launch is allowed either way (N8, N11).
    assert literal.decide(launch("2030-02-01")).allowed
    assert literal.decide({**joint, "customer": "us_national_security"}).allowed
    # The exclusivity lasts to the API exclusivity's backstop, 2032-12-31 by default.
    assert not literal.decide({**joint, "date": "2032-12-31"}).allowed
    assert literal.decide({**joint, "date": "2033-01-01"}).allowed


def test_third_party_api_products_without_a_backstop_stay_on_azure_through_2032(
    cache: AgreementCache, backend: str
) -> None:
    literal = contract(
        cache,
        backend,
        {"third_party_api_exclusivity_ends_at_agi": False, "api_exclusivity_backstop": None},
        VERIFIED_2029,
    )
    terms = literal.advance_to("2034-01-01")
    assert terms.terms(on="2032-12-31").in_force()["third_party_api_exclusivity"]
    assert not terms.terms(on="2033-01-01").in_force()["third_party_api_exclusivity"]
    gate = next(s for s in terms.steps if s.date == dt.date(2033, 1, 1))
    assert ("third_party_api_exclusivity", False) in {(c.term, c.in_force) for c in gate.changes}
    # Without AGI the API exclusivity itself has no end, and third-party products stay with it.
    no_agi = contract(cache, backend, {"api_exclusivity_backstop": None})
    assert no_agi.terms(on="2036-01-01").in_force()["third_party_api_exclusivity"]


# ---------------------------------------------------------------- research_ip_ends_at_verification


@pytest.mark.parametrize("version", ["2025-10", "2026-04"])
def test_a_verification_ends_research_ip_unless_read_otherwise(
    cache: AgreementCache, backend: str, version: str
) -> None:
    use = {"date": "2029-01-15", "type": "ms_ip_use", "asset": "research"}
    default = contract(cache, backend, events=VERIFIED_2028, version=version)
    assert not default.terms(on="2029-01-15").in_force()["ms_research_ip"]
    assert not default.decide(use).allowed
    kept = contract(
        cache, backend, {"research_ip_ends_at_verification": False}, VERIFIED_2028, version
    )
    assert kept.terms(on="2029-01-15").in_force()["ms_research_ip"]
    assert kept.decide(use).allowed
    # Through 2030 either way (N6).
    assert not kept.terms(on="2031-01-01").in_force()["ms_research_ip"]
    assert not kept.decide({**use, "date": "2031-01-01"}).allowed


# ---------------------------------------------------------------- compute_cap_lifts_on


@pytest.mark.parametrize("version", ["2025-10", "2026-04"])
def test_a_declaration_lifts_the_compute_cap_unless_it_never_lifts(
    cache: AgreementCache, backend: str, version: str
) -> None:
    declared = [{"date": "2027-01-01", "type": "agi_declared"}]
    training = {"date": "2027-02-01", "type": "ms_agi_training", "uses_openai_ip": True,
                "training_flop": 6e27}  # fmt: skip
    default = contract(cache, backend, events=declared, version=version)
    assert not default.terms(on="2027-02-01").in_force()["ms_compute_cap"]
    assert default.decide(training).allowed
    never = contract(cache, backend, {"compute_cap_lifts_on": "never"}, declared, version)
    assert never.terms(on="2027-02-01").in_force()["ms_compute_cap"]
    denied = never.decide(training)
    assert not denied.allowed
    assert any("N14" in c.source for c in denied.because)
    # The cap still goes with the licence (N14, N4).
    assert not never.terms(on="2033-01-01").in_force()["ms_compute_cap"]


# ---------------------------------------------------------------- post_agi_guardrails


def test_post_agi_models_carry_guardrails_under_2026_04_unless_read_otherwise(
    cache: AgreementCache, backend: str
) -> None:
    new_model = {"date": "2029-01-15", "type": "ms_ip_use", "asset": "model"}
    old_model = {**new_model, "created_on": "2028-01-01"}
    default = contract(cache, backend, events=VERIFIED_2028, version="2026-04")
    assert default.decide(new_model).obligations == ("post_agi_safety_guardrails",)
    assert default.decide(old_model).obligations == ()
    dropped = contract(cache, backend, {"post_agi_guardrails": False}, VERIFIED_2028, "2026-04")
    assert dropped.decide(new_model).allowed
    assert dropped.decide(new_model).obligations == ()


# ---------------------------------------------------------------- open_weights_criteria_until


@pytest.mark.parametrize("version", ["2025-10", "2026-04"])
def test_open_weights_above_the_criteria_are_allowed_only_after_the_criteria_end(
    cache: AgreementCache, backend: str, version: str
) -> None:
    levels = {"bio_chem": "low", "cyber": "critical", "self_improvement": "low"}
    release = {"date": "2031-06-01", "type": "open_weights_release", "capability": levels}
    assert not contract(cache, backend, version=version).decide(release).allowed
    ended = contract(cache, backend, {"open_weights_criteria_until": "2030-12-31"}, version=version)
    assert ended.decide(release).allowed
    assert not ended.decide({**release, "date": "2030-12-31"}).allowed
    within = {
        **release,
        "capability": {"bio_chem": "low", "cyber": "low", "self_improvement": "low"},
    }
    assert ended.decide({**within, "date": "2030-12-31"}).allowed


# ---------------------------------------------------------------- the Azure-first obligation


def test_the_azure_first_obligation_ends_after_azure_first_ship_until(
    cache: AgreementCache, backend: str
) -> None:
    late = launch("2031-06-01")
    default = contract(cache, backend, version="2026-04")
    assert default.decide(late).obligations == ("ship_first_on_azure",)
    assert default.decide({**late, "date": "2033-01-01"}).obligations == ()
    shorter = contract(cache, backend, {"azure_first_ship_until": "2030-12-31"}, version="2026-04")
    assert shorter.decide(late).allowed
    assert shorter.decide(late).obligations == ()
    assert shorter.decide({**late, "date": "2030-12-31"}).obligations == ("ship_first_on_azure",)
    assert not shorter.terms(on="2031-01-01").in_force()["azure_first_ship"]
    endless = contract(cache, backend, {"azure_first_ship_until": None}, version="2026-04")
    assert endless.decide({**late, "date": "2034-06-01"}).obligations == ("ship_first_on_azure",)


def test_the_azure_first_exception_is_microsoft_declining(
    cache: AgreementCache, backend: str
) -> None:
    amended = contract(cache, backend, version="2026-04")
    declined = amended.decide(launch("2026-06-01", azure_declined=True))
    assert declined.allowed
    assert declined.obligations == ()
    assert "azure_declined_to_support" in rules(declined)
    assert {"S17", "S26"} <= {p.strip() for c in declined.because for p in c.source.split(",")}
    # A consumer device does not ship on a cloud, so the obligation does not attach either.
    device = amended.decide(launch("2026-06-01", kind="consumer_hardware", cloud="other"))
    assert device.obligations == ()


def test_a_product_launched_on_azure_earlier_has_shipped_first(
    cache: AgreementCache, backend: str
) -> None:
    on_azure = launch("2026-05-01", cloud="azure", name="Frontier")
    amended = contract(cache, backend, events=[on_azure], version="2026-04")
    elsewhere = launch("2026-06-01", cloud="gcp", name="Frontier")
    shipped = amended.decide(elsewhere)
    assert shipped.obligations == ()
    assert "shipped_first_on_azure" in rules(shipped)
    assert amended.decide({**elsewhere, "name": "Codex"}).obligations == ("ship_first_on_azure",)
    assert amended.decide({**elsewhere, "name": None}).obligations == ("ship_first_on_azure",)
    recorded = amended.apply(elsewhere)
    assert recorded.steps[-1].decision == shipped
    # An Azure launch under the October 2025 agreement counts after the amendment too.
    history = [
        {**on_azure, "date": "2026-01-05"},
        {"date": "2026-04-27", "type": "amendment", "to": "2026-04"},
    ]
    carried = contract(cache, backend, events=history)
    assert carried.decide(elsewhere).obligations == ()
    # An explanation of the recorded step sees the same history.
    explained = recorded.explain_step(len(recorded.steps) - 1)[0]
    assert explained.obligations == ()
    assert "shipped_first_on_azure" in {r.rule for r in explained.decided_by}


# ---------------------------------------------------------------- the revenue share both ways


def payment(day: str, amount: float, payer: str = "openai") -> Event:
    return {"date": day, "type": "revenue_share_payment", "amount_usd": amount, "payer": payer}


def test_the_revenue_share_ends_at_the_payment_that_reaches_the_cap(
    cache: AgreementCache, backend: str
) -> None:
    payments = [
        payment("2027-01-01", 2e10),
        payment("2027-06-01", 5e10, payer="microsoft"),  # Microsoft's do not count
        payment("2028-01-01", 1.8e10),  # 38e9 in all: the reported cap (S23)
    ]
    amended = contract(cache, backend, events=payments, version="2026-04")
    assert [s.changes for s in amended.steps[:2]] == [(), ()]
    assert {(c.term, c.in_force) for c in amended.steps[2].changes} == {("revenue_share", False)}
    assert amended.state.revenue_share_paid_usd == 3.8e10
    assert amended.terms(on="2027-12-31").in_force()["revenue_share"]
    assert not amended.terms(on="2028-01-01").in_force()["revenue_share"]
    assert all(d.allowed for d in (s.decision for s in amended.steps) if d is not None)
    higher = contract(cache, backend, {"revenue_share_cap_usd": 5e10}, payments, "2026-04")
    assert higher.terms(on="2030-12-31").in_force()["revenue_share"]
    assert not higher.terms(on="2031-01-01").in_force()["revenue_share"]


def test_payments_before_the_amendment_do_not_count_toward_the_cap(
    cache: AgreementCache, backend: str
) -> None:
    history = [
        payment("2026-01-01", 3e10),
        {"date": "2026-04-27", "type": "amendment", "to": "2026-04"},
        payment("2026-06-01", 3e10),
    ]
    amended = contract(cache, backend, events=history)
    assert amended.state.revenue_share_paid_usd == 3e10
    assert amended.terms(on="2026-06-01").in_force()["revenue_share"]
    decision = amended.steps[0].decision
    assert decision is not None
    assert decision.allowed
    assert amended.steps[0].changes == ()  # recorded under 2025-10, it changes nothing


def test_microsoft_pays_a_share_until_the_april_2026_amendment(
    cache: AgreementCache, backend: str
) -> None:
    prior = contract(cache, backend, version="2025-01")
    assert prior.terms(on="2030-12-31").in_force()["ms_revenue_share_to_openai"]
    assert not prior.terms(on="2031-01-01").in_force()["ms_revenue_share_to_openai"]
    october = contract(cache, backend, events=VERIFIED_2029)
    assert october.terms(on="2029-08-31").in_force()["ms_revenue_share_to_openai"]
    assert not october.terms(on="2029-09-01").in_force()["ms_revenue_share_to_openai"]
    amended = october.apply({"date": "2029-10-01", "type": "amendment", "to": "2026-04"})
    assert not amended.terms().in_force()["ms_revenue_share_to_openai"]
    late = amended.decide(payment("2029-11-01", 1e9, payer="microsoft"))
    assert late.allowed
    assert "microsoft_payment_after_amendment" in rules(late)


# ---------------------------------------------------------------- running totals stay finite


@pytest.mark.parametrize(
    ("version", "event"),
    [
        ("2025-10", {"type": "azure_purchase", "amount_usd": 1e308}),
        ("2026-04", {"type": "revenue_share_payment", "amount_usd": 1e308, "payer": "openai"}),
    ],
)
def test_an_amount_that_would_overflow_a_total_is_refused_and_changes_nothing(
    cache: AgreementCache, backend: str, version: str, event: Event
) -> None:
    start = contract(cache, backend, version=version)
    first = start.apply({"date": "2027-01-01", **event})
    with pytest.raises(agi_terms.InputError) as info:
        first.apply_all([{"date": "2027-02-01", **event}])
    assert info.value.path == (0, "amount_usd")
    assert "would exceed the largest number" in info.value.message
    assert len(first.steps) == 1
    # A payment Microsoft makes counts toward nothing, so no amount overflows a total.
    if version == "2026-04":
        microsoft = first.apply({"date": "2027-02-01", **event, "payer": "microsoft"})
        assert microsoft.state.revenue_share_paid_usd == 1e308


# ---------------------------------------------------------------- one shipped scenario per reading

# (scenario, parameter, its default as --set writes it, date, what to compare, as shipped, default)
SHOWN: tuple[tuple[str, str, str, str, str, object, object], ...] = (
    ("stateful-runtime-as-api", "stateful_runtime_is_api", "false", "2026-03-01", "allowed",
     False, True),
    ("third-party-api-after-agi", "third_party_api_exclusivity_ends_at_agi", "true", "2030-02-01",
     "allowed", False, True),
    ("research-ip-survives-verification", "research_ip_ends_at_verification", "true", "2029-01-15",
     "allowed", True, False),
    ("compute-cap-never-lifts", "compute_cap_lifts_on", "declared_not_rejected", "2028-03-01",
     "allowed", False, True),
    ("post-agi-guardrails-dropped", "post_agi_guardrails", "true", "2029-01-15", "obligations",
     [], ["post_agi_safety_guardrails"]),
    ("open-weights-criteria-end", "open_weights_criteria_until", "null", "2031-01-01", "allowed",
     True, False),
    ("azure-first-ship", "azure_first_ship_until", "2032-12-31", "2029-03-01", "obligations",
     [], ["ship_first_on_azure"]),
    ("revenue-share-cap", "revenue_share_cap_usd", "5e10", "2028-06-30", "revenue_share",
     False, True),
)  # fmt: skip


def simulate_json(path: Path, *sets: str) -> dict[str, Any]:
    args = ["simulate", str(path), "--format", "json", "--backend", "python"]
    for item in sets:
        args += ["--set", item]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def shown_on(data: dict[str, Any], day: str, what: str) -> object:
    if what == "revenue_share":
        return next(c for c in data["checkpoints"] if c["date"] == day)["terms"][what]
    step = next(s for s in data["steps"] if s["date"] == day and s["decision"] is not None)
    return step["decision"][what]


@pytest.mark.parametrize(
    ("scenario", "name", "default", "day", "what", "shipped", "otherwise"),
    SHOWN,
    ids=[row[0] for row in SHOWN],
)
def test_each_reading_has_a_scenario_that_shows_it_and_set_turns_it_back(
    scenario: str, name: str, default: str, day: str, what: str, shipped: object, otherwise: object
) -> None:
    path = SCENARIOS / f"{scenario}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "What to look at" in text
    assert f"--set {name}=" in text
    as_shipped = simulate_json(path)
    turned_back = simulate_json(path, f"{name}={default}")
    assert as_shipped["parameters"][name] != turned_back["parameters"][name]
    assert shown_on(as_shipped, day, what) == shipped
    assert shown_on(turned_back, day, what) == otherwise
