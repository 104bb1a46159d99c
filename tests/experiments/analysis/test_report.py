"""`escalation report`: a section per question with shares, a test and a sentence; bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from experiments.chunk_store import chunk_files, read_manifest
from experiments.cli import main
from experiments.cli.report import CONFIGS, SMOKE_HORIZON, SMOKE_REPLICATIONS
from experiments.config import load_questions
from experiments.results import wilson_interval

QUESTIONS = [question for question, _ in load_questions(CONFIGS)]
CONFIG_OF = {question.number: config for question, config in load_questions(CONFIGS)}

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
        points = CONFIG_OF[question.number].points
        arms = sum(len({p[lever.parameter] for p in points}) for lever in question.levers)
        assert len(tables) == arms >= 2 * len(question.levers), question.number
        assert re.search(r"p (<|=) [01]\.\d{3}", body) or "no test possible" in body
        findings = re.findall(r"^\*\*Finding\.\*\* (.+)$", body, flags=re.MULTILINE)
        assert len(findings) == len(question.levers)
        for sentence in findings:
            assert sentence.endswith(".")
            assert ("raises the share" in sentence or "lowers the share" in sentence
                    or "no detectable difference" in sentence or "changes nothing" in sentence
                    or "but no outcome share by more than the noise" in sentence)
            # ...and says whether the lever moved what it names, with the mechanism's means.
            assert ("What moved by more than run noise (" in sentence
                    or "The lever did not move what it names (" in sentence)
            # ...and, over posterior draws, whether it holds by the stated rule.
            assert "across the posterior" in sentence
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
        name = CONFIG_OF[question.number].name
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
        reps = CONFIG_OF[question.number].replications
        low, high = wilson_interval(reps // 2, reps)  # the widest interval: a share of 1/2
        assert (high - low) / 2 <= 0.05, (question.config, reps)


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


def test_a_malformed_question_exits_2_in_one_line_and_writes_nothing(tmp_path, monkeypatch,
                                                                    capsys):
    configs = tmp_path / "configs"
    shutil.copytree(CONFIGS, configs)
    hybrid = configs / "hybrid.toml"
    hybrid.write_text(hybrid.read_text(encoding="utf-8").replace(
        'parameter = "attribution_rate"', 'parameter = "attribution"'), encoding="utf-8")
    monkeypatch.setattr("experiments.cli.report.CONFIGS", configs)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report"
    assert main(["report", "--smoke", "--out", str(out), "--executor", "sequential",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{hybrid}: question.levers[1].parameter: 'attribution' is not varied" in err
    assert not out.exists() and not (tmp_path / "outputs").exists()


def test_the_report_defines_its_terms_and_states_its_limits(smoke):
    text = (smoke / "report.md").read_text(encoding="utf-8")
    assert text.count("**holds across the posterior** when at least 90%") == 1
    assert "imposed" in text and "## Limitations" in text
    limits = text[text.index("## Limitations"):text.index("## Q1.")]
    assert "`interstate_war_endings`" in limits      # read from the posterior's metadata
    assert "`paris_moscow_call` borrows that fit" in limits
    glance = text[text.index("## Findings at a glance"):text.index("## Limitations")]
    assert "The lever moved (" not in glance and "; mechanism:" not in glance
    for body in sections(text).values():
        assert re.search(r"horizon \d+ weeks, replication r on posterior draw r % 4", body)
        assert "| negotiated | negotiated (settlement) | negotiated (imposed) | frozen |" in body


def test_the_arms_figure_shows_the_spread_over_draws_beside_the_wilson_bars():
    import numpy as np
    import pandas as pd
    from matplotlib.collections import LineCollection

    from experiments.analysis.compare import compare
    from experiments.analysis.report import arms_figure
    from experiments.analysis.uncertainty import draw_shares

    rng = np.random.default_rng(5)
    runs = pd.DataFrame({"x": np.repeat([0.0, 1.0], 200), "draw_id": np.tile(range(4), 100),
                         "outcome": rng.choice(["frozen", "ongoing"], 400)})
    runs["rule"] = runs["outcome"].map({"frozen": "stalemate", "ongoing": "horizon"})
    fig = arms_figure(compare(runs, "x"), QUESTIONS[0], "paris_moscow_call: 400 runs",
                      draw_shares(runs, "x"))
    ax = fig.axes[0]
    ranges = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_alpha() == 0.3]
    assert len(ranges) == 5   # one per ending drawn (negotiated split in two)
    frozen = draw_shares(runs, "x").xs(1.0, level=0)["frozen"]
    segments = ranges[2].get_segments()   # frozen: the third series
    assert segments[1][:, 1] == pytest.approx(frozen.quantile([0.05, 0.95]).to_numpy())
    assert "90% range of the share over the 4 posterior draws" in " ".join(
        fig.get_suptitle().split())
    assert "Wilson 95% intervals" in fig.get_suptitle()
