"""The semantics of SPEC §3–§6 for version 2025-10, run once per rules backend.

``EngineBehaviour`` holds the tests; each subclass at the bottom runs all of them on one backend.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import agi_terms
import pytest
from agi_terms import (
    Agreement,
    Contract,
    EventOrderError,
    InputError,
    LifecycleError,
    UnknownParameterError,
    UnknownVersionError,
    load_agreement,
)

D = dt.date


def declared(day: str) -> dict[str, Any]:
    return {"date": day, "type": "agi_declared"}


def verified(day: str) -> dict[str, Any]:
    return {"date": day, "type": "panel_verified"}


def rejected(day: str) -> dict[str, Any]:
    return {"date": day, "type": "panel_rejected"}


def launch(day: str, cloud: str, kind: str = "api", **extra: Any) -> dict[str, Any]:
    return {"date": day, "type": "product_launch", "kind": kind, "cloud": cloud, **extra}


def training(day: str, flop: float, uses_ip: bool = True) -> dict[str, Any]:
    return {
        "date": day,
        "type": "ms_agi_training",
        "uses_openai_ip": uses_ip,
        "training_flop": flop,
    }


class EngineBehaviour:
    backend: ClassVar[str]

    @pytest.fixture(scope="class")
    @classmethod
    def agreement(cls) -> Iterator[Agreement]:
        with load_agreement("2025-10", backend=cls.backend) as agreement:
            yield agreement

    def with_params(self, **params: object) -> Agreement:
        return load_agreement("2025-10", parameters=params, backend=self.backend)

    def terms(self, contract: Contract, day: str) -> dict[str, bool]:
        return contract.terms(on=day).in_force()

    # ---------------------------------------------------------------- start and calendar

    def test_backend_is_the_one_asked_for(self, agreement: Agreement) -> None:
        assert agreement.backend == self.backend

    def test_a_new_contract_starts_pre_agi_on_the_effective_date(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start()
        assert contract.phase == "pre_agi"
        assert contract.state.date == D(2025, 10, 28)
        terms = self.terms(contract, "2025-10-28")
        assert set(terms) == set(agreement.rulebook.term_ids)
        assert terms["ms_model_product_ip"]
        assert terms["ms_research_ip"]
        assert terms["azure_api_exclusivity"]
        assert terms["ms_compute_cap"]
        assert not terms["ms_compute_rofr"]

    def test_research_ip_ends_after_2030_without_agi(self, agreement: Agreement) -> None:
        contract = agreement.start()
        assert self.terms(contract, "2030-12-31")["ms_research_ip"]
        assert not self.terms(contract, "2031-01-01")["ms_research_ip"]

    def test_licence_runs_through_2032_whatever_the_agi_status(self, agreement: Agreement) -> None:
        contract = agreement.start().apply_all([declared("2026-01-05"), verified("2026-06-01")])
        assert self.terms(contract, "2032-12-31")["ms_model_product_ip"]
        assert self.terms(contract, "2032-12-31")["post_agi_models_covered"]
        assert not self.terms(contract, "2033-01-01")["ms_model_product_ip"]

    def test_post_2032_is_reached_on_2033_01_01_by_a_calendar_step(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start().apply(launch("2033-01-01", "aws"))
        calendar = [s for s in contract.steps if s.type == "calendar"]
        assert [s.date for s in calendar] == [D(2031, 1, 1), D(2033, 1, 1)]
        # The gate comes before the event of the same date, so the launch is already post_2032.
        assert contract.steps[-2].type == "calendar"
        assert contract.steps[-2].phase == "post_2032"
        assert contract.steps[-1].decision is not None
        assert contract.steps[-1].decision.allowed
        assert contract.terms(on="2032-12-31").phase == "pre_agi"
        assert contract.terms(on="2033-01-01").phase == "post_2032"

    def test_a_non_default_backstop_adds_a_calendar_gate(self) -> None:
        with self.with_params(api_exclusivity_backstop="2031-06-30") as agreement:
            contract = agreement.start().advance_to("2032-01-01")
            gates = [s.date for s in contract.steps if s.type == "calendar"]
            assert gates == [D(2031, 1, 1), D(2031, 7, 1)]
            # Third-party API products follow the API exclusivity by default (N9).
            assert [c.term for c in contract.steps[1].changes] == [
                "azure_api_exclusivity",
                "third_party_api_exclusivity",
            ]

    def test_no_backstop_keeps_api_exclusivity_after_2032(self) -> None:
        with self.with_params(api_exclusivity_backstop=None) as agreement:
            contract = agreement.start()
            assert self.terms(contract, "2040-01-01")["azure_api_exclusivity"]
            after = contract.apply_all([declared("2034-01-01"), verified("2034-05-01")])
            assert after.phase == "post_2032"
            assert self.terms(after, "2034-04-30")["azure_api_exclusivity"]
            assert not self.terms(after, "2034-05-01")["azure_api_exclusivity"]

    # ---------------------------------------------------------------- AGI lifecycle

    def test_declaration_alone_changes_only_the_compute_cap(self, agreement: Agreement) -> None:
        contract = agreement.start().apply(declared("2027-01-01"))
        assert contract.phase == "panel_review"
        assert [(c.term, c.in_force) for c in contract.steps[-1].changes] == [
            ("ms_compute_cap", False)
        ]

    def test_verification_ends_research_ip_and_exclusivities_on_the_verdict_date(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), verified("2027-06-01")])
        before, on = self.terms(contract, "2027-05-31"), self.terms(contract, "2027-06-01")
        for term in (
            "ms_research_ip",
            "azure_api_exclusivity",
            "ms_ip_exclusivity",
            "revenue_share",
        ):
            assert before[term], term
            assert not on[term], term
        assert on["ms_model_product_ip"]
        assert on["post_agi_models_covered"]
        assert contract.phase == "post_agi"

    def test_rejection_returns_to_pre_agi_and_a_new_declaration_is_possible(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), rejected("2027-04-01")])
        assert contract.phase == "pre_agi"
        assert self.terms(contract, "2027-04-01")["ms_compute_cap"]
        again = contract.apply_all([declared("2028-01-01"), verified("2028-03-01")])
        assert again.phase == "post_agi"
        assert [s.phase for s in again.steps] == [
            "panel_review",
            "pre_agi",
            "panel_review",
            "post_agi",
        ]

    def test_a_second_declaration_while_one_is_pending_is_refused(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start().apply(declared("2027-01-01"))
        with pytest.raises(LifecycleError, match="already pending"):
            contract.apply(declared("2027-02-01"))
        assert contract.phase == "panel_review"
        assert len(contract.steps) == 1

    def test_a_verdict_without_a_declaration_is_refused(self, agreement: Agreement) -> None:
        with pytest.raises(LifecycleError, match="no declaration is pending"):
            agreement.start().apply(verified("2027-01-01"))
        with pytest.raises(LifecycleError, match="no declaration is pending"):
            agreement.start().apply(rejected("2027-01-01"))

    def test_a_declaration_after_verification_is_refused(self, agreement: Agreement) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), verified("2027-02-01")])
        with pytest.raises(LifecycleError, match="already been verified"):
            contract.apply(declared("2028-01-01"))

    def test_agi_events_after_2032_are_recorded_in_post_2032(self, agreement: Agreement) -> None:
        contract = agreement.start().apply_all([declared("2034-01-01"), rejected("2034-02-01")])
        assert [s.phase for s in contract.steps[-2:]] == ["post_2032", "post_2032"]
        assert not contract.state.agi.live
        contract = contract.apply(declared("2035-01-01"))
        assert contract.state.agi.pending

    # ---------------------------------------------------------------- parameters

    def test_agi_trigger_declared_ends_exclusivities_at_declaration_and_restores_them(
        self,
    ) -> None:
        with self.with_params(agi_trigger="declared") as agreement:
            contract = agreement.start().apply_all([declared("2027-01-01"), rejected("2027-05-01")])
            assert not self.terms(contract, "2027-01-01")["azure_api_exclusivity"]
            assert not self.terms(contract, "2027-01-01")["ms_ip_exclusivity"]
            assert self.terms(contract, "2027-01-01")["ms_research_ip"]
            assert self.terms(contract, "2027-05-01")["azure_api_exclusivity"]

    @pytest.mark.parametrize(
        ("lifts_on", "pending", "after_rejection"),
        [
            ("declared_not_rejected", False, True),
            ("declared", False, False),
            ("verified", True, True),
        ],
    )
    def test_compute_cap_lifts_as_the_parameter_says(
        self, lifts_on: str, pending: bool, after_rejection: bool
    ) -> None:
        with self.with_params(compute_cap_lifts_on=lifts_on) as agreement:
            contract = agreement.start().apply_all([declared("2027-01-01"), rejected("2027-05-01")])
            assert self.terms(contract, "2027-02-01")["ms_compute_cap"] is pending
            assert self.terms(contract, "2027-05-01")["ms_compute_cap"] is after_rejection

    def test_unknown_parameter_and_bad_value_are_refused(self) -> None:
        with pytest.raises(UnknownParameterError, match="nonsense"):
            self.with_params(nonsense=1)
        with pytest.raises(InputError) as info:
            self.with_params(agi_trigger="maybe")
        assert info.value.place == "parameters.agi_trigger"

    def test_unknown_version_is_refused(self) -> None:
        with pytest.raises(UnknownVersionError, match="2099-01"):
            load_agreement("2099-01", backend=self.backend)

    # ---------------------------------------------------------------- decisions

    def test_api_launch_off_azure_is_denied_while_exclusive(self, agreement: Agreement) -> None:
        contract = agreement.start()
        denied = contract.decide(launch("2026-01-01", "aws", partner="Amazon"))
        assert not denied.allowed
        assert [c.rule for c in denied.because] == [
            "api_launch_off_azure_denied",
            "third_party_api_launch_off_azure_denied",
            "third_party_partner_cited",
        ]
        assert denied.because[0].source == "N8, N9"
        assert contract.decide(launch("2026-01-01", "azure")).allowed
        assert contract.decide(launch("2026-01-01", "aws", customer="us_national_security")).allowed
        assert contract.decide(launch("2026-01-01", "aws", kind="non_api")).allowed

    def test_api_launch_off_azure_is_allowed_after_verification(self, agreement: Agreement) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), verified("2027-02-01")])
        assert not contract.decide(launch("2027-01-31", "gcp")).allowed
        assert contract.decide(launch("2027-02-01", "gcp")).allowed

    def test_compute_threshold_is_strictly_greater(self, agreement: Agreement) -> None:
        contract = agreement.start()
        at = contract.decide(training("2026-01-01", 5e27))
        above = contract.decide(training("2026-01-01", 5.000001e27))
        assert at.allowed
        assert at.obligations == ("stay_within_compute_threshold",)
        assert not above.allowed
        assert contract.decide(training("2026-01-01", 1e30, uses_ip=False)).allowed

    def test_training_with_openai_ip_after_the_licence_is_denied(
        self, agreement: Agreement
    ) -> None:
        decision = agreement.start().decide(training("2033-01-01", 1.0))
        assert not decision.allowed
        assert [c.rule for c in decision.because] == ["agi_training_with_openai_ip_without_licence"]

    def test_post_agi_assets_carry_guardrails(self, agreement: Agreement) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), verified("2027-06-01")])
        use = {"date": "2028-01-01", "type": "ms_ip_use", "asset": "model"}
        fresh = contract.decide({**use, "created_on": "2027-06-01"})
        old = contract.decide({**use, "created_on": "2027-05-31"})
        assert fresh.allowed
        assert fresh.obligations == ("post_agi_safety_guardrails",)
        assert old.allowed
        assert old.obligations == ()

    def test_consumer_hardware_use_is_never_allowed(self, agreement: Agreement) -> None:
        contract = agreement.start()
        for day in ("2025-10-28", "2029-01-01", "2034-01-01"):
            decision = contract.decide(
                {"date": day, "type": "ms_ip_use", "asset": "consumer_hardware"}
            )
            assert not decision.allowed

    def test_open_weights_gate_follows_the_max_level(self) -> None:
        release = {
            "date": "2026-01-01",
            "type": "open_weights_release",
            "capability": {"bio_chem": "high", "cyber": "low", "self_improvement": "low"},
        }
        with self.with_params() as default, self.with_params(open_weights_max_level="high") as lax:
            assert not default.start().decide(release).allowed
            assert lax.start().decide(release).allowed

    def test_azure_purchases_fulfil_the_commitment(self, agreement: Agreement) -> None:
        buy = {"date": "2027-01-01", "type": "azure_purchase", "amount_usd": 2.0e11}
        contract = agreement.start().apply(buy)
        assert self.terms(contract, "2027-01-01")["azure_commitment"]
        contract = contract.apply({**buy, "amount_usd": 5.0e10})
        assert not self.terms(contract, "2027-01-01")["azure_commitment"]
        assert contract.steps[-1].changes[0].term == "azure_commitment"

    def test_deciding_a_lifecycle_event_is_an_input_error(self, agreement: Agreement) -> None:
        with pytest.raises(InputError, match="lifecycle event"):
            agreement.start().decide(declared("2027-01-01"))

    # ---------------------------------------------------------------- contracts are values

    def test_apply_returns_a_new_contract_and_leaves_the_old_one(
        self, agreement: Agreement
    ) -> None:
        start = agreement.start()
        after = start.apply(declared("2027-01-01"))
        assert start.phase == "pre_agi"
        assert start.steps == ()
        assert after.phase == "panel_review"

    def test_events_out_of_order_or_before_the_start_are_refused(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start().apply(declared("2027-01-01"))
        with pytest.raises(EventOrderError, match="chronological"):
            contract.apply(verified("2026-12-31"))
        with pytest.raises(EventOrderError, match="start date"):
            agreement.start().apply(launch("2025-10-27", "azure"))

    def test_a_bad_event_in_a_batch_applies_nothing(self, agreement: Agreement) -> None:
        start = agreement.start()
        with pytest.raises(InputError) as info:
            start.apply_all([declared("2027-01-01"), launch("2027-02-01", "moon")])
        assert info.value.place == "[1].cloud"
        assert start.steps == ()

    def test_checkpoints_see_only_events_dated_on_or_before_them(
        self, agreement: Agreement
    ) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), verified("2028-01-01")])
        assert contract.terms(on="2026-06-01").phase == "pre_agi"
        assert contract.terms(on="2027-06-01").phase == "panel_review"
        assert contract.terms(on="2029-06-01").phase == "post_agi"

    def test_term_status_names_the_rules_behind_it(self, agreement: Agreement) -> None:
        contract = agreement.start().apply_all([declared("2027-01-01"), verified("2027-02-01")])
        status = contract.terms(on="2027-03-01").terms
        assert status["ms_research_ip"].reason == "ended"
        assert [c.rule for c in status["ms_research_ip"].because] == [
            "research_ip_ends_at_verification"
        ]
        assert status["ms_model_product_ip"].reason == "granted"
        assert status["ms_compute_rofr"].reason == "ended"

    def test_json_round_trip_continues_with_the_same_results(self, agreement: Agreement) -> None:
        events = [declared("2027-01-01"), rejected("2027-03-01"), launch("2027-04-01", "aws")]
        contract = agreement.start().apply_all(events)
        restored = agi_terms.load_contract(contract.to_json(), agreement=agreement)
        assert restored == contract
        more = [declared("2029-01-01"), verified("2029-02-01")]
        assert restored.apply_all(more) == contract.apply_all(more)
        loaded = agi_terms.load_contract(contract.to_json(), backend=self.backend)
        assert [s.to_json() for s in loaded.steps] == [s.to_json() for s in contract.steps]

    def test_batching_does_not_change_the_result(self, agreement: Agreement) -> None:
        events = [declared("2027-01-01"), training("2027-02-01", 6e27), verified("2027-05-01")]
        one_by_one = agreement.start()
        for event in events:
            one_by_one = one_by_one.apply(event)
        assert one_by_one == agreement.start().apply_all(events)

    def test_many_threads_share_one_agreement(self, agreement: Agreement) -> None:
        contract = agreement.start().apply(declared("2027-01-01"))
        actions = [training("2027-02-01", f) for f in (1e27, 6e27)] + [
            launch("2027-02-01", c) for c in ("azure", "aws", "gcp")
        ]
        expected = [contract.decide(a) for a in actions]
        failures: list[str] = []

        def worker() -> None:
            for _ in range(50):
                got = [contract.decide(a) for a in actions]
                if got != expected:
                    failures.append("mismatch")

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []

    def test_thousands_of_contracts_live_in_one_agreement(self, agreement: Agreement) -> None:
        # durable_rules allows 1024 contexts per ruleset; contracts here are values, so no limit shows.
        contracts = [agreement.start().apply(declared("2027-01-01")) for _ in range(1500)]
        assert all(c.phase == "panel_review" for c in contracts)
        assert contracts[-1].decide(launch("2027-02-01", "aws")).allowed is False

    # ---------------------------------------------------------------- versions and amendments

    def test_amendment_switches_the_rules_and_lists_what_changed(self) -> None:
        with load_agreement("2025-10", backend=self.backend) as agreement:
            contract = agreement.start().apply(
                {"date": "2026-04-27", "type": "amendment", "to": "2026-04"}
            )
            assert contract.version == "2026-04"
            changes = {(c.term, c.in_force) for c in contract.steps[-1].changes}
            assert changes == {
                ("ms_ip_exclusivity", False),
                ("azure_api_exclusivity", False),
                ("third_party_api_exclusivity", False),
                ("ms_revenue_share_to_openai", False),  # "Microsoft will no longer pay" (S17)
                ("azure_first_ship", True),
            }
            launch_off_azure = contract.decide(launch("2026-05-01", "aws"))
            assert launch_off_azure.allowed
            assert launch_off_azure.obligations == ("ship_first_on_azure",)
            assert contract.terms(on="2026-04-26").version == "2025-10"

    def test_amendments_are_refused_when_unknown_repeated_or_too_early(self) -> None:
        with load_agreement("2025-01", backend=self.backend) as agreement:
            start = agreement.start()
            with pytest.raises(InputError, match="unknown agreement version") as info:
                start.apply({"date": "2025-11-01", "type": "amendment", "to": "2024-01"})
            assert info.value.place == "to"
            with pytest.raises(InputError, match="already under version 2025-01"):
                start.apply({"date": "2025-11-01", "type": "amendment", "to": "2025-01"})
            with pytest.raises(InputError, match="takes effect on 2026-04-27"):
                start.apply({"date": "2026-01-01", "type": "amendment", "to": "2026-04"})

    def test_an_amendment_back_to_an_older_version_is_a_what_if(self) -> None:
        with load_agreement("2025-10", backend=self.backend) as agreement:
            contract = agreement.start().apply_all(
                [
                    declared("2027-01-01"),
                    {"date": "2027-02-01", "type": "amendment", "to": "2025-01"},
                ]
            )
            # Under 2025-01 a declaration is the board's final word: the contract is post_agi.
            assert contract.version == "2025-01"
            assert contract.phase == "post_agi"
            assert self.terms(contract, "2027-02-01")["ms_compute_rofr"]

    def test_a_board_declaration_carries_into_the_panel_under_2025_10(self) -> None:
        with load_agreement("2025-01", backend=self.backend) as agreement:
            contract = agreement.start().apply_all(
                [
                    declared("2025-07-01"),
                    {"date": "2025-10-28", "type": "amendment", "to": "2025-10"},
                ]
            )
            assert contract.phase == "panel_review"
            assert contract.apply(verified("2026-01-01")).phase == "post_agi"

    def test_panel_events_are_not_events_of_2025_01(self) -> None:
        with load_agreement("2025-01", backend=self.backend) as agreement:
            contract = agreement.start().apply(declared("2025-07-01"))
            assert contract.phase == "post_agi"
            with pytest.raises(LifecycleError, match="not an event of agreement 2025-01"):
                contract.apply(verified("2025-08-01"))

    def test_2025_01_bars_microsoft_from_agi_until_2031(self) -> None:
        with load_agreement("2025-01", backend=self.backend) as agreement:
            contract = agreement.start()
            assert not contract.decide(training("2030-12-31", 1.0, uses_ip=False)).allowed
            assert contract.decide(training("2031-01-01", 1.0, uses_ip=False)).allowed

    def test_2025_01_rofr_needs_an_offer_for_other_providers(self) -> None:
        with load_agreement("2025-01", backend=self.backend) as agreement:
            contract = agreement.start()
            deal = {"date": "2025-03-01", "type": "compute_contract", "provider": "Oracle"}
            assert not contract.decide(deal).allowed
            assert contract.decide({**deal, "rofr_offered": True}).allowed
            assert contract.decide({**deal, "provider": "Microsoft"}).allowed

    def test_2026_04_agi_events_change_only_the_terms_the_april_text_leaves(self) -> None:
        # The exclusivities and the revenue share no longer follow AGI (S17); the April text is
        # silent on the compute cap and the research IP, so N14 and N6 stand (SPEC §5.1).
        with load_agreement("2026-04", backend=self.backend) as agreement:
            contract = agreement.start().apply_all([declared("2027-01-01"), verified("2027-06-01")])
            assert [{(c.term, c.in_force) for c in s.changes} for s in contract.steps] == [
                {("ms_compute_cap", False)},
                {("ms_research_ip", False)},
            ]
            assert contract.phase == "post_agi"


class TestPythonBackend(EngineBehaviour):
    backend = "python"


class TestDurableBackend(EngineBehaviour):
    backend = "durable"


def test_both_backends_agree_on_every_shipped_scenario() -> None:
    from pathlib import Path

    scenarios = sorted((Path(__file__).parent.parent / "simulations" / "scenarios").glob("*.yaml"))
    assert len(scenarios) >= 8
    for path in scenarios:
        scenario = agi_terms.load_scenario(path)
        results = [agi_terms.simulate(scenario, backend=b).to_json() for b in ("python", "durable")]
        assert results[0] == results[1], path.name


def test_default_backend_is_durable_where_it_imports() -> None:
    if importlib.util.find_spec("durable_rules_engine") is None:
        pytest.skip("durable_rules does not import on this Python")
    assert agi_terms.default_backend() == "durable"
    with load_agreement() as agreement:
        assert agreement.backend == "durable"


def test_default_backend_is_python_where_durable_does_not_import() -> None:
    code = (
        "import importlib.util, sys\n"
        "find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name.startswith('durable') else find(name, *a)\n"
        "import agi_terms\n"
        "print(agi_terms.default_backend(), agi_terms.load_agreement('2025-10').backend)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["python", "python"]


def test_a_scenario_may_set_parameters_of_the_versions_it_amends_to() -> None:
    amended = agi_terms.parse_scenario(
        "parameters: {declaration_ends_exclusivities: true}\n"
        "events:\n  - {date: 2026-01-01, type: amendment, to: '2025-01'}\n"
        "  - {date: 2026-02-01, type: agi_declared}\n"
        "checkpoints: [2026-02-01]\n"
    )
    result = agi_terms.simulate(amended, backend="python")
    assert result.checkpoints[0].terms["azure_api_exclusivity"] is False
    plain = agi_terms.parse_scenario(
        "parameters: {declaration_ends_exclusivities: true}\nevents: []\n"
    )
    with pytest.raises(UnknownParameterError, match="declaration_ends_exclusivities"):
        agi_terms.simulate(plain, backend="python")


def test_purchases_before_the_commitment_do_not_count_toward_it() -> None:
    # The October 2025 commitment counts Azure purchases since T0 (N16), not those made under
    # the January 2025 terms.
    with agi_terms.load_agreement("2025-01", backend="python") as agreement:
        contract = agreement.start().apply_all(
            [
                {"date": "2025-05-01", "type": "azure_purchase", "amount_usd": 3.0e11},
                {"date": "2025-10-28", "type": "amendment", "to": "2025-10"},
                {"date": "2026-01-01", "type": "azure_purchase", "amount_usd": 2.0e11},
            ]
        )
        assert contract.terms(on="2025-10-28").in_force()["azure_commitment"]
        assert contract.terms(on="2026-01-01").in_force()["azure_commitment"]
        done = contract.apply({"date": "2026-02-01", "type": "azure_purchase", "amount_usd": 5e10})
        assert not done.terms(on="2026-02-01").in_force()["azure_commitment"]


def test_a_long_history_is_applied_in_one_pass() -> None:
    # 4,000 events through apply_all give the same timeline as one by one (the batch path gathers
    # steps in lists and freezes them once).
    events = [
        {"date": f"{2026 + i // 400}-01-{1 + (i % 400) // 16:02d}", "type": "azure_purchase",
         "amount_usd": 1e6}
        for i in range(4000)
    ]  # fmt: skip
    with agi_terms.load_agreement(backend="python") as agreement:
        batch = agreement.start().apply_all(events)
        single = agreement.start()
        for event in events[:300]:
            single = single.apply(event)
        assert len(batch.events) == 4000
        assert batch.steps[: len(single.steps)] == single.steps
        assert batch.state.azure_purchased_usd == 4000 * 1e6
