"""The source register (SPEC §12): every citation resolves in it, it is validated on load, and the
answers carry what their sources say."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import agi_terms
import pytest
from agi_terms.documents import read_yaml
from agi_terms.errors import InputError, RulebookError
from agi_terms.interfaces.cli.render import sources_markdown
from agi_terms.interfaces.main import main
from agi_terms.rulebook import load_rulebook_from
from agi_terms.rulebook.citations import SOURCE_ID, citation_ids
from agi_terms.rulebook.loader import shipped_sources
from agi_terms.rulebook.sources import load_sources
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
REGISTER = RULES / "sources.yaml"
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _cited(node: Any) -> Iterator[str]:
    """Every ``source:`` value anywhere in a rule file's data."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source" and isinstance(value, str):
                yield value
            else:
                yield from _cited(value)
    elif isinstance(node, list):
        for item in node:
            yield from _cited(item)


def _register_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = read_yaml(REGISTER).data["sources"]
    return entries


# ---------------------------------------------------------------- the shipped register


def test_every_id_cited_under_rules_has_an_entry() -> None:
    # Read from the files themselves, not through the loader that enforces it.
    ids = {entry["id"] for entry in _register_entries()}
    files = sorted(RULES.glob("*/*.yaml"))
    assert len(files) >= 15
    cited: set[str] = set()
    for path in files:
        for citation in _cited(read_yaml(path).data):
            parts = {p.strip() for p in citation.split(",")}
            assert all(SOURCE_ID.fullmatch(p) for p in parts), (path, citation)
            cited |= parts
    assert cited - ids == set()
    assert {"N6", "Q5", "S17", "P12", "E6"} <= cited


def test_every_public_source_has_a_url_and_a_date() -> None:
    public = [e for e in _register_entries() if e["id"].startswith("S")]
    assert len(public) >= 23
    for entry in public:
        assert str(entry.get("url", "")).startswith("https://"), entry["id"]
        assert urlsplit(entry["url"]).path.strip("/"), entry["id"]  # a page, not a site
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry.get("date", ""))), entry["id"]


def test_an_entry_quoting_a_source_gives_that_sources_address() -> None:
    # N18 quotes the Microsoft blog's opening paragraph (S2), which OpenAI's page (S1) lacks.
    n18, s1, s2 = (agi_terms.source(i) for i in ("N18", "S1", "S2"))
    assert n18.quote == "supports the OpenAI board moving forward"
    assert (n18.url, n18.date) == (s2.url, s2.date)
    assert n18.url != s1.url
    # An address that is not the source's own says so in the statement.
    s15 = agi_terms.source("S15")
    assert s15.url is not None
    assert "theverge.com" not in s15.url
    assert "own address for the issue was not found" in s15.statement


def test_the_register_follows_the_schema_of_the_spec() -> None:
    entries = _register_entries()
    keys = {"id", "title", "kind", "statement", "quote", "publisher", "date", "url", "confidence"}
    kinds = {"N": "term", "P": "prior_term", "Q": "open_question", "S": "public_source",
             "E": "edge_case", "D": "seed"}  # fmt: skip
    assert len({e["id"] for e in entries}) == len(entries)
    for entry in entries:
        assert set(entry) <= keys, entry["id"]
        assert entry["kind"] == kinds[entry["id"][0]], entry["id"]
        assert entry["confidence"] in {"official", "reported", "interpretation"}, entry["id"]
        assert entry["statement"].strip(), entry["id"]
        assert entry["title"].strip(), entry["id"]
        assert len(str(entry.get("quote", "")).split()) <= 50, entry["id"]
    # The seed articles are entries too.
    assert {"D1", "D2"} <= {e["id"] for e in entries}


def test_the_library_lists_the_register_and_finds_an_entry() -> None:
    entries = agi_terms.sources()
    assert [s.id for s in entries] == [e["id"] for e in _register_entries()]
    n6 = agi_terms.source("N6")
    assert n6.kind == "term"
    assert n6.confidence == "official"
    assert "2030" in n6.statement
    assert "verif" in n6.statement
    assert n6.quote is not None
    assert "through 2030" in n6.quote
    assert n6.url is not None
    assert n6.url.startswith("https://openai.com/")
    assert repr(n6) == "Source('N6', \"Microsoft's research IP rights\")"
    with pytest.raises(Exception, match="frozen"):
        n6.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("ident", ["N99", "X1", "n6", "", "§4.4"])
def test_an_unknown_source_id_is_an_input_error(ident: str) -> None:
    with pytest.raises(InputError, match="unknown source id") as info:
        agi_terms.source(ident)
    assert "rules/sources.yaml" in str(info.value)


def test_every_decision_citation_resolves_to_entries() -> None:
    with agi_terms.load_agreement("2025-10", backend="python") as agreement:
        decision = agreement.start().decide(
            {"date": "2026-07-01", "type": "ms_agi_training", "uses_openai_ip": True,
             "training_flop": 6e27}
        )  # fmt: skip
    (citation,) = decision.because
    assert citation.source == "N14, Q11"
    assert citation.source_ids == ("N14", "Q11")
    assert [agi_terms.source(i).title for i in citation.source_ids] == [
        "Compute threshold on Microsoft's AGI work with OpenAI IP",
        "Microsoft's compute threshold and when it lifts",
    ]
    assert "source_ids" not in decision.to_json()["because"][0]


# ---------------------------------------------------------------- loading refuses unknown ids


PLANTED = [
    ("terms.yaml", "        when: {$lte: {day: 2030-12-31}}\n        source: N6\n",
     "        when: {$lte: {day: 2030-12-31}}\n        source: N6, Q99\n",
     "research_ip_through_2030", "Q99"),
    ("terms.yaml", "    source: N6\n    rules:\n      - id: research_ip_through_2030\n",
     "    source: N66\n    rules:\n      - id: research_ip_through_2030\n", "ms_research_ip", "N66"),
    ("parameters.yaml", "    source: Q5\n", "    source: S99\n", "api_exclusivity_backstop", "S99"),
    ("decisions.yaml", "        when: {asset: consumer_hardware}\n        source: N7\n",
     "        when: {asset: consumer_hardware}\n        source: E99\n",
     "consumer_hardware_use_denied", "E99"),
    ("lifecycle.yaml", "  - id: panel_review\n    meaning: OpenAI has declared AGI; the independent"
     " expert panel has not ruled yet.\n    source: N2\n", "  - id: panel_review\n    meaning:"
     " OpenAI has declared AGI; the independent expert panel has not ruled yet.\n    source: D3\n",
     "panel_review", "D3"),
    ("agreement.yaml", "source: S1, S2", "source: S1, P99", None, "P99"),
    ("decisions.yaml", "subject to appropriate safety guardrails.\n    source: N5\n",
     "subject to appropriate safety guardrails.\n    source: N55\n",
     "post_agi_safety_guardrails", "N55"),
    ("lifecycle.yaml", "    trigger: term_ends\n    source: N19\n",
     "    trigger: term_ends\n    source: N19, E13\n", None, "E13"),
    ("lifecycle.yaml", "    when: {$gte: {day: 2033-01-01}}\n    source: N19\n",
     "    when: {$gte: {day: 2033-01-01}}\n    source: Q30\n", None, "Q30"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "old", "new", "rule", "ident"), PLANTED, ids=[f"{p[0]}-{p[4]}" for p in PLANTED]
)
def test_a_citation_the_register_lacks_fails_to_load_naming_file_rule_and_id(
    tmp_path: Path, file: str, old: str, new: str, rule: str | None, ident: str
) -> None:
    folder = tmp_path / "2025-10"
    shutil.copytree(RULES / "2025-10", folder)
    target = folder / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(folder)
    error = info.value
    assert error.file == f"{folder}/{file}"
    assert error.rule == rule  # the agreement file is no rule: its key and line place it
    assert error.path[-1] == "source"
    assert error.line is not None
    assert f"unknown source id {ident}: no entry in the register rules/sources.yaml" in str(error)


def test_a_transition_citing_an_unknown_id_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "2025-10"
    shutil.copytree(RULES / "2025-10", folder)
    target = folder / "lifecycle.yaml"
    text = target.read_text(encoding="utf-8")
    start = text.index("transitions:")
    first = re.compile(r"source: [^\n]+").search(text, start)
    assert first is not None
    target.write_text(text[: first.start()] + "source: N2, Q77" + text[first.end() :])
    with pytest.raises(RulebookError, match="unknown source id Q77") as info:
        load_rulebook_from(folder)
    assert info.value.path[0] == "transitions"
    assert info.value.path[-1] == "source"


def test_the_check_command_names_an_unknown_id_as_a_defect(tmp_path: Path) -> None:
    folder = tmp_path / "2025-10"
    shutil.copytree(RULES / "2025-10", folder)
    target = folder / "parameters.yaml"
    target.write_text(target.read_text().replace("source: Q5", "source: Q55", 1))
    code, out, _ = cli("check", str(folder))
    assert code == 1
    assert out.startswith("defect: ")
    assert "parameters.yaml" in out
    assert "api_exclusivity_backstop" in out
    assert "Q55" in out


# ---------------------------------------------------------------- a register beside the folder


def _own_register(tmp_path: Path, extra: str) -> Path:
    root = tmp_path / "my-rules"
    root.mkdir()
    shutil.copytree(RULES / "2025-10", root / "2025-10")
    (root / "sources.yaml").write_text(REGISTER.read_text(encoding="utf-8") + extra)
    return root


EXTRA = """
  - id: Q27
    title: A reading of our own
    kind: open_question
    statement: Our own reading of the research IP's end.
    confidence: interpretation
"""


def test_a_version_folder_uses_the_register_in_its_parent_folder(tmp_path: Path) -> None:
    root = _own_register(tmp_path, EXTRA)
    terms = root / "2025-10" / "terms.yaml"
    terms.write_text(terms.read_text().replace("source: N6\n", "source: N6, Q27\n", 1))
    rulebook = load_rulebook_from(root / "2025-10")
    assert rulebook.sources.location == str((root / "sources.yaml").resolve())
    assert "Q27" in rulebook.cited_ids
    # The same folder without a register beside it resolves in the shipped one, which lacks Q27.
    alone = tmp_path / "alone"
    shutil.copytree(root / "2025-10", alone / "2025-10")
    with pytest.raises(RulebookError, match="unknown source id Q27"):
        load_rulebook_from(alone / "2025-10")


def test_simulate_with_own_rules_quotes_the_own_register(tmp_path: Path) -> None:
    root = _own_register(tmp_path, EXTRA)
    decisions = root / "2025-10" / "decisions.yaml"
    text = decisions.read_text()
    assert "        source: N6\n" in text
    decisions.write_text(text.replace("        source: N6\n", "        source: Q27\n"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "events:\n  - {date: 2031-02-01, type: ms_ip_use, asset: research}\n", encoding="utf-8"
    )
    code, out, err = cli("simulate", str(scenario), "--rules", str(root / "2025-10"), "--format",
                         "json")  # fmt: skip
    assert code == 0, err
    sources = json.loads(out)["sources"]
    assert sources["Q27"]["title"] == "A reading of our own"


REGISTER_DEFECTS = [
    ("a duplicate id", "  - id: N2\n", "  - id: N1\n", "duplicate source id 'N1'", "id"),
    ("a kind that is not its family's", "    kind: term\n", "    kind: seed\n",
     "N ids are of kind term, not seed", "kind"),
    ("an unknown kind", "    kind: term\n", "    kind: rumour\n", "Input should be", "kind"),
    ("an id outside the families", "  - id: N1\n", "  - id: X1\n", "'X1' is not a source id",
     "id"),
    ("an unknown key", "    kind: term\n", "    kind: term\n    pages: 3\n", "unknown key",
     "pages"),
    ("a bad date", "    date: 2025-10-28\n", "    date: 2025-10-32\n", "not a calendar date",
     "date"),
    ("a missing statement", "    statement: >-\n", "    statment: >-\n",
     "required key is missing", "statement"),
    ("a url to a site, not a page",
     "    url: https://www.lesswrong.com/posts/dRbvHfEwb6Cuf6xn3/", "    url: https://www.lesswrong.com/#",
     "a url names the source's page, not only its site: 'https://www.lesswrong.com/#", "url"),
    ("a url without a site", "    url: https://openai.com/our-structure/\n", "    url: https:///x\n",
     "a url starts with https:// or http:// and a site", "url"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "old", "new", "words", "key"), REGISTER_DEFECTS, ids=[d[0] for d in REGISTER_DEFECTS]
)
def test_a_defect_in_the_register_is_refused_at_its_place(
    tmp_path: Path, what: str, old: str, new: str, words: str, key: str
) -> None:
    path = tmp_path / "sources.yaml"
    text = REGISTER.read_text(encoding="utf-8")
    assert old in text, what
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_sources(path)
    error = info.value
    assert error.file == str(path)
    assert error.path[0] == "sources"
    assert error.path[-1] == key, error.path
    assert error.line is not None
    assert words in error.one_line(), error.one_line()


@pytest.mark.parametrize(
    ("ident", "is_id"),
    [("N1", True), ("S28", True), ("D2", True), ("Q100", True), ("X1", False), ("N01", False),
     ("N0", False), ("n1", False), ("N", False), ("NN1", False), ("N1a", False)],
)  # fmt: skip
def test_the_register_and_citations_agree_on_what_a_source_id_is(
    tmp_path: Path, ident: str, is_id: bool
) -> None:
    # One definition of the shape serves citations and the register's validator alike.
    assert bool(SOURCE_ID.fullmatch(ident)) is is_id
    cited_ok = True
    try:
        citation_ids(ident)
    except ValueError:
        cited_ok = False
    assert cited_ok is is_id
    path = tmp_path / "sources.yaml"
    kind = {"N": "term", "S": "public_source", "D": "seed", "Q": "open_question"}.get(ident[0])
    extra = ", date: 2025-01-01, url: 'https://example.org/a'" if ident.startswith("S") else ""
    path.write_text(
        f"sources:\n  - {{id: {ident}, title: t, kind: {kind or 'term'}, statement: s,"
        f" confidence: official{extra}}}\n"
    )
    if is_id:
        assert load_sources(path).ids == (ident,)
    else:
        with pytest.raises(RulebookError, match="is not a source id"):
            load_sources(path)


def test_a_public_source_without_url_or_date_is_refused(tmp_path: Path) -> None:
    text = REGISTER.read_text(encoding="utf-8")
    for key in ("url", "date"):
        block = text[text.index("  - id: S16\n") : text.index("  - id: S17\n")]
        line = next(ln for ln in block.splitlines(keepends=True) if ln.startswith(f"    {key}:"))
        path = tmp_path / f"no-{key}.yaml"
        path.write_text(text.replace(block, block.replace(line, "")), encoding="utf-8")
        with pytest.raises(RulebookError, match=f"a public source gives its {key}") as info:
            load_sources(path)
        assert info.value.rule == "S16"


def test_a_quote_of_more_than_50_words_is_refused(tmp_path: Path) -> None:
    text = REGISTER.read_text(encoding="utf-8")
    long = " ".join(["word"] * 51)
    path = tmp_path / "sources.yaml"
    path.write_text(
        text.replace('    quote: "appropriate safety guardrails"', f'    quote: "{long}"', 1)
    )
    with pytest.raises(
        RulebookError, match="at most 50 words of the public text, this one has 51"
    ) as info:
        load_sources(path)
    assert info.value.rule == "N5"


def test_a_broken_register_beside_the_folder_fails_the_load(tmp_path: Path) -> None:
    root = _own_register(tmp_path, "\n  - {id: N1, title: twice}\n")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(root / "2025-10")
    assert info.value.file is not None
    assert info.value.file.endswith("sources.yaml")


@pytest.mark.parametrize(
    ("stands", "reason"),
    [("folder", "not a regular file (a folder)"),
     ("dangling-link", "cannot read the file: No such file or directory")],
)  # fmt: skip
def test_a_register_beside_the_folder_that_is_no_file_is_refused(
    tmp_path: Path, stands: str, reason: str
) -> None:
    # Refused where it stands, never replaced by the shipped register without a word.
    root = tmp_path / "my-rules"
    shutil.copytree(RULES / "2025-10", root / "2025-10")
    beside = root / "sources.yaml"
    if stands == "folder":
        beside.mkdir()
    else:
        beside.symlink_to(root / "moved-away.yaml")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(root / "2025-10")
    assert (info.value.file, info.value.message) == (str(beside), reason)
    code, out, _ = cli("check", str(root / "2025-10"))
    assert (code, out) == (1, f"defect: {beside}: {reason}\n")


# ---------------------------------------------------------------- answers carry their sources


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_simulate_json_has_an_entry_for_every_id_it_cites_and_no_other(path: Path) -> None:
    code, out, err = cli("simulate", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["agreement", "parameters", "steps", "checkpoints", "sources"]
    cited = {
        part.strip()
        for step in data["steps"]
        if step["decision"]
        for c in step["decision"]["because"]
        for part in c["source"].split(",")
    }
    assert set(data["sources"]) == cited
    for ident, entry in data["sources"].items():
        source = agi_terms.source(ident)
        assert list(entry) == ["title", "statement", "url", "date", "confidence"]
        assert entry["title"] == source.title
        assert entry["statement"] == source.statement
    # Apart from the sources, the output is the golden timeline as it stood before them.
    golden = json.loads((GOLDEN / f"{path.stem}.json").read_text())
    assert {k: v for k, v in data.items() if k != "sources"} == {
        k: v for k, v in golden.items() if k != "sources"
    }


def test_people_formats_of_simulate_end_with_the_sources_they_cite() -> None:
    path = str(ROOT / "simulations/scenarios/verified-before-2030.yaml")
    code, out, _ = cli("simulate", path, "--format", "markdown")
    assert code == 0
    tail = out[out.index("## Sources cited") :]
    assert "| N6 | Microsoft's research IP rights | 2025-10-28 | https://openai.com/" in tail
    assert [line.split(" | ")[0] for line in tail.splitlines()[4:]] == ["| N4", "| N5", "| N6"]
    code, out, _ = cli("simulate", path)
    assert code == 0
    assert out.index("Sources cited") > out.index("Checkpoints")
    assert "Microsoft's research IP rights" in out


def test_explain_shows_what_n6_says() -> None:
    code, out, _ = cli("explain", str(ROOT / "simulations/scenarios/no-agi-ever.yaml"), "--on",
                       "2031-06-01", "--term", "ms_research_ip")  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    rule = next(i for i, ln in enumerate(lines) if ln.startswith("  research_ip_through_2030"))
    below = " ".join(ln.strip() for ln in lines[rule + 1 :])
    n6 = agi_terms.source("N6")
    assert below.startswith(f"N6 {n6.title}: {n6.statement}")
    assert f'Quote: "{n6.quote}"' in below
    assert all(len(ln) <= 79 for ln in lines[rule + 1 :])


def test_explain_json_carries_the_entries_of_the_rules_shown() -> None:
    code, out, _ = cli("explain", str(ROOT / "simulations/scenarios/ms-training-compute-cap.yaml"),
                       "--step", "3", "--format", "json")  # fmt: skip
    assert code == 0
    (explanation,) = json.loads(out)["explanations"]
    assert list(explanation["sources"]) == ["N14", "Q11"]
    assert explanation["sources"]["N14"] == agi_terms.source("N14").to_json()


def test_terms_and_parameters_show_source_titles() -> None:
    code, out, _ = cli("terms", "2025-10", "--format", "markdown")
    assert code == 0
    row = next(ln for ln in out.splitlines() if ln.startswith("| `ms_research_ip`"))
    assert "N6 (Microsoft's research IP rights)" in row
    code, out, _ = cli("parameters", "2025-10", "--format", "markdown")
    row = next(ln for ln in out.splitlines() if ln.startswith("| `api_exclusivity_backstop`"))
    assert f"Q5 ({agi_terms.source('Q5').title})" in row
    code, out, _ = cli("terms", "2025-10", "--format", "json")
    data = json.loads(out)
    cited = {i.strip() for t in data["terms"] for s in [t["source"], *(r["source"] for r in
             t["rules"])] for i in s.split(",")}  # fmt: skip
    assert set(data["sources"]) == cited


# ---------------------------------------------------------------- agi-terms sources


def test_the_sources_command_lists_entries_in_three_formats() -> None:
    code, out, _ = cli("sources", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == [s.id for s in agi_terms.sources()]
    assert data["S17"] == agi_terms.source("S17").to_json()
    code, out, _ = cli("sources", "N6", "S17", "N6", "--format", "json")
    assert list(json.loads(out)) == ["N6", "S17"]
    code, out, _ = cli("sources", "N6", "--format", "markdown")
    assert out.startswith("# Sources\n\n### N6: Microsoft's research IP rights\n")
    code, out, _ = cli("sources", "Q5")
    assert code == 0
    assert "Calendar backstop for the Azure API exclusivity" in out


def test_the_sources_command_takes_citations_as_the_answers_print_them() -> None:
    code, out, _ = cli("simulate", str(ROOT / "simulations/scenarios/api-launches.yaml"),
                       "--format", "json")  # fmt: skip
    assert code == 0
    cited = sorted({b["source"] for s in json.loads(out)["steps"] if s.get("decision")
                    for b in s["decision"]["because"]})  # fmt: skip
    several = [c for c in cited if "," in c]
    assert several, cited  # a decision of that scenario cites more than one source
    for citation in cited:
        code, out, err = cli("sources", citation, "--format", "json")
        assert (code, err) == (0, ""), citation
        assert list(json.loads(out)) == [i.strip() for i in citation.split(",")]
    code, out, _ = cli("sources", "N14, Q11", "Q11", "N6", "--format", "json")
    assert list(json.loads(out)) == ["N14", "Q11", "N6"]
    code, _, err = cli("sources", "N14, N99")
    assert code == 2
    assert err.startswith("error: unknown source id 'N99'; ")


def test_the_sources_command_refuses_an_unknown_id() -> None:
    code, out, err = cli("sources", "N6", "N77")
    assert code == 2
    assert out == ""
    assert err.startswith("error: unknown source id 'N77'")


def test_sources_md_is_the_markdown_of_the_sources_command() -> None:
    code, out, _ = cli("sources", "--format", "markdown")
    assert code == 0
    assert (ROOT / "SOURCES.md").read_text(encoding="utf-8") == out
    assert out == sources_markdown(list(shipped_sources()), shipped_sources())
    assert "## S: Public sources" in out


def test_check_lists_entries_no_version_cites() -> None:
    code, out, _ = cli("check", "2025-10")
    assert code == 0
    info = " ".join(" ".join(out.splitlines()[1:]).split())
    assert "rules/sources.yaml:" in info
    assert "information, not a defect" in info
    listed = set(info.split(": ")[-1].replace(",", " ").split())
    cited = {
        i for v in agi_terms.available_versions() for i in agi_terms.load_rulebook(v).cited_ids
    }
    assert listed == {s.id for s in agi_terms.sources()} - cited
    assert "N6" not in listed
    assert "D1" in listed


def test_check_of_a_folder_lists_what_its_own_register_leaves_uncited(tmp_path: Path) -> None:
    root = _own_register(tmp_path, EXTRA)
    code, out, _ = cli("check", str(root / "2025-10"))
    assert code == 0
    info = " ".join(" ".join(out.splitlines()[1:]).split())
    assert info.startswith(f"{(root / 'sources.yaml').resolve()}: ")
    listed = set(info.split(": ")[-1].replace(",", " ").split())
    assert "Q27" in listed  # only the register's own folder counts: 2025-10 alone
    assert "P1" in listed
    assert not listed & set(agi_terms.load_rulebook("2025-10").cited_ids)


def test_the_readme_shows_the_current_explanation_of_ms_research_ip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the command names the scenario as the README does
    command = "agi-terms explain simulations/scenarios/no-agi-ever.yaml --on 2031-06-01 --term"
    code, out, _ = cli(*command.split()[1:], "ms_research_ip")
    assert code == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"$ {command} ms_research_ip\n{out}" in readme
