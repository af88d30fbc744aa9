"""Monte Carlo for forecasters (SPEC §10, Dec 2026): CDF timing, the assumptions in every output,
sensitivity, data out, and the chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

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
MARKETS = ROOT / "simulations" / "assumptions" / "markets-2026.yaml"
START = dt.date(2025, 10, 28)
ENDS_AT_VERIFICATION = ("ms_research_ip", "revenue_share", "ms_ip_exclusivity",
                        "azure_api_exclusivity")  # fmt: skip
"""Terms a verification ends with the default agi_trigger (N6, N15, N3, N8)."""


def text(**sections: str) -> str:
    base = {
        "runs": "20000",
        "seed": "3",
        "horizon": "2034-12-31",
        "sample": "yearly",
        "declaration": "{probability: 0.6, between: [2026-01-01, 2034-12-31]}",
        "panel": "{verify_probability: 0.7, review_days: [30, 365]}",
        "redeclaration": "{probability: 0.5, after_days: [180, 1080]}",
    }
    base.update(sections)
    return "".join(f"{k}: {v}\n" for k, v in base.items() if v)


def run(source: str, **kwargs: Any) -> MonteCarloResult:
    return run_montecarlo(parse_assumptions(source), **kwargs)


def cli(*args: str, columns: int = 80) -> tuple[int, str, str]:
    done = CliRunner(env={"COLUMNS": str(columns)}).invoke(main, list(args))
    return done.exit_code, done.stdout, done.stderr


def z_score(found: float, p: float, runs: int) -> float:
    return abs(found - p) / math.sqrt(p * (1 - p) / runs)


# ---------------------------------------------------------------- CDF timing


def exact_cdf(points: list[tuple[dt.date, float]], day: dt.date) -> float:
    """P(first declaration on or before ``day``): linear in whole days between the points."""
    previous = (START, 0.0)
    for on, p in points:
        if day <= on:
            span = (on - previous[0]).days
            return previous[1] + (p - previous[1]) * (day - previous[0]).days / span
        previous = (on, p)
    return previous[1]  # no first declaration after the last point


CDF = [(dt.date(2026, 12, 31), 0.1), (dt.date(2027, 6, 30), 0.1), (dt.date(2028, 12, 31), 0.5),
       (dt.date(2030, 12, 31), 0.72)]  # fmt: skip
SAMPLES = ["2026-03-01", "2026-12-31", "2027-03-31", "2027-06-30", "2028-01-15", "2028-12-31",
           "2030-01-01", "2030-12-31", "2032-12-31"]  # fmt: skip


def test_cdf_timing_matches_the_exact_distribution_within_sampling_error() -> None:
    cdf = "[" + ", ".join(f"[{d}, {p}]" for d, p in CDF) + "]"
    runs = 200_000
    result = run(
        text(declaration=f"{{cdf: {cdf}, source: a test}}", sample="[" + ", ".join(SAMPLES) + "]"),
        runs=runs,
    )
    declared = dict(zip(result.dates, result.agi["declared"], strict=True))
    for day, share in declared.items():
        p = exact_cdf(CDF, day)
        assert z_score(share, p, runs) <= 5, (day, share, p)
    on = {d.isoformat(): s for d, s in declared.items()}
    # A flat stretch of the distribution holds no declaration at all, nor does the time after it.
    assert on["2026-12-31"] == on["2027-03-31"] == on["2027-06-30"]
    assert on["2030-12-31"] == on["2032-12-31"]


def test_probability_and_between_match_the_uniform_distribution() -> None:
    runs = 100_000
    result = run(text(), runs=runs)
    first, last = dt.date(2026, 1, 1), dt.date(2034, 12, 31)
    for day, share in zip(result.dates, result.agi["declared"], strict=True):
        p = (
            0.6
            * max(0, min((day - first).days + 1, (last - first).days + 1))
            / ((last - first).days + 1)
        )
        if 0 < p < 1:
            assert z_score(share, p, runs) <= 5, (day, share, p)
        else:
            assert share == p


@pytest.mark.parametrize(
    ("declaration", "place", "words"),
    [
        ("{cdf: [[2026-12-31, 0.3], [2027-12-31, 0.2]]}", "declaration.cdf[1][1]", "never decreases"),
        ("{cdf: [[2027-12-31, 0.3], [2026-12-31, 0.4]]}", "declaration.cdf[1][0]", "increase strictly"),
        ("{cdf: [[2025-10-28, 0.3]]}", "declaration.cdf[0][0]", "start date"),
        ("{cdf: [[2041-01-01, 0.3]]}", "declaration.cdf[0][0]", "horizon"),
        ("{cdf: [[2026-12-31, 1.2]]}", "declaration.cdf[0][1]", "1"),
        ("{cdf: []}", "declaration.cdf", "at least one"),
        ("{cdf: [[2026-12-31, 0.3]], probability: 0.5}", "declaration.probability", "not both"),
        ("{between: [2026-01-01, 2027-01-01]}", "declaration.probability", "or give cdf"),
        ("{cdf: [[2026-12-31, 0.3]], sauce: S27}", "declaration.sauce", "unknown field"),
    ],
)  # fmt: skip
def test_a_bad_cdf_is_refused_at_its_place(declaration: str, place: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_assumptions(text(horizon="2040-12-31", declaration=declaration))
    assert caught.value.place == place
    assert words in str(caught.value)
    assert caught.value.line == 5


def test_every_section_may_cite_a_source_and_the_outputs_show_it() -> None:
    source = text(
        panel="{verify_probability: 0.7, review_days: [30, 365], source: panel guess}",
        redeclaration="{probability: 0.5, after_days: [180, 1080], source: S28}",
    )
    result = run(source, runs=100)
    assert result.assumptions["panel"]["source"] == "panel guess"
    assert result.assumptions["redeclaration"]["source"] == "S28"


def test_the_markets_preset_runs_and_its_chart_shows_the_assumptions(tmp_path: Path) -> None:
    chart = tmp_path / "markets.svg"
    code, out, err = cli("montecarlo", str(MARKETS), "--runs", "20000", "--format", "json",
                         "--plot", str(chart))  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["assumptions"]["declaration"]["cdf"][-1] == ["2029-12-31", 0.45]
    assert "S27" in data["assumptions"]["declaration"]["source"]
    on = dict(zip(data["dates"], data["agi"]["declared"], strict=True))
    assert on["2035-12-31"] == on["2029-12-31"]  # the markets quote nothing later
    assert z_score(on["2029-12-31"], 0.45, 20000) <= 5
    svg = chart.read_text()
    assert "8.2% by 2026-12-31" in svg
    assert "source: S27" in svg
    comment = MARKETS.read_text()
    assert "not the expert panel" in comment.replace("\n#  ", " ").replace("\n# ", " ")


# ---------------------------------------------------------------- the assumptions in every output


def test_json_carries_every_parameter_and_the_resolved_assumptions() -> None:
    code, out, _ = cli("montecarlo", str(DEFAULT), "--runs", "500", "--seed", "9", "--format",
                       "json", "--set", "api_exclusivity_backstop=null")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["parameters"]["api_exclusivity_backstop"] is None
    assert data["parameters"]["agi_trigger"] == "verified"
    assert set(data["parameters"]) >= {"revenue_share_backstop", "compute_cap_lifts_on"}
    resolved = data["assumptions"]
    assert (resolved["runs"], resolved["seed"]) == (500, 9)
    assert resolved["parameters"] == {"api_exclusivity_backstop": None}
    assert resolved["declaration"] == {"probability": 0.6, "between": ["2026-01-01", "2040-12-31"]}
    assert "sensitivity" not in data


def test_table_shows_assumptions_and_marks_overrides_with_their_default() -> None:
    code, out, _ = cli("montecarlo", str(DEFAULT), "--runs", "500",
                       "--set", "api_exclusivity_backstop=null")  # fmt: skip
    assert code == 0
    assert "verifies 70.0% of declarations, 30–365 days after each" in out
    assert "api_exclusivity_backstop = null  (set; default 2032-12-31)" in out
    assert "agi_trigger = verified\n" in out  # not set: no mark
    code, markdown, _ = cli("montecarlo", str(DEFAULT), "--runs", "500", "--format", "markdown",
                            "--set", "api_exclusivity_backstop=null")  # fmt: skip
    assert "`api_exclusivity_backstop` = `null` (set; default `2032-12-31`)" in markdown
    assert "**panel**: verifies 70.0% of declarations" in markdown


def test_the_table_reads_at_80_columns_with_dates_as_rows() -> None:
    code, out, _ = cli("montecarlo", str(DEFAULT), "--runs", "2000", columns=80)
    assert code == 0
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    rows = [line for line in out.splitlines() if re.match(r"\d{4}-12-31 ", line)]
    assert len(rows) >= 16  # one row per sample date, in each holder's table
    assert "Rights held by Microsoft: % of runs with the term in force" in out
    assert "Never in force: ms_compute_rofr." in out
    # Each moving share carries its 95% interval.
    assert re.search(r"\d+\.\d±\d\.\d", out)


def test_csv_format_prints_the_shares_in_long_form() -> None:
    code, out, _ = cli("montecarlo", str(DEFAULT), "--runs", "1000", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["date", "kind", "id", "share"]
    result = run_montecarlo(load_assumptions(DEFAULT), runs=1000)
    assert len(rows) == len(result.dates) * (len(result.terms) + len(result.phases))
    for row in rows:
        k = result.dates.index(dt.date.fromisoformat(row["date"]))
        table = result.terms if row["kind"] == "term" else result.phases
        assert float(row["share"]) == table[row["id"]][k]


# ---------------------------------------------------------------- sensitivity


def test_a_higher_verify_probability_never_raises_a_term_that_ends_at_verification() -> None:
    low = run(text(panel="{verify_probability: 0.4, review_days: [30, 365]}"))
    high = run(text(panel="{verify_probability: 0.8, review_days: [30, 365]}"))
    for term in ENDS_AT_VERIFICATION:
        pairs = list(zip(low.terms[term], high.terms[term], strict=True))
        assert all(b <= a for a, b in pairs), term
        assert any(b < a for a, b in pairs), term


def test_a_higher_declaration_probability_never_raises_the_compute_cap() -> None:
    # The cap lifts while a declaration is live (Q11): more declarations, never more cap.
    low = run(text(declaration="{probability: 0.3, between: [2026-01-01, 2034-12-31]}"))
    high = run(text(declaration="{probability: 0.9, between: [2026-01-01, 2034-12-31]}"))
    assert all(
        b <= a
        for a, b in zip(low.terms["ms_compute_cap"], high.terms["ms_compute_cap"], strict=True)
    )


def test_sensitivity_directions_follow_the_clauses() -> None:
    result = run(text(), sensitivity_on=dt.date(2030, 12, 31))
    by_input = {s.input: s for s in result.sensitivity or []}
    verify = by_input["panel.verify_probability"]
    assert (verify.low, verify.high) == (0.5, 0.9)
    for term in ENDS_AT_VERIFICATION:
        at_low, at_high = verify.terms[term]
        assert at_high < at_low, term
    review = by_input["panel.review_days[1]"]  # a later verdict: verified later, if at all
    assert (review.low, review.high) == (183, 548)
    assert review.terms["ms_research_ip"][1] >= review.terms["ms_research_ip"][0]
    # The licence runs through 2032 whatever happens (N4): no input moves it.
    assert all(s.terms["ms_model_product_ip"] == (1.0, 1.0) for s in result.sensitivity or [])


def test_sensitivity_ranks_inputs_as_the_clauses_say() -> None:
    # Every run declares on 2026-01-01; the panel rules 30 days later, verifying half of them;
    # nobody declares again before the --on date. On 2030-12-31 the compute cap is in force
    # exactly in the rejected runs (it is lifted while a declaration is live and returns after a
    # rejection, Q11), research IP and the exclusivities exactly in the runs not verified (N6):
    # - compute_cap_lifts_on -> declared lifts the cap for good at the declaration: 50% -> 0%;
    #   -> never keeps it in every run: 50% -> 100%; -> verified lifts it in the same runs: 0;
    # - third_party_api_exclusivity_ends_at_agi and research_ip_ends_at_verification false keep
    #   their term in every run until its calendar end (2032, 2030-12-31 itself): 100% -> 50%;
    # - verify_probability 0.3 -> 0.7 moves the terms that end at verification from 70% to 30%;
    # - declaration probability 0.8 (1.0 is its upper end) leaves 20% undeclared: 60% -> 50%;
    # - the review days, the re-declaration (4000 days later) and agi_trigger change nothing
    #   on that date: under either trigger the exclusivities are out exactly in verified runs.
    result = run(
        text(
            declaration="{probability: 1, between: [2026-01-01, 2026-01-01]}",
            panel="{verify_probability: 0.5, review_days: [30, 30]}",
            redeclaration="{probability: 0, after_days: [4000, 4000]}",
        ),
        sensitivity_on=dt.date(2030, 12, 31),
    )
    ranked = result.sensitivity or []
    by_end = {(s.input, s.high): s for s in ranked}
    halves = {
        ("parameters.compute_cap_lifts_on", "declared"): ("ms_compute_cap", 0.0),
        ("parameters.compute_cap_lifts_on", "never"): ("ms_compute_cap", 1.0),
        ("parameters.third_party_api_exclusivity_ends_at_agi", True):
            ("third_party_api_exclusivity", 0.5),
        ("parameters.research_ip_ends_at_verification", True): ("ms_research_ip", 0.5),
    }  # fmt: skip
    # The four that move a term by half of the runs come first, in any order (they tie but for
    # sampling error), then the verify probability, then the declaration's.
    assert {(s.input, s.high) for s in ranked[:4]} == set(halves)
    for end, (term, at_high) in halves.items():
        assert by_end[end].swing == pytest.approx(0.5, abs=0.02)
        assert by_end[end].terms[term][1] == pytest.approx(at_high, abs=0.02), end
    research = by_end[("parameters.research_ip_ends_at_verification", True)]
    assert research.terms["ms_research_ip"][0] == 1.0  # false: in force in every run
    assert [(s.input, s.high) for s in ranked[4:6]] == [
        ("panel.verify_probability", 0.7),
        ("declaration.probability", 1.0),
    ]
    assert ranked[4].swing == pytest.approx(0.4, abs=0.02)
    assert ranked[5].swing == pytest.approx(0.1, abs=0.02)
    assert [s.swing for s in ranked] == sorted((s.swing for s in ranked), reverse=True)
    unmoved = {(s.input, s.high) for s in ranked if s.swing == 0}
    assert unmoved >= {("panel.review_days[0]", 30), ("panel.review_days[1]", 45),
                       ("redeclaration.probability", 0.2), ("redeclaration.after_days[0]", 4000),
                       ("redeclaration.after_days[1]", 6000), ("parameters.agi_trigger", "declared"),
                       ("parameters.compute_cap_lifts_on", "verified")}  # fmt: skip


def test_sensitivity_json_table_and_option_errors(tmp_path: Path) -> None:
    args = ["montecarlo", str(DEFAULT), "--runs", "3000", "--sensitivity", "--on", "2031-06-30"]
    code, out, err = cli(*args, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    entry = data["sensitivity"][0]
    assert list(entry) == ["input", "low", "high", "terms"]
    assert all(len(pair) == 2 for pair in entry["terms"].values())
    assert data["sensitivity_on"] == "2031-06-30"
    code, table, _ = cli(*args)
    assert code == 0
    assert "Sensitivity on 2031-06-30" in table
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80
    # Markdown keeps every input on one row of its table, and ids whole.
    code, markdown, _ = cli(*args, "--format", "markdown")
    assert code == 0
    study = markdown.split("## Sensitivity on 2031-06-30", 1)[1].split("\n\n")[1].splitlines()
    assert study[:2] == ["| input: low → high | swing | moves most | % low → high |",
                         "|---|---:|---:|---:|"]  # fmt: skip
    assert len(study) == 2 + len(data["sensitivity"])
    assert all(row.startswith("| ") and row.count(" | ") == 3 for row in study[2:])
    assert ("| parameters.third_party_api_exclusivity_ends_at_agi false → true |"
            in markdown)  # fmt: skip
    for bad, words in (
        (["--sensitivity"], "--sensitivity needs --on DATE"),
        (["--on", "2031-06-30"], "add --sensitivity"),
        (["--sensitivity", "--on", "2041-01-01"], "outside the start date"),
        (["--sensitivity", "--on", "soon"], "--on"),
    ):
        code, _, err = cli("montecarlo", str(DEFAULT), "--runs", "100", *bad)
        assert code == 2, bad
        assert len(err.splitlines()) == 1
        assert words in err


def test_output_is_identical_across_workers_with_sensitivity() -> None:
    args = ["montecarlo", str(DEFAULT), "--runs", str(CHUNK_RUNS + 11), "--format", "json",
            "--sensitivity", "--on", "2030-12-31"]  # fmt: skip
    one = cli(*args, "--workers", "1")
    two = cli(*args, "--workers", "2")
    three = cli(*args, "--workers", "3")
    assert one[0] == two[0] == three[0] == 0
    assert one[1] == two[1] == three[1]


# ---------------------------------------------------------------- data out


def test_csv_output_round_trips_the_shares_and_the_lapse_table(tmp_path: Path) -> None:
    import pandas  # the [test] extra brings [data]: missing, this fails rather than skips

    out = tmp_path / "shares.csv"
    code, data, err = cli("montecarlo", str(DEFAULT), "--runs", "3000", "--format", "json",
                          "--output", str(out))  # fmt: skip
    assert code == 0, err
    result = MonteCarloResult.model_validate_json(data)
    frame = pandas.read_csv(out, parse_dates=["date"])
    assert list(frame.columns) == ["date", "kind", "id", "share"]
    same = pandas.testing.assert_frame_equal
    same(in_ns(frame), in_ns(result.to_pandas()), check_dtype=False)
    lapse = pandas.read_csv(tmp_path / "shares.lapse.csv", parse_dates=["p10", "median", "p90"])
    same(in_ns(lapse), in_ns(result.to_pandas("lapse")), check_dtype=False)
    row = lapse.set_index("term").loc["ms_model_product_ip"]
    assert row["median"] == pandas.Timestamp("2033-01-01")
    assert not (tmp_path / "shares.sensitivity.csv").exists()


def test_a_sensitivity_study_is_written_beside_the_shares(tmp_path: Path) -> None:
    out = tmp_path / "study.csv"
    code, data, err = cli("montecarlo", str(DEFAULT), "--runs", "2000", "--format", "json",
                          "--sensitivity", "--on", "2030-12-31", "--output", str(out))  # fmt: skip
    assert code == 0, err
    result = MonteCarloResult.model_validate_json(data)
    rows = list(csv.DictReader((tmp_path / "study.sensitivity.csv").open()))
    assert list(rows[0]) == ["input", "low", "high", "term", "share_low", "share_high"]
    assert [(r["input"], json.loads(r["low"]), json.loads(r["high"]), r["term"],
             float(r["share_low"]), float(r["share_high"])) for r in rows] == result.sensitivity_rows()  # fmt: skip


def in_ns(frame: Any) -> Any:
    """Dates at one resolution (pandas versions parse dates to seconds or microseconds)."""
    columns = frame.select_dtypes(include=["datetime"]).columns
    return frame.astype(dict.fromkeys(columns, "datetime64[ns]"))


def test_parquet_output_round_trips_the_shares_and_the_lapse_table(tmp_path: Path) -> None:
    import pyarrow.parquet as parquet

    out = tmp_path / "shares.parquet"
    code, data, err = cli("montecarlo", str(DEFAULT), "--runs", "3000", "--format", "json",
                          "--output", str(out))  # fmt: skip
    assert code == 0, err
    result = MonteCarloResult.model_validate_json(data)
    table = parquet.read_table(out).to_pylist()
    assert [(r["date"], r["kind"], r["id"], r["share"]) for r in table] == result.share_rows()
    lapse = parquet.read_table(tmp_path / "shares.lapse.parquet").to_pylist()
    assert [tuple(r.values()) for r in lapse] == result.lapse_rows()


def test_to_pandas_and_the_notebook_view() -> None:
    import pandas  # noqa: F401  # to_pandas() needs it

    result = run_montecarlo(
        load_assumptions(DEFAULT), runs=2000, sensitivity_on=dt.date(2030, 12, 31)
    )
    frame = result.to_pandas()
    cap = frame[(frame["id"] == "ms_compute_cap") & (frame["date"] == "2030-12-31")]
    assert (
        cap["share"].item()
        == result.terms["ms_compute_cap"][result.dates.index(dt.date(2030, 12, 31))]
    )
    moves = result.to_pandas("sensitivity")
    assert set(moves["input"]) == {s.input for s in result.sensitivity or []}
    html = result._repr_html_()
    assert html.count("<table>") == 5  # shares, phases, lapse, parameters, sensitivity
    assert "ms_research_ip" in html
    assert "95% intervals" in html


def test_output_errors_come_before_any_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agi_terms.analysis.montecarlo as package

    def no_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the runs were computed")

    monkeypatch.setattr(package, "run_montecarlo", no_run)
    code, _, err = cli("montecarlo", str(DEFAULT), "--output", str(tmp_path / "x.xlsx"))
    assert code == 2
    assert ".csv or .parquet" in err
    for option, name in (("--output", "x.csv"), ("--plot", "chart.svg")):
        missing = tmp_path / "no"
        code, _, err = cli("montecarlo", str(DEFAULT), option, str(missing / name))
        assert code == 2
        assert err == f"error: {option}: cannot write {missing / name}: there is no directory {missing}\n"  # fmt: skip
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    code, out, err = cli("montecarlo", str(DEFAULT), "--plot", str(tmp_path / "chart.png"))
    assert code == 2
    assert out == ""
    assert "--plot needs matplotlib: pip install 'agi-terms[plot]'" in err
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    code, _, err = cli("montecarlo", str(DEFAULT), "--output", str(tmp_path / "x.parquet"))
    assert code == 2
    assert "pip install 'agi-terms[data]'" in err
    assert not (tmp_path / "x.parquet").exists()


# ---------------------------------------------------------------- the chart


def test_the_chart_names_terms_marks_gates_and_notes_what_never_changes(tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    code, _, err = cli("montecarlo", str(DEFAULT), "--runs", "3000", "--plot", str(chart),
                       "--set", "api_exclusivity_backstop=null")  # fmt: skip
    assert code == 0, err
    svg = chart.read_text()
    assert "Rights held by Microsoft" in svg
    assert "Restrictions on Microsoft" in svg
    assert "Azure API exclusivity (azure_api_exclusivity)" in svg  # the title, then the id
    assert "through 2030-12-31" in svg
    assert "through 2032-12-31" in svg
    assert "date (the share on 31 December of each year" in svg
    assert "api_exclusivity_backstop = null (set; default 2032-12-31)" in svg
    assert "95% interval" in svg
    assert "Never in force: Microsoft's right of first" in svg
    assert "AGI verified by the panel by then" in svg
    # Terms whose shares coincide are one line naming them all (ms_ip_exclusivity and
    # revenue_share end at a verification or at the same 2032 backstop).
    assert "Exclusivity of Microsoft's IP rights (ms_ip_exclusivity)" in svg


def test_the_chart_adds_tornados_with_sensitivity(tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    code, _, err = cli("montecarlo", str(DEFAULT), "--runs", "3000", "--plot", str(chart),
                       "--sensitivity", "--on", "2030-12-31")  # fmt: skip
    assert code == 0, err
    svg = chart.read_text()
    assert "Sensitivity on 2030-12-31: Compute cap on Microsoft" in svg
    assert "declaration.probability" in svg
    # An input's ends read as in the table: JSON values, not Python's.
    assert "false → true" in svg
    assert "False → True" not in svg
    assert "declared_not_rejected → never" in svg


def test_the_readme_shows_the_current_table() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("--runs 20000`, the first lines):\n\n```text\n", 1)[1].split("```", 1)[0]
    code, out, _ = cli("montecarlo", "simulations/assumptions/default.yaml", "--runs", "20000")
    assert code == 0
    assert out.startswith(shown)


def test_progress_from_worker_processes_reaches_every_run_of_every_study() -> None:
    seen: list[tuple[int, int]] = []
    run(text(), runs=CHUNK_RUNS + 10, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (CHUNK_RUNS + 10, CHUNK_RUNS + 10)
    assert len(seen) == 2  # one line per chunk
