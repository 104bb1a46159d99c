"""Historical war data and the targets derived from it by code (experiments/war_data.py).

* The shipped target files are exactly what the code makes of the shipped CSV files.
* Step 1 (conflict-years -> episodes, dyad-years -> wars) on constructed tables: UCDP's
  episode boundaries, censoring, unnested rows; COW's calendar years.
* The survival, recurrence and bounds on constructed episodes, against hand counts.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from experiments import war_data
from experiments.targets import load_targets


def test_the_shipped_target_files_are_what_the_shipped_data_make():
    generated = war_data.generated_files()
    assert len(generated) == 4
    for path, text in generated.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} differs: run `python -m experiments.war_data`")
        load_targets(path)   # and each is a valid target file
    assert war_data.main(["--check"]) == 0


def test_the_csv_files_record_their_sources():
    import tomllib

    sources = tomllib.loads(war_data.SOURCES.read_text(encoding="utf-8"))
    for name, entry in sources.items():
        assert len(entry["sha256"]) == 64 and entry["citation"] and entry["licence"], name
        assert (war_data.DATA / entry["csv"]).is_file()
    assert "CC BY 4.0" in sources["ucdp_acd.rda"]["licence"]
    assert "GPL-2" in sources["ucdp_acd.rda"]["carrier"]


def acd_rows(*rows: tuple) -> pd.DataFrame:
    columns = ["conflict_id", "year", "type_of_conflict", "start_date2", "ep_end",
               "ep_end_date", "intensity_level", "gwno_a", "gwno_a_2nd", "gwno_b",
               "gwno_b_2nd", "incompatibility", "start_prec2"]
    return pd.DataFrame(rows, columns=columns)


def test_conflict_years_become_episodes():
    acd = acd_rows(
        # conflict 1: one episode over two years (ended 1971), a second from 1975, active
        (1, 1970, "interstate", "1970-03-01", 0, None, 1, 10, None, 20, None, "territory", 1),
        (1, 1971, "interstate", "1970-03-01", 1, "1971-02-01", 2, 10, None, 20, None,
         "territory", 1),
        (1, 2024, "interstate", "2024-06-01", 0, None, 1, 10, None, 20, None, "territory", 1),
        # conflict 2: a row unnested for a second state on side B is one episode
        (2, 1980, "interstate", "1980-05-05", 1, "1980-05-06", 1, 30, None, 40, None,
         "government", 2),
        (2, 1980, "interstate", "1980-05-05", 1, "1980-05-06", 1, 30, None, 41, None,
         "government", 2),
        # not interstate: left out
        (3, 1990, "intrastate", "1990-01-01", 1, "1990-02-01", 1, 50, None, None, None,
         "government", 1))
    episodes = war_data.ucdp_episodes(acd, data_end=date(2024, 12, 31))
    assert len(episodes) == 3
    first = episodes.iloc[0]
    assert (first["start"], first["end"], first["ended"], first["days"]) == (
        "1970-03-01", "1971-02-01", True, 337)
    assert first["highest_intensity"] == 2
    active = episodes.iloc[1]
    assert not active["ended"] and active["days"] == 213   # censored at 2024-12-31
    assert episodes.iloc[2]["side_b"] == "40;41"


def test_dyad_years_become_wars():
    rows = pd.DataFrame({"warnum": [7, 7, 7, 9], "year": [1846, 1847, 1848, 1900],
                         "outcome1": [1, 1, 1, 5], "ccode1": [2, 70, 2, 200]})
    wars = war_data.cow_wars(rows)
    assert wars[["war", "first_year", "last_year", "ongoing"]].values.tolist() == [
        [7, 1846, 1848, False], [9, 1900, 1900, True]]


def episodes(days: list[int], ended: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({"days": days, "ended": ended})


def test_survival_counts_an_episode_as_fighting_after_w_weeks_if_it_lasted_longer():
    result = war_data.survival(episodes([0, 6, 8, 30, 400], [True] * 5), weeks=(1, 4, 52))
    assert [s.share for s in result] == [0.6, 0.4, 0.2]   # > 7, > 28, > 364 days
    for s in result:
        assert s.low <= s.share <= s.high


def test_survival_keeps_censored_episodes_at_risk_until_they_leave():
    # Two of four end by 100 days; a censored one leaves at 50 days: Kaplan-Meier, not 2/4.
    result = war_data.survival(episodes([10, 50, 60, 500], [True, False, True, True]),
                               weeks=(10,))
    assert result[0].share == pytest.approx(0.75 * (1 - 1 / 2))


def test_recurrence_counts_a_new_episode_within_the_years_after_an_end():
    table = pd.DataFrame({
        "conflict_id": [1, 1, 2, 3],
        "start": ["1990-01-01", "1993-06-01", "1990-01-01", "2023-01-01"],
        "end": ["1991-01-01", "1994-01-01", "1990-02-01", "2023-02-01"],
        "ended": [True, True, True, True]})
    k, n = war_data.recurrence(table, years=3, data_end=date(2024, 12, 31))
    # 1's first episode recurs within three years; the others do not; 3 is too recent.
    assert (k, n) == (1, 3)


def test_cow_bounds_from_calendar_years():
    wars = pd.DataFrame({"first_year": [1900, 1900, 1900, 1900],
                         "last_year": [1900, 1901, 1902, 1904], "ongoing": [False] * 4})
    lower, upper = war_data.cow_bounds(wars, years=1)
    assert (lower, upper) == (0.5, 0.75)   # spans of 3+ years surely, 2+ maybe
