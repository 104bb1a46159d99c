"""Experiment files: what they define (points, design, seed scheme) and every way they can
be wrong. The samplers themselves: test_design.py; the seeds: test_seeds.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments.config import load_config
from model.checks import ConfigError
from model.parameters import Parameters

CONFIGS = Path(__file__).parents[2] / "experiments" / "configs"
MINIMAL = """[experiment]
name = "mini"
scenario = "paris_moscow_call"
replications = 3
seed = 5
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_sweep_file_loads():
    names = {p.stem for p in CONFIGS.glob("*.toml")}
    assert {"smoke", "default", "channel", "multilateral_pressure", "aid_reliability", "hybrid",
            "dossier_coupling", "diplomacy"} <= names
    varied = {}
    for path in CONFIGS.glob("*.toml"):
        config = load_config(path)
        assert config.total_runs == len(config.points) * config.replications
        varied[path.stem] = set(config.varied)
    assert varied["channel"] == {"channel_open"}
    assert varied["diplomacy"] == {"diplomacy_enabled"}
    assert "hybrid_intensity" in varied["hybrid"]
    assert varied["dossier_coupling"] == {"dossier_coupling"}
    assert varied["aid_reliability"] == {"aid_reliability"}
    assert varied["multilateral_pressure"] == {"multilateral_pressure"}
    assert load_config(CONFIGS / "diplomacy.toml").points == ({"diplomacy_enabled": True},
                                                             {"diplomacy_enabled": False})


def test_the_smallest_file_runs_the_scenario_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.points == ({},)
    assert config.total_runs == 3
    assert config.fixed == {}
    assert config.design == "grid"


def test_grid_is_the_product_of_lists_and_ranges(tmp_path):
    config = load_config(write(tmp_path, MINIMAL + """horizon = 30
[fixed]
aid_reliability = 0.5
[vary]
channel_open = [true, false]
multilateral_pressure = { low = 0.0, high = 1.0, num = 5 }
bargaining_horizon = { low = 10, high = 12, num = 5 }
"""))
    assert config.fixed == {"aid_reliability": 0.5, "horizon_weeks": 30}
    assert len(config.points) == 2 * 5 * 3  # int range rounds and drops repeats: 10, 11, 12
    assert sorted({p["multilateral_pressure"] for p in config.points}) == [
        0.0, 0.25, 0.5, 0.75, 1.0]
    assert sorted({p["bargaining_horizon"] for p in config.points}) == [10, 11, 12]
    assert all(isinstance(p["bargaining_horizon"], int) for p in config.points)
    assert config.points[0] == {"channel_open": True, "multilateral_pressure": 0.0,
                                "bargaining_horizon": 10}


SALIB = MINIMAL + """design = "DESIGN"
samples = 4
[vary]
multilateral_pressure = { low = 0.0, high = 1.0 }
bargaining_horizon = { low = 10, high = 100 }
aid_reliability = { low = 0.2, high = 1.0 }
"""


@pytest.mark.parametrize("design, per_sample", [("saltelli", 3 + 2), ("morris", 3 + 1)])
def test_salib_designs_have_their_sizes_and_common_seeds(tmp_path, design, per_sample):
    config = load_config(write(tmp_path, SALIB.replace("DESIGN", design)))
    assert len(config.points) == 4 * per_sample == len(config.matrix)
    assert config.seeds == "common" and config.common_seeds
    assert config.varied == ("multilateral_pressure", "bargaining_horizon", "aid_reliability")
    for point, row in zip(config.points, config.matrix, strict=True):
        assert isinstance(point["bargaining_horizon"], int)  # whole numbers are rounded...
        assert point["bargaining_horizon"] == round(row[1])  # ...the design keeps the raw value
        assert 0.2 <= point["aid_reliability"] <= 1.0
    again = load_config(write(tmp_path, SALIB.replace("DESIGN", design), "again.toml"))
    assert np.array_equal(again.matrix, config.matrix)  # seeded from the root seed
    independent = load_config(write(tmp_path, SALIB.replace("DESIGN", design).replace(
        "samples = 4", 'samples = 4\nseeds = "independent"'), "indep.toml"))
    assert not independent.common_seeds


BAD = [
    ("saltelli with a list", SALIB.replace("DESIGN", "saltelli").replace(
        "{ low = 0.2, high = 1.0 }", "[0.2, 1.0]"), "vary.aid_reliability", "ranges only"),
    ("saltelli not a power of two", SALIB.replace("DESIGN", "saltelli").replace(
        "samples = 4", "samples = 6"), "experiment.samples", "power of two"),
    ("levels without morris", SALIB.replace("DESIGN", "saltelli").replace(
        "samples = 4", "samples = 4\nlevels = 4"), "experiment.levels", "only for design morris"),
    ("odd levels", SALIB.replace("DESIGN", "morris").replace(
        "samples = 4", "samples = 4\nlevels = 5"), "experiment.levels", "even"),
    ("unknown seed scheme", MINIMAL + 'seeds = "shared"\n', "experiment.seeds", "not one of"),
    ("samples on a grid", MINIMAL + "samples = 4\n", "experiment.samples", "only for design"),
    ("malformed", "[experiment\nname = 1", "", "malformed TOML"),
    ("no experiment table", "[vary]\nchannel_open = [true]\n", "experiment", "missing table"),
    ("unknown top-level table", MINIMAL + "[extras]\na = 1\n", "extras", "unknown key"),
    ("unknown key", MINIMAL + "colour = 'red'\n", "experiment.colour", "unknown key"),
    ("missing name", MINIMAL.replace('name = "mini"\n', ""), "experiment.name", "non-empty"),
    ("missing seed", MINIMAL.replace("seed = 5\n", ""), "experiment.seed", "whole number"),
    ("unknown scenario", MINIMAL.replace("paris_moscow_call", "atlantis"),
     "experiment.scenario", "unknown scenario"),
    ("zero replications", MINIMAL.replace("replications = 3", "replications = 0"),
     "experiment.replications", "positive"),
    ("negative replications", MINIMAL.replace("replications = 3", "replications = -4"),
     "experiment.replications", "positive"),
    ("text replications", MINIMAL.replace("replications = 3", 'replications = "3"'),
     "experiment.replications", "positive"),
    ("negative seed", MINIMAL.replace("seed = 5", "seed = -1"), "experiment.seed", "within"),
    ("unknown design", MINIMAL + 'design = "random"\n', "experiment.design", "not one of"),
    ("sobol not a power of two", MINIMAL + 'design = "sobol"\nsamples = 10\n'
     "[vary]\nmultilateral_pressure = { low = 0.1, high = 0.5 }\n",
     "experiment.samples", "power of two"),
    ("lhs without samples", MINIMAL + 'design = "lhs"\n'
     "[vary]\nmultilateral_pressure = { low = 0.1, high = 0.5 }\n",
     "experiment.samples", "needs samples"),
    ("horizon out of range", MINIMAL + "horizon = 0\n", "experiment.horizon", "within"),
    ("unknown fixed parameter", MINIMAL + "[fixed]\nwarp_speed = 2\n", "fixed.warp_speed",
     "unknown parameter"),
    ("fixed out of range", MINIMAL + "[fixed]\naid_reliability = 1.5\n",
     "fixed.aid_reliability", "within [0.0, 1.0]"),
    ("unknown varied parameter", MINIMAL + "[vary]\nwarp_speed = [1, 2]\n", "vary.warp_speed",
     "unknown parameter"),
    ("empty list", MINIMAL + "[vary]\nchannel_open = []\n", "vary.channel_open", "empty list"),
    ("repeated value", MINIMAL + "[vary]\naid_reliability = [0.5, 0.5]\n",
     "vary.aid_reliability", "repeated"),
    ("value out of range", MINIMAL + "[vary]\naid_reliability = [0.5, 1.5]\n",
     "vary.aid_reliability[1]", "within [0.0, 1.0]"),
    ("bad type in list", MINIMAL + "[vary]\naid_reliability = [0.5, \"high\"]\n",
     "vary.aid_reliability[1]", "must be a number"),
    ("bool as number", MINIMAL + "[vary]\nchannel_open = [1, 0]\n", "vary.channel_open[0]",
     "true or false"),
    ("whole number expected", MINIMAL + "[vary]\nbargaining_horizon = [10.5]\n",
     "vary.bargaining_horizon[0]", "whole number"),
    ("bad range: low above high", MINIMAL + "[vary]\naid_reliability = "
     "{ low = 0.8, high = 0.2, num = 3 }\n", "vary.aid_reliability", "bad range"),
    ("range out of the parameter's range", MINIMAL + "[vary]\naid_reliability = "
     "{ low = 0.2, high = 2.0, num = 3 }\n", "vary.aid_reliability.high", "within"),
    ("grid range without num", MINIMAL + "[vary]\naid_reliability = { low = 0.2, high = 0.8 }\n",
     "vary.aid_reliability.num", "needs num"),
    ("range with unknown key", MINIMAL + "[vary]\naid_reliability = "
     "{ low = 0.2, high = 0.8, num = 3, step = 1 }\n", "vary.aid_reliability.step",
     "unknown key"),
    ("range of a flag", MINIMAL + "[vary]\nchannel_open = { low = 0, high = 1, num = 2 }\n",
     "vary.channel_open", "varies as a list"),
    ("scalar instead of list", MINIMAL + "[vary]\naid_reliability = 0.5\n",
     "vary.aid_reliability", "list of values or a range"),
    ("fixed and varied", MINIMAL + "[fixed]\naid_reliability = 0.5\n"
     "[vary]\naid_reliability = [0.2, 0.4]\n", "vary.aid_reliability", "also set in [fixed]"),
]


@pytest.mark.parametrize("text, key, problem", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_sweep_files_name_the_file_and_key(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}"), message
    assert problem in message
    assert "\n" not in message


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="experiment file not found"):
        load_config(tmp_path / "nope.toml")


def test_every_parameter_can_be_varied(tmp_path):
    lines = []
    for name in Parameters.names():
        spec = Parameters.spec(name)
        lines.append(f"{name} = [{str(spec['default']).lower()}]")
    config = load_config(write(tmp_path, MINIMAL + "[vary]\n" + "\n".join(lines) + "\n"))
    assert config.points == ({n: Parameters.spec(n)["default"] for n in Parameters.names()},)
