"""Monte Carlo (SPEC §10): the output for the shipped assumptions, determinism, edge cases and errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.analysis.montecarlo import (
    CHUNK_RUNS,
    MonteCarloResult,
    load_assumptions,
    parse_assumptions,
    run_montecarlo,
)
from agi_terms.errors import InputError
from agi_terms.interfaces.main import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "simulations" / "assumptions" / "default.yaml"
TERMS_2025_10 = [
    "ms_model_product_ip", "ms_frontier_model_partner", "ms_ip_exclusivity",
    "post_agi_models_covered", "ms_research_ip", "azure_api_exclusivity",
    "third_party_api_exclusivity", "revenue_share", "ms_revenue_share_to_openai", "ms_compute_cap",
    "ms_independent_agi", "ms_compute_rofr", "openai_third_party_products",
    "openai_non_api_any_cloud", "openai_natsec_any_cloud", "openai_open_weights",
    "consumer_hardware_carveout", "azure_commitment",
]  # fmt: skip
PHASES_2025_10 = ["pre_agi", "panel_review", "post_agi", "post_2032"]


def assumptions_text(**changes: str) -> str:
    """The SPEC §10 example with whole sections replaced (``declaration="{...}"``)."""
    sections = {
        "runs": "2000",
        "seed": "7",
        "horizon": "2040-12-31",
        "sample": "yearly",
        "declaration": "{probability: 0.6, between: [2026-01-01, 2040-12-31]}",
        "panel": "{verify_probability: 0.7, review_days: [30, 365]}",
        "redeclaration": "{probability: 0.5, after_days: [180, 1080]}",
    }
    sections.update(changes)
    return "".join(f"{k}: {v}\n" for k, v in sections.items() if v != "")


def run_text(text: str, **kwargs: Any) -> MonteCarloResult:
    return run_montecarlo(parse_assumptions(text), **kwargs)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "assumptions.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def share_on(result: MonteCarloResult, term: str, day: str) -> float:
    return result.terms[term][result.dates.index(dt.date.fromisoformat(day))]


# ---------------------------------------------------------------- the documented output


def test_shipped_assumptions_give_every_key_term_phase_and_yearly_date() -> None:
    code, out, err = cli("montecarlo", str(DEFAULT), "--runs", "3000", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == [
        "agreement", "runs", "seed", "dates", "terms", "phases", "lapse", "agi", "parameters",
        "assumptions",
    ]  # fmt: skip
    assert (data["agreement"], data["runs"], data["seed"]) == ("2025-10", 3000, 7)
    assert data["dates"] == [f"{year}-12-31" for year in range(2025, 2041)]
    assert list(data["terms"]) == TERMS_2025_10
    assert list(data["phases"]) == PHASES_2025_10
    assert list(data["lapse"]) == TERMS_2025_10
    for shares in [*data["terms"].values(), *data["phases"].values()]:
        assert len(shares) == len(data["dates"])
        assert all(0.0 <= s <= 1.0 for s in shares)
    for lapse in data["lapse"].values():
        assert list(lapse) == ["p10", "median", "p90", "never"]
    for k in range(len(data["dates"])):
        assert sum(p[k] for p in data["phases"].values()) == pytest.approx(1.0)


def test_shares_follow_the_calendar_and_the_defaults() -> None:
    result = run_montecarlo(load_assumptions(DEFAULT), runs=5000)
    assert share_on(result, "ms_model_product_ip", "2032-12-31") == 1.0
    assert share_on(result, "ms_model_product_ip", "2033-12-31") == 0.0
    assert share_on(result, "ms_research_ip", "2031-12-31") == 0.0
    assert 0.0 < share_on(result, "ms_research_ip", "2030-12-31") < 1.0
    assert result.phases["post_2032"][-1] == 1.0
    assert result.lapse["ms_compute_rofr"].median == dt.date(2025, 10, 28)  # never in force
    assert result.lapse["ms_independent_agi"].never == 1.0
    assert result.lapse["ms_independent_agi"].median is None
    assert result.lapse["ms_model_product_ip"].p90 == dt.date(2033, 1, 1)


def test_json_round_trips_through_the_typed_result() -> None:
    result = run_montecarlo(load_assumptions(DEFAULT), runs=500)
    again = MonteCarloResult.model_validate_json(result.to_json_text())
    assert again == result


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_json_with_one_and_two_workers(tmp_path: Path) -> None:
    runs = str(2 * CHUNK_RUNS + 123)  # three chunks, the last one short
    path = str(DEFAULT)
    one = cli("montecarlo", path, "--runs", runs, "--workers", "1", "--format", "json")
    two = cli("montecarlo", path, "--runs", runs, "--workers", "2", "--format", "json")
    assert one[0] == two[0] == 0
    assert one[1] == two[1]
    other_seed = cli("montecarlo", path, "--runs", runs, "--seed", "8", "--format", "json")
    assert other_seed[1] != one[1]


def test_a_seed_reproduces_and_chunks_do_not_depend_on_the_number_of_runs() -> None:
    text = assumptions_text()
    assert run_text(text).to_json_text() == run_text(text).to_json_text()
    small = run_text(text, runs=100)
    assert small.runs == 100
    assert small != run_text(text, runs=100, seed=8)


def test_progress_reports_every_chunk_up_to_all_runs() -> None:
    seen: list[tuple[int, int]] = []
    run_text(assumptions_text(), runs=CHUNK_RUNS + 10, progress=lambda d, t: seen.append((d, t)))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (CHUNK_RUNS + 10, CHUNK_RUNS + 10)
    assert len(seen) == 2


# ---------------------------------------------------------------- edge cases of the assumptions


def test_zero_declaration_probability_gives_the_calendar_alone() -> None:
    text = assumptions_text(declaration="{probability: 0, between: [2026-01-01, 2040-12-31]}")
    result = run_text(text)
    assert share_on(result, "ms_research_ip", "2030-12-31") == 1.0
    assert share_on(result, "ms_research_ip", "2031-12-31") == 0.0
    assert share_on(result, "azure_api_exclusivity", "2032-12-31") == 1.0
    assert share_on(result, "ms_compute_cap", "2032-12-31") == 1.0
    assert result.phases["pre_agi"][result.dates.index(dt.date(2032, 12, 31))] == 1.0
    lapse = result.lapse["ms_research_ip"]
    assert (lapse.p10, lapse.median, lapse.p90, lapse.never) == (
        dt.date(2031, 1, 1), dt.date(2031, 1, 1), dt.date(2031, 1, 1), 0.0,
    )  # fmt: skip


def test_certain_early_verification_ends_the_exclusivities_in_every_run() -> None:
    text = assumptions_text(
        declaration="{probability: 1, between: [2026-01-01, 2026-01-01]}",
        panel="{verify_probability: 1, review_days: [30, 30]}",
    )
    result = run_text(text)
    for term in ("ms_ip_exclusivity", "azure_api_exclusivity", "ms_research_ip", "revenue_share"):
        assert share_on(result, term, "2026-12-31") == 0.0
        lapse = result.lapse[term]
        assert (lapse.p10, lapse.median, lapse.p90, lapse.never) == (
            dt.date(2026, 1, 31), dt.date(2026, 1, 31), dt.date(2026, 1, 31), 0.0,
        )  # fmt: skip
    assert share_on(result, "ms_model_product_ip", "2026-12-31") == 1.0
    assert result.phases["post_agi"][result.dates.index(dt.date(2026, 12, 31))] == 1.0


def test_quantiles_are_null_when_fewer_runs_lapse_and_never_counts_the_rest() -> None:
    # Research IP outlives a horizon before 2031 unless a verification ends it (5% of runs here).
    text = assumptions_text(
        horizon="2030-06-30",
        declaration="{probability: 0.05, between: [2026-01-01, 2029-01-01]}",
        panel="{verify_probability: 1, review_days: [30, 30]}",
    )
    lapse = run_text(text, runs=4000).lapse["ms_research_ip"]
    assert lapse.p10 is None
    assert lapse.median is None
    assert 0.93 < lapse.never < 0.97


def test_a_verdict_past_the_horizon_leaves_the_declaration_pending() -> None:
    text = assumptions_text(
        horizon="2030-12-31",
        declaration="{probability: 1, between: [2030-12-01, 2030-12-01]}",
        panel="{verify_probability: 1, review_days: [60, 60]}",
    )
    result = run_text(text)
    assert result.phases["panel_review"][-1] == 1.0
    assert result.terms["ms_compute_cap"][-1] == 0.0  # lifted while the declaration is live
    assert result.terms["azure_api_exclusivity"][-1] == 1.0


def test_rejections_and_redeclarations_return_to_review() -> None:
    text = assumptions_text(
        declaration="{probability: 1, between: [2026-01-01, 2026-01-01]}",
        panel="{verify_probability: 0, review_days: [100, 100]}",
        redeclaration="{probability: 1, after_days: [200, 200]}",
        sample="[2026-04-15, 2026-06-01, 2027-01-01, 2027-01-20]",
    )
    result = run_text(text, runs=50)
    # declared 2026-01-01, rejected 2026-04-11, declared 2026-10-28, rejected 2027-02-05
    assert result.phases["panel_review"] == [0.0, 0.0, 1.0, 1.0]
    assert result.phases["pre_agi"] == [1.0, 1.0, 0.0, 0.0]
    assert result.lapse["ms_compute_cap"].median == dt.date(2026, 1, 1)
    # Never verified: research IP runs to its calendar end, well before the 2040 horizon.
    assert result.lapse["ms_research_ip"].never == 0.0
    assert result.lapse["ms_research_ip"].median == dt.date(2031, 1, 1)


def test_hundreds_of_declarations_per_run_are_counted_exactly() -> None:
    # Always rejected, always declared again 10 days later: about 900 declarations by 2150, more
    # events than the narrow encoding of a run's event number holds.
    text = assumptions_text(
        horizon="2150-12-31",
        declaration="{probability: 1, between: [2026-01-01, 2026-01-01]}",
        panel="{verify_probability: 0, review_days: [40, 40]}",
        redeclaration="{probability: 1, after_days: [10, 10]}",
        sample="[2026-02-05, 2026-02-15, 2100-06-01, 2100-06-20]",
        parameters="{api_exclusivity_backstop: null, agi_trigger: declared}",
    )
    result = run_text(text, runs=20)
    # The same story replayed by a contract: declared every 50 days, rejected 40 days later.
    events: list[dict[str, Any]] = []
    day = dt.date(2026, 1, 1)
    while day <= dt.date(2100, 6, 20):
        events.append({"date": day, "type": "agi_declared"})
        events.append({"date": day + dt.timedelta(days=40), "type": "panel_rejected"})
        day += dt.timedelta(days=50)
    params = {"api_exclusivity_backstop": None, "agi_trigger": "declared"}
    with agi_terms.load_agreement("2025-10", params, backend="python") as agreement:
        contract = agreement.start().apply_all(events)
        for i, sample in enumerate(result.dates):
            expected = contract.terms(on=sample).in_force()["azure_api_exclusivity"]
            assert result.terms["azure_api_exclusivity"][i] == (1.0 if expected else 0.0), sample
    assert result.terms["azure_api_exclusivity"][2:] != [1.0, 1.0]  # the story is not trivial


def test_parameter_overrides_from_the_file_and_from_set() -> None:
    base = assumptions_text(declaration="{probability: 0, between: [2026-01-01, 2040-12-31]}")
    no_backstop = run_text(base + "parameters: {api_exclusivity_backstop: null}\n")
    assert no_backstop.terms["azure_api_exclusivity"][-1] == 1.0
    assert no_backstop.lapse["azure_api_exclusivity"].never == 1.0
    overridden = run_text(base, overrides={"revenue_share_backstop": None})
    assert overridden.terms["revenue_share"][-1] == 1.0
    assert overridden.terms["azure_api_exclusivity"][-1] == 0.0


def test_a_list_of_sample_dates_is_reported_in_the_order_given() -> None:
    result = run_text(assumptions_text(sample="[2031-06-30, 2026-01-01]"), runs=10)
    assert result.dates == [dt.date(2031, 6, 30), dt.date(2026, 1, 1)]
    assert result.terms["ms_research_ip"][0] == 0.0


# ---------------------------------------------------------------- output for people and charts


def test_table_and_markdown_list_every_term_and_phase(tmp_path: Path) -> None:
    path = str(DEFAULT)
    code, table, _ = cli("montecarlo", path, "--runs", "200")
    assert code == 0
    code, markdown, _ = cli("montecarlo", path, "--runs", "200", "--format", "markdown")
    assert code == 0
    for name in [*TERMS_2025_10, *PHASES_2025_10]:
        assert name in table
        assert f"`{name}`" in markdown
    assert "2033-01-01" in markdown  # the licence's lapse day


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_the_chart(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"chart{suffix}"
    code, _, err = cli("montecarlo", str(DEFAULT), "--runs", "300", "--plot", str(out))
    assert code == 0, err
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data
    assert len(data) > 5000


# ---------------------------------------------------------------- errors: exit 2, one line


@pytest.mark.parametrize(
    ("changes", "place", "words"),
    [
        ({"panel": "{verify_probability: 0.7, review_days: [30]}"}, "panel.review_days[1]", "missing"),
        ({"panel": "{verify_probability: 0.7, review_days: [365, 30]}"}, "panel.review_days", "empty"),
        ({"panel": "{verify_probability: 0.7, review_days: [0, 30]}"}, "panel.review_days[0]", "1"),
        ({"panel": "{verify_probability: 1.5, review_days: [30, 60]}"}, "panel.verify_probability", "1"),
        ({"panel": "{verify_probability: true, review_days: [30, 60]}"}, "panel.verify_probability", ""),
        ({"panel": "{verify_probability: 0.5, review_days: [30, 60], quorum: 3}"}, "panel.quorum", "unknown field"),
        ({"declaration": "{probability: 0.5, between: [2020-01-01, 2030-01-01]}"}, "declaration.between", "start date"),
        ({"declaration": "{probability: 0.5, between: [2030-01-01, 2041-01-01]}"}, "declaration.between", "horizon"),
        ({"declaration": "{probability: 0.5, between: [2030-13-01, 2031-01-01]}"}, "declaration.between[0]", ""),
        ({"redeclaration": ""}, "redeclaration", "required"),
        ({"redeclaration": "{probability: 0.5, after_days: [1.5, 3]}"}, "redeclaration.after_days[0]", ""),
        ({"horizon": "2020-01-01"}, "horizon", "start date"),
        ({"sample": "monthly"}, "sample", "'yearly' or a list of dates"),
        ({"sample": "[2041-01-01]"}, "sample[0]", "horizon"),
        ({"sample": "[2030-01-01, 2030-01-01]"}, "sample[1]", "twice"),
        ({"sample": "[]"}, "sample", "non-empty"),
        ({"runs": "0"}, "runs", ""),
        ({"runs": "", "seed": "7"}, "runs", "required"),
        ({"seed": "-1"}, "seed", ""),
        ({"agreement": "'2099-01'"}, "agreement", "unknown agreement version"),
        ({"parameters": "{no_such: 1}"}, "parameters.no_such", "unknown parameter"),
        ({"parameters": "{agi_trigger: maybe}"}, "parameters.agi_trigger", "verified, declared"),
    ],
)  # fmt: skip
def test_bad_assumptions_exit_2_with_one_placed_line(
    tmp_path: Path, changes: dict[str, str], place: str, words: str
) -> None:
    path = write(tmp_path, assumptions_text(**changes))
    code, out, err = cli("montecarlo", path, "--format", "json")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: {place}: " if place else f"error: {path}: ")
    assert words in lines[0]


def test_an_error_names_the_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path, assumptions_text(panel="{verify_probability: 0.7, review_days: [365, 30]}")
    )
    code, _, err = cli("montecarlo", path)
    assert code == 2
    assert "(line 6, column" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--set", "no_such=1"], "unknown parameter"),
        (["--set", "compute_cap_lifts_on=sometimes"], "compute_cap_lifts_on"),
        (["--set", "oops"], "NAME=VALUE"),
        (["--plot", "chart.pdf"], ".png or .svg"),
        (["--runs", "0"], "--runs: runs is a whole number >= 1"),
        (["--seed", "-1"], "--seed: seed is a whole number >= 0"),
        (["--workers", "0"], "--workers: workers is a whole number >= 1"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path: Path, args: list[str], words: str) -> None:
    path = write(tmp_path, assumptions_text(runs="50"))
    code, _, err = cli("montecarlo", path, *args)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("error: ")
    assert words in err


def test_unreadable_and_malformed_files_exit_2(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    code, _, err = cli("montecarlo", missing)
    assert code == 2
    assert err.startswith(f"error: {missing}: cannot read")
    bad = write(tmp_path, "runs: [1\n")
    code, _, err = cli("montecarlo", bad)
    assert code == 2
    assert "YAML syntax" in err
    assert "line " in err
    not_a_map = write(tmp_path, "- 1\n", "list.yaml")
    code, _, err = cli("montecarlo", not_a_map)
    assert code == 2
    assert "mapping" in err


def test_library_errors_are_typed() -> None:
    with pytest.raises(InputError) as caught:
        parse_assumptions(assumptions_text(panel="{verify_probability: 2, review_days: [1, 2]}"))
    assert caught.value.place == "panel.verify_probability"
    with pytest.raises(InputError) as caught:
        run_montecarlo(parse_assumptions(assumptions_text(runs="")))
    assert caught.value.place == "runs"
    with pytest.raises(InputError) as caught:
        run_text(assumptions_text(), workers=0)
    assert caught.value.place == "--workers"


def test_the_package_exports_monte_carlo_without_loading_numpy_for_scenarios() -> None:
    import subprocess
    import sys

    code = (
        "import sys, agi_terms; loaded = 'numpy' in sys.modules; "
        "agi_terms.run_montecarlo; print(loaded, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    import agi_terms

    assert agi_terms.MonteCarloResult is MonteCarloResult
    assert "run_montecarlo" in agi_terms.__all__
    with pytest.raises(AttributeError):
        _ = agi_terms.no_such_name  # type: ignore[attr-defined]


def test_under_2025_01_the_boards_declaration_is_final_and_needs_no_panel() -> None:
    text = "agreement: '2025-01'\n" + assumptions_text(
        declaration="{probability: 1, between: [2026-01-01, 2026-01-01]}",
        panel="{verify_probability: 0, review_days: [30, 30]}",
    )
    result = run_text(text + "parameters: {declaration_ends_exclusivities: true}\n", runs=200)
    assert result.phases["post_agi"][result.dates.index(dt.date(2026, 12, 31))] == 1.0
    assert result.lapse["azure_api_exclusivity"].median == dt.date(2026, 1, 1)
    assert result.lapse["ms_model_product_ip"].median == dt.date(2031, 1, 1)


def test_under_2026_04_a_verification_changes_only_what_the_april_text_leaves() -> None:
    # The exclusivities and the revenue share no longer follow AGI (S17); where the April text is
    # silent, N14 and N6 stand: the declaration lifts the cap, the verification ends research IP.
    certain = assumptions_text(
        declaration="{probability: 1, between: [2027-01-01, 2027-01-01]}",
        panel="{verify_probability: 1, review_days: [30, 30]}",
    )
    never = assumptions_text(declaration="{probability: 0, between: [2027-01-01, 2027-01-01]}")
    verified = run_text("agreement: '2026-04'\n" + certain, runs=100)
    calendar = run_text("agreement: '2026-04'\n" + never, runs=100)
    differing = {t for t in verified.terms if verified.terms[t] != calendar.terms[t]}
    assert differing == {"ms_compute_cap", "ms_research_ip"}
    at_2027 = verified.dates.index(dt.date(2027, 12, 31))
    assert verified.terms["ms_research_ip"][at_2027] == 0.0
    assert calendar.terms["ms_research_ip"][at_2027] == 1.0
    assert verified.phases["post_agi"][at_2027] == 1.0
    # With both readings turned off, AGI changes no term at all.
    readings = (
        "parameters: {compute_cap_lifts_on: never, research_ip_ends_at_verification: false}\n"
    )
    silent = run_text("agreement: '2026-04'\n" + certain + readings, runs=100)
    assert silent.terms == run_text("agreement: '2026-04'\n" + never + readings, runs=100).terms


def test_a_parameter_of_another_version_is_refused() -> None:
    # A population never amends, so only its own version's parameters can mean anything.
    text = assumptions_text(parameters="{declaration_ends_exclusivities: true}")
    with pytest.raises(InputError, match="unknown parameter 'declaration_ends_exclusivities'"):
        run_text(text, runs=10)
