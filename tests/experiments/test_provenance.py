"""experiments/provenance.py: what a run depends on, by hash, and what made it.

The code hash covers the sources of agents/ and model/ but not the shipped scenarios
or the files a run records on its own; a provenance record's id covers hashes, not
paths, so a moved checkout resumes; and a change is said in words. The tests hash a
copy of agents/ and model/ (``tree``), never the checkout others are editing.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from experiments import provenance
from experiments.config import load_config
from experiments.provenance import (
    PACKAGES,
    catalogue_file,
    code_sha256,
    code_version,
    file_sha256,
    package_versions,
    provenance_changes,
)
from model.catalogue import DEFAULT_CATALOGUE
from model.posterior import load_posterior
from model.scenario import POSTERIOR_DIR, SCENARIO_DIR

ROOT = Path(__file__).resolve().parents[2]
SWEEP = """[experiment]
name = "prov"
scenario = "scen.toml"
replications = 2
seed = 5
horizon = 3
"""


def use_tree(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "ROOT", root)
    monkeypatch.setattr(provenance, "SCENARIO_DIR", root / "model" / "scenarios")


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    """A copy of agents/ and model/, hashed instead of the checkout's."""
    root = tmp_path / "checkout"
    for package in provenance.CODE:
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    use_tree(root, monkeypatch)
    return root


def append(path: Path, text: str = "\n# edited\n") -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


# ------------------------------------------------------------------ the code's hash
def test_the_tree_is_a_faithful_copy(tree):
    assert re.fullmatch(r"[0-9a-f]{64}", code_sha256())
    assert code_sha256() == code_sha256()
    assert (tree / "model" / "effects.py").is_file()


def test_code_sha256_leaves_out_the_shipped_scenarios(tree):
    before = code_sha256()
    append(tree / "model" / "scenarios" / "paris_moscow_call.toml")
    shutil.copyfile(tree / "model" / "scenarios" / "generic_crisis.toml",
                    tree / "model" / "scenarios" / "another.toml")
    assert code_sha256() == before


def test_code_sha256_leaves_out_the_files_passed_in_skip(tree):
    catalogue = tree / "model" / "data" / "actions.toml"
    before, skipped = code_sha256(), code_sha256({catalogue})
    assert skipped != before                       # the catalogue is code unless skipped
    append(catalogue)
    assert code_sha256({catalogue}) == skipped
    assert code_sha256() != before


@pytest.mark.parametrize("edit", ["model/effects.py", "agents/state.py", "model/parameters.py",
                                  "model/data/actions.toml", "new module", "renamed module"])
def test_code_sha256_changes_when_a_model_source_changes(tree, edit):
    before = code_sha256()
    if edit == "new module":
        (tree / "model" / "extra.py").write_text("X = 1\n", encoding="utf-8")
    elif edit == "renamed module":
        (tree / "model" / "shares.py").rename(tree / "model" / "portions.py")
    else:
        append(tree / edit)
    assert code_sha256() != before


def test_code_sha256_ignores_what_is_not_a_source(tree):
    before = code_sha256()
    (tree / "model" / "notes.md").write_text("notes\n", encoding="utf-8")
    (tree / "agents" / "__pycache__").mkdir()
    (tree / "agents" / "__pycache__" / "state.cpython-312.pyc").write_bytes(b"\0\1")
    (tree / "model" / "posteriors" / "extra.parquet").write_bytes(b"PAR1")
    assert code_sha256() == before


def test_a_moved_checkout_hashes_the_same(tree, tmp_path, monkeypatch):
    before = code_sha256()
    shutil.copytree(tree, tmp_path / "elsewhere" / "checkout")
    use_tree(tmp_path / "elsewhere" / "checkout", monkeypatch)
    assert code_sha256() == before


# ------------------------------------------------------------------ a provenance record
def write_experiment(folder: Path) -> Path:
    """An experiment whose scenario, catalogue and posterior are files beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = (SCENARIO_DIR / "paris_moscow_call.toml").read_text(encoding="utf-8")
    scenario, replaced = re.subn(r'(?m)^posterior = "paris_moscow_call".*$',
                                 'posterior = "post.parquet"\ncatalogue = "actions.toml"',
                                 scenario)
    assert replaced == 1, "the seed scenario's posterior line"
    (folder / "scen.toml").write_text(scenario, encoding="utf-8")
    shutil.copyfile(DEFAULT_CATALOGUE, folder / "actions.toml")
    shutil.copyfile(POSTERIOR_DIR / "paris_moscow_call.parquet", folder / "post.parquet")
    (folder / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    return folder / "sweep.toml"


def record_of(folder: Path) -> dict[str, str]:
    return provenance.provenance(load_config(folder / "sweep.toml"))


def test_a_record_holds_the_hash_of_each_file_a_run_depends_on(tree, tmp_path):
    folder = tmp_path / "a"
    config = load_config(write_experiment(folder))
    record = provenance.provenance(config)
    assert record["experiment_sha256"] == config.sha256
    assert record["scenario_file"] == str((folder / "scen.toml").resolve())
    assert record["scenario_sha256"] == file_sha256(folder / "scen.toml")
    assert record["catalogue_file"] == str((folder / "actions.toml").resolve())
    assert record["catalogue_sha256"] == file_sha256(folder / "actions.toml")
    assert record["posterior_sha256"] == load_posterior(folder / "post.parquet").sha256
    assert record["code_sha256"] == code_sha256()
    assert record["version"] == provenance._version()
    assert re.fullmatch(r"[0-9a-f]{16}", record["id"])


def test_the_id_covers_hashes_not_paths_so_a_moved_checkout_resumes(tree, tmp_path,
                                                                    monkeypatch):
    here = record_of(write_experiment(tmp_path / "a").parent)
    shutil.copytree(tree, tmp_path / "moved" / "checkout")
    use_tree(tmp_path / "moved" / "checkout", monkeypatch)
    there = record_of(write_experiment(tmp_path / "b").parent)
    paths = ("scenario_file", "catalogue_file", "posterior_file")
    assert all(here[key] != there[key] for key in paths)
    assert {k: v for k, v in here.items() if k not in paths} == \
        {k: v for k, v in there.items() if k not in paths}
    assert here["id"] == there["id"]


def _edit_posterior(folder: Path, tree: Path) -> None:
    table = pq.read_table(folder / "post.parquet")
    pq.write_table(table.slice(1), folder / "post.parquet")


CHANGES = {
    "experiment": (lambda folder, tree: append(folder / "sweep.toml",
                                               "[fixed]\nfreeze_weeks = 9\n"),
                   "the experiment file changed"),
    "scenario": (lambda folder, tree: append(folder / "scen.toml"),
                 "the scenario file scen.toml changed"),
    "catalogue": (lambda folder, tree: append(folder / "actions.toml"),
                  "the catalogue file actions.toml changed"),
    "posterior": (_edit_posterior, "the posterior file the runs use post.parquet changed"),
    "code": (lambda folder, tree: append(tree / "model" / "effects.py"),
             "the code (agents/, model/) changed"),
}


@pytest.mark.parametrize("what", list(CHANGES))
def test_provenance_changes_says_which_file_changed(tree, tmp_path, what):
    edit, words = CHANGES[what]
    folder = tmp_path / "a"
    write_experiment(folder)
    old = record_of(folder)
    edit(folder, tree)
    new = record_of(folder)
    assert new["id"] != old["id"], f"the {what} was edited; the provenance did not change"
    out = tmp_path / "out"
    assert provenance_changes(old, new, out) == [f"{words} since {out} was started"]


def test_provenance_changes_gives_the_versions(tree, tmp_path, monkeypatch):
    write_experiment(tmp_path / "a")
    old = record_of(tmp_path / "a")
    monkeypatch.setattr(provenance, "_version", lambda: "99.0")
    new = record_of(tmp_path / "a")
    assert new["id"] != old["id"]
    assert provenance_changes(old, new, tmp_path) == [
        f"the package version changed ({old['version']} -> 99.0) since {tmp_path} was started"]


def test_provenance_changes_of_equal_hashes_still_says_something(tmp_path):
    record = {"scenario_sha256": "a", "id": "1"}
    assert provenance_changes(record, {**record, "id": "2"}, tmp_path) == [
        f"the provenance of {tmp_path} differs"]


def test_a_scenario_uses_its_own_catalogue_or_the_default(tmp_path):
    folder = tmp_path / "a"
    write_experiment(folder)
    assert catalogue_file(folder / "scen.toml") == folder / "actions.toml"
    assert catalogue_file(SCENARIO_DIR / "paris_moscow_call.toml") == DEFAULT_CATALOGUE
    (folder / "broken.toml").write_text("[scenario\n", encoding="utf-8")
    assert catalogue_file(folder / "broken.toml") == DEFAULT_CATALOGUE


# ------------------------------------------------------------------ versions
def test_code_version_is_a_string_even_without_git(monkeypatch):
    version = code_version()
    assert isinstance(version, str) and version and version == version.strip()

    def no_git(*args, **kwargs):
        raise OSError("no git")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert code_version() == provenance._version()
    assert isinstance(code_version(), str)


def test_package_versions_are_strings_for_every_package(monkeypatch):
    versions = package_versions()
    assert set(versions) == {"python", *PACKAGES}
    assert all(isinstance(v, str) and v for v in versions.values())
    assert versions["python"] == platform.python_version()
    assert versions["mesa"] == importlib.metadata.version("mesa")
    monkeypatch.setattr(provenance, "PACKAGES", (*PACKAGES, "no-such-package-here"))
    assert package_versions()["no-such-package-here"] == "not installed"
