"""`escalation report`: a section per question with shares, a test and a sentence; bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from experiments.cli import main
from experiments.report import QUESTIONS
from experiments.report_cli import CONFIGS, SMOKE_HORIZON, SMOKE_REPLICATIONS
from experiments.report_stats import compare, finding, max_half_width, stratified
from experiments.results import outcome_columns, wilson_interval
from experiments.storage import chunk_files, read_manifest
from experiments.sweep_config import load_sweep
from model.outcomes import OUTCOMES

SHARE_ROW = re.compile(r"^\| [^|]+ \| \d+ \|( \d+\.\d% \[\d+\.\d%, \d+\.\d%\] \|){4}")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "smoke report"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(out.parent)  # nothing may land in the repository's outputs/
        assert main(["report", "--smoke", "--out", str(out), "--executor", "sequential",
                     "--quiet"]) == 0
    assert not (out.parent / "outputs").exists()
    return out


def sections(text: str) -> dict[int, str]:
    parts = re.split(r"^## Q(\d)\. ", text, flags=re.MULTILINE)
    return {int(n): body for n, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_report_has_a_section_per_question_with_table_test_sentence_figure(smoke):
    text = (smoke / "report.md").read_text(encoding="utf-8")
    found = sections(text)
    assert sorted(found) == [1, 2, 3, 4, 5, 6]
    for question in QUESTIONS:
        body = found[question.number]
        assert body.startswith(question.title)
        assert question.seed in body
        tables = [line for line in body.splitlines() if SHARE_ROW.match(line)]
        points = load_sweep(CONFIGS / question.config).points
        arms = sum(len({p[lever.parameter] for p in points}) for lever in question.levers)
        assert len(tables) == arms >= 2 * len(question.levers), question.number
        assert re.search(r"p (<|=) 0\.\d{3}", body) or "no test possible" in body
        findings = re.findall(r"^\*\*Finding\.\*\* (.+)$", body, flags=re.MULTILINE)
        assert len(findings) == len(question.levers)
        for sentence in findings:
            assert sentence.endswith(".")
            assert ("raises the share" in sentence or "lowers the share" in sentence
                    or "no detectable difference" in sentence or "changes nothing" in sentence)
        images = re.findall(r"!\[[^]]*\]\(([^)]+)\)", body)
        assert len(images) == len(question.levers) + (len(question.levers) > 1)
        for image in images:
            assert (smoke / image).is_file() and (smoke / image).stat().st_size > 5000
    assert "hybrid_intensity" in found[4] and "attribution_rate" in found[4]


def test_smoke_report_states_the_half_width_target_is_not_met(smoke):
    text = (smoke / "report.md").read_text(encoding="utf-8")
    assert "**Not met**" in text and "Smoke run" in text
    for body in sections(text).values():
        assert "does not meet the ±0.05 target" in body


def test_smoke_sweeps_use_derived_files_in_their_own_folders(smoke):
    for question in QUESTIONS:
        name = load_sweep(CONFIGS / question.config).name
        manifest = read_manifest(smoke / name)
        assert manifest["status"] == "complete"
        assert manifest["replications"] == SMOKE_REPLICATIONS
        assert manifest["fixed"]["horizon_weeks"] == SMOKE_HORIZON
        assert Path(manifest["sweep_file"]) == (smoke / "sweeps" / question.config).resolve()


def test_a_second_report_reuses_the_sweeps(smoke, capsys):
    chunks = {p: p.stat().st_mtime_ns for p in chunk_files(smoke / "channel")}
    assert main(["report", "--smoke", "--out", str(smoke), "--executor", "sequential",
                 "--quiet"]) == 0
    assert {p: p.stat().st_mtime_ns for p in chunk_files(smoke / "channel")} == chunks
    assert capsys.readouterr().out.count("Q4.") == 2


def test_question_sweeps_have_enough_replications_for_the_target():
    for question in QUESTIONS:
        reps = load_sweep(CONFIGS / question.config).replications
        low, high = wilson_interval(reps // 2, reps)  # the widest interval: a share of 1/2
        assert (high - low) / 2 <= 0.05, (question.config, reps)


def runs_with(shares: dict[object, dict[str, int]], parameter: str = "x") -> pd.DataFrame:
    rows = [{parameter: arm, "outcome": o} for arm, counts in shares.items()
            for o, k in counts.items() for _ in range(k)]
    frame = pd.DataFrame(rows)
    frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
    return frame


def test_finding_reports_a_clear_difference_with_its_p_value():
    runs = runs_with({0.0: {"negotiated": 4, "frozen": 96}, 1.0: {"negotiated": 71, "frozen": 29}})
    comparison = compare(runs, "x")
    expected = chi2_contingency(np.array([[4, 96], [71, 29]])).pvalue
    assert comparison.p_value == pytest.approx(expected)
    sentence = finding(comparison, "Raising x from 0.0 to 1.0")
    assert sentence == ("Raising x from 0.0 to 1.0 raises the share of negotiated endings "
                        "from 4% to 71% and lowers the share of frozen conflicts from 96% to "
                        "29% (p < 0.001).")
    assert finding(comparison, "Raising x", focus=("negotiated",)) == sentence.replace(
        "Raising x from 0.0 to 1.0", "Raising x")  # a focus outcome already named: no clause
    negotiated = next(s for s in comparison.separations if s.outcome == "negotiated")
    assert (negotiated.low_arm, negotiated.high_arm, negotiated.pairs_separated) == (0.0, 1.0, 1)


def test_finding_says_plainly_when_there_is_no_detectable_difference():
    runs = runs_with({False: {"frozen": 50, "ongoing": 50}, True: {"frozen": 53, "ongoing": 47}})
    comparison = compare(runs, "x", descending=True)
    assert list(comparison.arms.index) == [True, False]
    sentence = finding(comparison, "Switching x off", focus=("escalated",))
    assert sentence.startswith("Switching x off makes no detectable difference")
    assert "p = 0.777" in sentence and "within the noise" in sentence
    assert sentence.endswith("; no run ends in escalation in any arm.")
    assert not any(s.pairs_separated for s in comparison.separations)


def test_finding_names_the_strata_where_a_pooled_null_hides_an_effect():
    cells = {(0, 0): (50, 50), (1, 0): (50, 50),   # (x, y): (frozen, ongoing)
             (0, 1): (80, 20), (1, 1): (20, 80),
             (0, 2): (20, 80), (1, 2): (80, 20)}   # y = 1 and y = 2 cancel when pooled
    runs = pd.concat([runs_with({x: {"frozen": f, "ongoing": o}}).assign(y=y)
                      for (x, y), (f, o) in cells.items()], ignore_index=True)
    pooled = compare(runs, "x")
    assert pooled.p_value == pytest.approx(1.0)
    strata = stratified(runs, "x", "y")
    assert [value for _, value, _ in strata] == [0, 1, 2]
    sentence = finding(pooled, "Raising x from 0 to 1", strata=strata)
    assert "no detectable difference" in sentence
    assert sentence.endswith("; at y = 1 and 2 alone, though, it does change how runs end "
                             "(p < 0.001, p < 0.001).")


def test_max_half_width_matches_the_replications():
    def half_width(reps: int) -> float:
        counts = pd.DataFrame([{o: 0 for o in OUTCOMES} | {"frozen": reps // 2,
                                                           "ongoing": reps - reps // 2}])
        return max_half_width(outcome_columns(counts))

    assert half_width(400) <= 0.05 < half_width(300)


def test_bad_executor_or_workers_exit_2_in_one_line_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "report"
    for extra in (["--executor", "warp"], ["--workers", "many"], ["--workers", "0"]):
        assert main(["report", "--smoke", "--out", str(out), *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("escalation: error: --"), err
        assert not out.exists()


def test_a_foreign_sweep_folder_is_refused_before_any_sweep_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    foreign = tmp_path / "outputs" / "diplomacy"
    foreign.mkdir(parents=True)
    (foreign / "manifest.json").write_text(json.dumps({"sweep_sha256": "0" * 64}),
                                           encoding="utf-8")
    assert main(["report", "--executor", "sequential", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds results of a different sweep" in err
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["diplomacy"]
