"""What people read: the assumptions behind every answer, numbered steps with their details, tables
that fit 80 columns, the same words everywhere, CSV, and questions asked without editing a file.

Every test runs the command; the expectations come from the scenario files and the rule files (the
titles and holders of the terms), not from the engine's output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.documents import read_yaml
from agi_terms.interfaces.main import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "simulations" / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
REAL = SCENARIOS / "real-history.yaml"
VERIFIED = SCENARIOS / "verified-before-2030.yaml"
BOX_START, BOX_END = "┏┃┡│├└", "┓┃┩│┤┘"


def cli(*args: str, width: int = 80, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": str(width)}, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str, width: int = 80) -> str:
    code, out, err = cli(*args, width=width)
    assert code == 0, err
    return out


def fits(text: str, width: int = 80) -> None:
    """Every line within ``width``, and no table cut at the edge (each box line closes)."""
    for line in text.splitlines():
        assert len(line.rstrip()) <= width, line
        stripped = line.rstrip()
        if stripped[:1] in BOX_START:
            assert stripped[-1:] in BOX_END, f"cut at the edge: {line!r}"
    assert "…" not in text  # nothing abbreviated


def scenario_events(path: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = read_yaml(path).data["events"]
    return events


def markdown_rows(text: str, header_start: str) -> list[list[str]]:
    """The rows of the Markdown table whose header starts with ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


# ---------------------------------------------------------------- 1. the assumptions behind an answer


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_simulate_opens_with_every_non_default_parameter_and_its_default(
    tmp_path: Path, fmt: str
) -> None:
    story = tmp_path / "story.yaml"
    story.write_text(
        "parameters: {compute_threshold_flop: 1e28, agi_trigger: verified}\n"
        "events:\n  - {date: 2029-03-01, type: agi_declared}\n"
    )
    out = ok("simulate", str(story), "--format", fmt, "--set", "api_exclusivity_backstop=null")
    head = out[: out.index("Timeline")]
    rows = {}
    for line in head.splitlines():
        cells = [c.strip(" `") for c in re.split(r"[│|]", line)[1:-1]]
        if len(cells) == 3 and cells[0] not in ("parameter", "---"):
            rows[cells[0]] = cells[1:]
    # Both overrides (the file's and --set's), each beside the default of SPEC §5; agi_trigger
    # is set to its default, so it is no assumption worth a line.
    assert rows == {"api_exclusivity_backstop": ["null", "2032-12-31"],
                    "compute_threshold_flop": ["1e28", "5e27"]}  # fmt: skip
    assert "Agreement 2025-10." in head


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_scenario_at_the_defaults_says_so(fmt: str) -> None:
    out = ok("simulate", str(VERIFIED), "--format", fmt)
    assert "Parameters: every one at its default" in out[: out.index("Timeline")]


def test_the_markdown_timeline_has_a_version_column_when_the_scenario_amends() -> None:
    # real-history.yaml starts in 2025-01 and amends to 2025-10 on 2025-10-28, to 2026-04 on
    # 2026-04-27: every step after an amendment runs under the version it amended to.
    rows = markdown_rows(ok("simulate", str(REAL), "--format", "markdown"), "| # |")
    header = markdown_rows(ok("simulate", str(REAL), "--format", "markdown"), "## Timeline")
    assert header  # the table follows its heading
    version = {r[1]: r[5] for r in rows}
    assert version["2025-06-01"] == "2025-01"
    assert version["2025-10-28"] == "2025-10"  # the amendment's own step
    assert version["2026-02-27"] == "2025-10"
    assert version["2026-05-01"] == "2026-04"
    text = ok("simulate", str(REAL), "--format", "markdown")
    assert "amended to 2025-10 on 2025-10-28 (step 3), to 2026-04 on 2026-04-27 (step 6)" in text
    plain = ok("simulate", str(VERIFIED), "--format", "markdown")
    assert "| version |" not in plain


def test_the_table_shows_the_version_of_each_step_when_the_scenario_amends() -> None:
    out = ok("simulate", str(REAL))
    assert "version" in out[out.index("Timeline") : out.index("Timeline") + 400]
    block = out[out.index("│  7 │") :].splitlines()
    # step 7 (2026-05-01) runs under 2026-04: date, phase and version stack in one column
    assert [ln.split("│")[2].strip() for ln in block[:3]] == ["2026-05-01", "pre_agi", "2026-04"]


# ---------------------------------------------------------------- 2. numbered steps with details


def test_steps_are_numbered_as_explain_step_counts_them() -> None:
    path = str(SCENARIOS / "ms-training-compute-cap.yaml")
    rows = markdown_rows(ok("simulate", path, "--format", "markdown"), "| # |")
    assert [r[0] for r in rows] == [str(i) for i in range(len(rows))]
    for number, date, step, *_ in rows:
        first = ok("explain", path, "--step", number).splitlines()[0]
        assert first.startswith(f"step {number}: {date} {step} ")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_event_shows_the_details_the_file_gives(path: Path) -> None:
    """The details of a step read back as a flow mapping are the event's fields as written."""
    from agi_terms.documents import parse_yaml

    markdown = ok("simulate", str(path), "--format", "markdown")
    rows = iter(r for r in markdown_rows(markdown, "| # |") if r[2] != "calendar")
    table = " ".join(ok("simulate", str(path), width=200).split())
    for event in scenario_events(path):
        row = next(rows)
        assert (row[1], row[2]) == (str(event["date"]), event["type"])
        fields = {k: v for k, v in event.items() if k not in ("date", "type", "expect")}
        details = row[3].replace("\\|", "|")
        assert parse_yaml("{" + details + "}", "details").data == fields, row
        assert f"{event['type']} {details}".strip() in table


# ---------------------------------------------------------------- 3. tables that fit, one vocabulary


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_simulate_fits_80_columns_and_cuts_no_id(path: Path) -> None:
    out = ok("simulate", str(path))
    fits(out)
    data = json.loads(ok("simulate", str(path), "--format", "json"))
    words = set(re.findall(r"[\w.-]+", out))
    for step in data["steps"]:
        for change in step["changes"]:
            assert change["term"] in words
        for cited in (step["decision"] or {}).get("because", []):
            assert cited["rule"] in words
    for checkpoint in data["checkpoints"]:
        assert set(checkpoint["terms"]) <= words


@pytest.mark.parametrize(
    "args",
    [["terms"], ["terms", "2025-01"], ["parameters"], ["parameters", "2026-04"],
     ["diff", "2025-01", "2025-10"], ["diff", "2025-10", "2026-04"],
     ["diff", "2025-10", "2026-04", "--scenario", str(REAL)], ["events"]],
    ids=lambda a: " ".join(Path(x).name for x in a),
)  # fmt: skip
def test_reference_and_diff_tables_are_terminal_tables_that_fit(args: list[str]) -> None:
    out = ok(*args)
    assert "┃" in out  # a drawn table, not Markdown
    assert "|---" not in out
    fits(out)


def test_the_terms_table_groups_the_terms_of_a_version_by_holder() -> None:
    out = ok("terms", "2025-10", width=300)
    rulebook = agi_terms.load_rulebook("2025-10")
    groups = {"microsoft": "Microsoft's rights", "restriction on microsoft":
              "Restrictions on Microsoft", "openai": "OpenAI's rights",
              "obligation on openai": "Obligations of OpenAI"}  # fmt: skip
    for term in rulebook.terms:
        row = next(ln for ln in out.splitlines() if ln.startswith(f"│ {term.id} "))
        assert f"{term.title}." in row
        # each term stands in the table of its holder
        assert out.rindex(groups[term.holder], 0, out.index(row)) > max(
            (out.rfind(g, 0, out.index(row)) for g in groups.values() if g != groups[term.holder]),
            default=-1,
        )


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_denied_is_the_word_for_a_refused_action_everywhere(fmt: str) -> None:
    # verified-before-2030.yaml: Microsoft's research use after verification is denied (N6).
    for args in (["simulate", str(VERIFIED)], ["diff", "2025-01", "2025-10"],
                 ["diff", "2025-10", "2026-04", "--scenario", str(VERIFIED)]):  # fmt: skip
        out = ok(*args, "--format", fmt)
        assert "denied" in out
        assert "DENIED" not in out


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_dash_never_stands_for_a_value(path: Path) -> None:
    """No cell is a bare ``-`` (once "no change", once "not in force") and no change is ``-term``."""
    for fmt in ("table", "markdown"):
        out = ok("simulate", str(path), "--format", fmt)
        assert not re.search(r"[│|]\s*-\s*[│|]", out), fmt
        assert not re.search(r"(^|[\s(,])[-+][a-z]+_", out), fmt
    checkpoints = ok("simulate", str(path), "--format", "markdown").split("## Checkpoints")
    if len(checkpoints) > 1:
        body = checkpoints[1].split("## Sources")[0]
        for row in re.findall(r"^\| `\w+` \|.*$", body, flags=re.M):
            assert {c.strip() for c in row.split("|")[3:-1]} <= {"yes", "no"}


def test_checkpoints_group_terms_by_holder_with_their_titles() -> None:
    markdown = ok("simulate", str(REAL), "--format", "markdown")
    body = markdown.split("## Checkpoints")[1].split("## Sources")[0]
    headings = re.findall(r"^### (.+)$", body, flags=re.M)
    assert headings == ["Microsoft's rights", "Restrictions on Microsoft", "OpenAI's rights",
                        "Obligations of OpenAI"]  # fmt: skip
    holders = {"Microsoft's rights": "microsoft", "Restrictions on Microsoft":
               "restriction on microsoft", "OpenAI's rights": "openai",
               "Obligations of OpenAI": "obligation on openai"}  # fmt: skip
    # The title of each term is its title in the last version (of the story) that has it.
    titles = {}
    for version in ("2025-01", "2025-10", "2026-04"):
        titles.update({t.id: t for t in agi_terms.load_rulebook(version).terms})
    for section in body.split("### ")[1:]:
        heading = section.splitlines()[0]
        for term, title in re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, flags=re.M):
            assert titles[term].holder == holders[heading]
            assert title.strip() == titles[term].title
    table = ok("simulate", str(REAL), width=160)
    checkpoints = table[table.index("Checkpoints") :]
    for term in ("ms_compute_cap", "azure_commitment", "ms_compute_rofr"):
        lines = checkpoints.splitlines()
        at = next(i for i, ln in enumerate(lines) if f"│ {term} " in ln)
        assert f"│ {titles[term].title} " in lines[at + 1]
    for heading in holders:
        assert heading in table


def test_checkpoints_too_many_for_the_width_split_into_tables_that_fit() -> None:
    narrow = ok("simulate", str(REAL))
    assert "Checkpoints (yes = in force), 1 of 2" in narrow
    wide = ok("simulate", str(REAL), width=160)
    assert "1 of" not in wide
    fits(wide, 160)


# ---------------------------------------------------------------- 4. CSV


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_csv_steps_hold_the_timeline(path: Path) -> None:
    data = json.loads(ok("simulate", str(path), "--format", "json"))
    rows = read_csv(ok("simulate", str(path), "--format", "csv"))
    assert [r["step"] for r in rows] == [str(i) for i in range(len(data["steps"]))]
    for row, step in zip(rows, data["steps"], strict=True):
        assert (row["date"], row["type"], row["phase"]) == (
            step["date"],
            step["type"],
            step["phase"],
        )
        decision = step["decision"]
        assert row["allowed"] == ("" if decision is None else str(decision["allowed"]).lower())
        ended = [c["term"] for c in step["changes"] if not c["in_force"]]
        assert row["ends"] == "; ".join(ended)
    actions = iter(r for r in rows if r["type"] not in ("calendar",))
    for event in scenario_events(path):
        row = next(actions)
        assert row["type"] == event["type"]
        for key, value in event.items():
            if key not in ("date", "type") and not isinstance(value, dict | bool | float | int):
                assert row[key] == str(value)


def test_csv_checkpoints_are_one_row_per_term_per_date() -> None:
    data = json.loads(ok("simulate", str(REAL), "--format", "json"))
    rows = read_csv(ok("simulate", str(REAL), "--format", "csv", "--rows", "checkpoints"))
    expected = [(c["date"], c["phase"], t, str(v).lower()) for c in data["checkpoints"]
                for t, v in c["terms"].items()]  # fmt: skip
    assert [(r["date"], r["phase"], r["term"], r["in_force"]) for r in rows] == expected
    holders = {t.id: t.holder for t in agi_terms.load_rulebook("2026-04").terms}
    assert all(r["holder"] == holders[r["term"]] for r in rows if r["version"] == "2026-04")


# ---------------------------------------------------------------- 6. questions without editing files


def test_simulate_on_a_date_is_the_checkpoint_of_that_date(tmp_path: Path) -> None:
    data = read_yaml(VERIFIED).data
    data["checkpoints"] = ["2031-06-01"]
    story = tmp_path / "story.yaml"
    story.write_text(json.dumps(data))  # JSON is YAML 1.2
    checkpoint = json.loads(ok("simulate", str(story), "--format", "json"))["checkpoints"][0]
    state = json.loads(ok("simulate", str(VERIFIED), "--on", "2031-06-01", "--format", "json"))
    assert state == checkpoint
    table = ok("simulate", str(VERIFIED), "--on", "2031-06-01")
    fits(table)
    assert "The terms on 2031-06-01" in table
    assert "Timeline" not in table
    rows = read_csv(ok("simulate", str(VERIFIED), "--on", "2031-06-01", "--format", "csv"))
    assert {r["term"]: r["in_force"] == "true" for r in rows} == checkpoint["terms"]


def test_decide_answers_one_action_against_the_scenario_history() -> None:
    action = "{type: product_launch, kind: api, cloud: gcp, partner: Acme}"
    out = ok("decide", str(VERIFIED), "--on", "2030-02-01", "--action", action,
             "--format", "json")  # fmt: skip
    data = json.loads(out)
    # Verified in 2028 (the scenario's history): the Azure API exclusivity is over (N8), and
    # the partner is cited (N9). Nothing is recorded, so the answer is the library's.
    assert data["allowed"] is True
    assert [c["rule"] for c in data["because"]] == ["api_launch_after_exclusivity",
                                                    "third_party_partner_cited"]  # fmt: skip
    assert set(data["sources"]) == {"N8", "N9"}
    with agi_terms.simulate(agi_terms.load_scenario(VERIFIED)) as result:
        expected = result.contract.decide(
            {"date": "2030-02-01", "type": "product_launch", "kind": "api", "cloud": "gcp",
             "partner": "Acme"}
        )  # fmt: skip
    assert {k: data[k] for k in ("allowed", "obligations", "because")} == expected.to_json()
    before = ok("decide", str(VERIFIED), "--action", "{date: 2028-01-01, type: product_launch,"
                " kind: api, cloud: gcp}", "--format", "json")  # fmt: skip
    assert json.loads(before)["allowed"] is False  # before the verification of 2028-09-01
    table = ok("decide", str(VERIFIED), "--on", "2030-02-01", "--action", action)
    fits(table)
    assert "allowed" in table
    assert "api_launch_after_exclusivity" in table


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--on", "2030-02-01", "--action", "{date: 2030-03-01, type: ms_ip_use, asset: model}"],
         "error: --action.date: the action's date 2030-03-01 is not the --on date 2030-02-01"),
        (["--action", "{type: ms_ip_use, asset: model}"], "error: --on: give the action's date"),
        (["--on", "2030-02-01", "--action", "{type: ms_ip_use, asset: modl}"],
         "error: --action.asset: "),
        (["--on", "2030-02-01", "--action", "{type: agi_declared}"],
         "error: --action.type: agi_declared is a lifecycle event"),
        (["--on", "2030-02-30", "--action", "{type: ms_ip_use, asset: model}"],
         "error: --on: '2030-02-30' is not a calendar date"),
        (["--on", "2030-02-01", "--action", "[1, 2]"], "error: --action: an action is a mapping"),
    ],
)  # fmt: skip
def test_decide_refuses_a_bad_action_naming_the_option(args: list[str], start: str) -> None:
    code, out, err = cli("decide", str(VERIFIED), *args)
    assert code == 2
    assert out == ""
    assert err.startswith(start), err
    assert len(err.splitlines()) == 1


def test_a_dash_reads_the_scenario_from_standard_input() -> None:
    text = VERIFIED.read_text()
    for args in (["--format", "json"], ["--format", "markdown"], ["--on", "2031-01-01"]):
        code, out, err = cli("simulate", "-", *args, stdin=text)
        assert code == 0, err
        assert out == ok("simulate", str(VERIFIED), *args)
    code, out, _ = cli("decide", "-", "--action", "{date: 2030-01-01, type: ms_ip_use, asset: model}",
                       "--format", "json", stdin=text)  # fmt: skip
    assert code == 0
    assert json.loads(out)["allowed"] is True
    code, out, _ = cli("explain", "-", "--step", "2", stdin=text)
    assert code == 0
    assert out.startswith("step 2: 2029-01-15 ms_ip_use")
    code, _, err = cli(
        "simulate", "-", stdin="events:\n  - {date: 2029-01-01, type: agi_declard}\n"
    )
    assert code == 2
    assert err.startswith("error: <stdin>: events[0].type: unknown event type 'agi_declard'")


def test_standard_input_that_is_not_utf8_is_refused() -> None:
    result = CliRunner().invoke(main, ["simulate", "-"], input=b"events: []\n# \xff\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: <stdin>: line 2: not UTF-8 text")


# ---------------------------------------------------------------- 8. diff


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_version_against_itself_has_no_differences(fmt: str) -> None:
    for version in agi_terms.available_versions():
        out = ok("diff", version, version, "--format", fmt)
        assert f"No differences: {version} and itself give the same phases, terms and" in " ".join(
            out.split()
        )
        assert "Terms in force" not in out
        assert "## Terms" not in out


@pytest.mark.parametrize(("a", "b"), [("2025-10", "2026-04"), ("2025-01", "2025-10")])
def test_diff_replays_a_story_that_starts_in_another_version(a: str, b: str) -> None:
    # real-history.yaml starts in 2025-01 on 2025-01-21; its first events fall before 2025-10
    # and 2026-04 take effect (2025-10-28, 2026-04-27), so those versions refuse them.
    out = ok("diff", a, b, "--scenario", str(REAL), "--format", "json")
    data = json.loads(out)
    events = scenario_events(REAL)
    starts = {v: agi_terms.load_rulebook(v).effective.isoformat() for v in (a, b)}
    for row, event in zip(data["events"], events, strict=True):
        assert row["date"] == str(event["date"])
        for side, version in (("a", a), ("b", b)):
            if event["type"] == "amendment":
                assert row[side] == "skipped"
            elif str(event["date"]) < starts[version]:
                assert row[side] == {"refused": f"{event['date']} is before the agreement's"
                                     f" start date {starts[version]}"}  # fmt: skip
            elif version == "2025-01" and event["type"].startswith("panel_"):
                # 2025-01 has no panel: the board's declaration is final at once (SPEC §9).
                assert row[side] == {"refused": f"{event['type']} is not an event of agreement"
                                     " 2025-01 (its lifecycle has no such transition)"}  # fmt: skip
            else:
                assert "refused" not in row[side]
    later = max(starts.values())
    assert all(d["date"] >= later for d in data["differences"])
    fits(ok("diff", a, b, "--scenario", str(REAL)))
    table = ok("diff", a, b, "--scenario", str(REAL), width=200)
    assert re.search(rf"│ {b} +│ refused: 2025-03-01 is before the agreement's start date", table)
    markdown = ok("diff", a, b, "--scenario", str(REAL), "--format", "markdown")
    assert f"refused by {b}: 2025-03-01 is before the agreement's start date" in markdown


def test_a_skipped_amendment_says_why() -> None:
    from agi_terms.analysis.diff import AMENDMENT_SKIPPED

    data = json.loads(ok("diff", "2025-10", "2026-04", "--scenario", str(REAL), "--format", "json"))
    amendments = [r for r in data["events"] if r["type"] == "amendment"]
    assert len(amendments) == 2
    assert all(r["reason"] == AMENDMENT_SKIPPED for r in amendments)
    for fmt in ("table", "markdown"):
        out = ok("diff", "2025-10", "2026-04", "--scenario", str(REAL), "--format", fmt, width=200)
        assert out.count(f"skipped: {AMENDMENT_SKIPPED}") == 4 if fmt == "markdown" else 2


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_diff_of_every_shipped_story_fits_80_columns(path: Path) -> None:
    for a, b in (("2025-01", "2025-10"), ("2025-10", "2026-04")):
        out = ok("diff", a, b, "--scenario", str(path))
        assert "│" in out
        fits(out)
