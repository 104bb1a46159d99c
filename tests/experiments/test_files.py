"""experiments/files.py: atomic writes, output checks, one writer per folder, a full disk.

* ``atomic_write`` leaves the old file or the whole new one, never half a file, and no
  temporary behind when the write fails.
* ``check_output`` refuses, before any work and creating nothing, a location that
  cannot be written, naming the option.
* ``exclusive`` is re-entrant in one process, refuses a second process in one line
  naming the holder's pid, and the kernel releases it when the holder dies; a forked
  child does not keep it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import files
from experiments.files import (
    LOCK,
    atomic_write,
    check_beside,
    check_output,
    check_own_folder,
    disk_full,
    exclusive,
    is_disk_full,
    writer,
)
from model.checks import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ------------------------------------------------------------------ atomic_write
def test_atomic_write_writes_the_whole_file_and_no_temporary(tmp_path):
    atomic_write(tmp_path / "a.txt", lambda f: f.write(b"whole"))
    assert (tmp_path / "a.txt").read_bytes() == b"whole"
    assert listing(tmp_path) == ["a.txt"]


def _half_then(error: BaseException):
    def write(handle) -> None:
        handle.write(b"half a fi")
        handle.flush()
        raise error
    return write


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   RuntimeError("a bug"), KeyboardInterrupt()])
def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path, error):
    with pytest.raises(type(error)):
        atomic_write(tmp_path / "a.txt", _half_then(error))
    assert listing(tmp_path) == []


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_whole(tmp_path, error):
    (tmp_path / "a.txt").write_bytes(b"the old contents")
    with pytest.raises(type(error)):
        atomic_write(tmp_path / "a.txt", _half_then(error))
    assert (tmp_path / "a.txt").read_bytes() == b"the old contents"
    assert listing(tmp_path) == ["a.txt"]


def test_a_failed_rename_leaves_no_temporary(tmp_path):
    (tmp_path / "a.txt").mkdir()          # a folder in the way: the rename fails
    (tmp_path / "a.txt" / "inside").write_bytes(b"kept")
    with pytest.raises(OSError):
        atomic_write(tmp_path / "a.txt", lambda f: f.write(b"new"))
    assert listing(tmp_path) == ["a.txt", "a.txt/inside"]


# ------------------------------------------------------------------ check_output
def test_usable_locations_are_returned_absolute_and_nothing_is_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert check_output("new/deeper/out") == tmp_path / "new" / "deeper" / "out"
    assert check_output(tmp_path / "empty") == tmp_path / "empty"
    assert check_output("empty/report.md", "--report", file=True) == \
        tmp_path / "empty" / "report.md"
    assert listing(tmp_path) == ["empty"]


def _a_file(t: Path) -> tuple[Path, bool]:
    (t / "taken").write_text("x", encoding="utf-8")
    return t / "taken", False


def _a_folder(t: Path) -> tuple[Path, bool]:
    (t / "folder.md").mkdir()
    return t / "folder.md", True


def _inside_a_file(t: Path) -> tuple[Path, bool]:
    (t / "plain").write_text("x", encoding="utf-8")
    return t / "plain" / "sub" / "out", False


REFUSED = {
    "a file where a folder is expected": (_a_file, "exists and is not a folder"),
    "a folder where a file is expected": (_a_folder, "is a folder; give a file name"),
    "inside a file": (_inside_a_file, "which is not a folder"),
    "in /proc": (lambda t: (Path("/proc/escalation-out"), False),
                 "is on a pseudo file system (proc), not a disk"),
    "/proc itself": (lambda t: (Path("/proc"), False), "is on a pseudo file system (proc)"),
    "a file in /sys": (lambda t: (Path("/sys/escalation.md"), True),
                       "is on a pseudo file system (sysfs)"),
    "a newline": (lambda t: (Path(f"{t}/out\nx"), False), "not a usable file name (empty or "
                  "control characters)"),
    "a tab": (lambda t: (f"{t}/a\tb", False), "not a usable file name"),
    "DEL": (lambda t: (f"{t}/a\x7fb", False), "not a usable file name"),
    "empty": (lambda t: ("", False), "not a usable file name"),
    "blank": (lambda t: ("   ", False), "not a usable file name"),
    "not encodable": (lambda t: (f"{t}/\ud800", False), "not a usable file name (encoding)"),
    "a part of 256 bytes": (lambda t: (t / ("x" * 256), False), "name too long"),
    "a path of 4,002 bytes": (lambda t: (f"{t}/" + "ab/" * 1334, False), "name too long"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_check_output_refuses_a_location_that_cannot_be_written(tmp_path, case):
    make, problem = REFUSED[case]
    path, is_file = make(tmp_path)
    before = listing(tmp_path)
    with pytest.raises(ConfigError) as refused:
        check_output(path, "--figures", file=is_file)
    assert refused.value.source == "--figures"
    assert problem in refused.value.problem, refused.value.problem
    assert "\n" not in str(refused.value)
    assert listing(tmp_path) == before


def test_check_output_refuses_a_read_only_file_system(tmp_path, monkeypatch):
    real = os.statvfs

    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs",
                        lambda path: ReadOnly() if Path(path) == tmp_path else real(path))
    with pytest.raises(ConfigError) as refused:
        check_output(tmp_path / "out")
    assert refused.value.source == "--out"
    assert refused.value.problem == "is on a read-only file system"
    assert listing(tmp_path) == []


@pytest.mark.parametrize("where, is_file", [("locked/out", False), ("locked", False),
                                            ("locked/report.md", True)])
def test_check_output_refuses_a_folder_this_user_cannot_write(tmp_path, monkeypatch, where,
                                                             is_file):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes whatever the mode: the access check says no
        real = os.access
        monkeypatch.setattr(os, "access", lambda path, mode, **kw: False
                            if Path(path) == locked else real(path, mode, **kw))
    try:
        with pytest.raises(ConfigError) as refused:
            check_output(tmp_path / where, file=is_file)
        assert refused.value.problem == f"{locked} is not writable"
        assert listing(tmp_path) == ["locked"]
    finally:
        locked.chmod(0o755)


# ------------------------------------------------------------------ one writer per folder
def can_lock(folder: Path) -> bool:
    """Whether another open file description could take the folder's lock now."""
    fd = os.open(folder / LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


TRY_LOCK = """
import sys, time
from experiments.files import exclusive
from model.checks import ConfigError
try:
    with exclusive(sys.argv[1], "--out"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
except ConfigError as exc:
    print("refused:", exc, flush=True)
"""


def python(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", TRY_LOCK, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


def test_exclusive_creates_the_folder_and_records_the_holders_pid(tmp_path):
    folder = tmp_path / "new" / "out"
    with exclusive(folder) as held:
        assert held == folder and folder.is_dir()
        assert (folder / LOCK).read_text(encoding="ascii") == f"{os.getpid()}\n"
        assert not can_lock(folder)
    assert can_lock(folder)


def test_exclusive_is_reentrant_in_one_process(tmp_path):
    (tmp_path / "alias").symlink_to(tmp_path / "out", target_is_directory=True)
    with exclusive(tmp_path / "out"):
        with exclusive(tmp_path / "out"), exclusive(tmp_path / "alias"):
            assert not can_lock(tmp_path / "out")
        assert not can_lock(tmp_path / "out")   # the inner blocks did not release it
    assert can_lock(tmp_path / "out")


def test_a_second_process_is_refused_in_one_line_naming_the_pid(tmp_path):
    folder = tmp_path / "out"
    with exclusive(folder):
        (folder / "chunk").write_bytes(b"mine")
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        other = python(str(folder), "0")
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0, err
        assert out == (f"refused: --out: {folder}: another escalation command (pid "
                       f"{os.getpid()}) is writing to this folder; wait for it to end or use "
                       "another --out\n")
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    folder = tmp_path / "out"
    holder = python(str(folder), "60")
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(ConfigError, match=f"pid {holder.pid}"), exclusive(folder):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=60)
    with exclusive(folder):   # the kernel released it
        assert (folder / LOCK).read_text(encoding="ascii") == f"{os.getpid()}\n"


def test_a_forked_child_does_not_keep_the_lock(tmp_path):
    folder = tmp_path / "out"
    ready_r, ready_w = os.pipe()   # the child says it is running (its fork hooks ran)
    done_r, done_w = os.pipe()     # the parent says the child may end
    with exclusive(folder):
        child = os.fork()
        if child == 0:   # the child outlives its parent's hold, doing nothing
            os.write(ready_w, b"r")
            os.read(done_r, 1)
            os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"r"
        assert can_lock(folder)   # released, though the child still runs
    finally:
        os.write(done_w, b"x")
        os.waitpid(child, 0)
        for fd in (ready_r, ready_w, done_r, done_w):
            os.close(fd)


# ------------------------------------------------------------------ a full disk
def test_a_full_disk_is_recognised_and_said_in_one_line():
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not is_disk_full(OSError(errno.EIO, "Input/output error"))
    assert not is_disk_full(PermissionError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(ValueError("no space"))
    error = disk_full(12)
    assert isinstance(error, ConfigError)
    assert str(error) == "disk full: 12 runs kept, re-run to resume"


def test_the_one_write_path_is_synced(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    files.write_synced(tmp_path / "a", lambda f: f.write(b"abc"))
    assert (tmp_path / "a").read_bytes() == b"abc" and len(synced) == 1


def test_a_full_sqlite_database_is_a_full_disk_through_its_wrappers():
    import sqlite3

    inner = sqlite3.OperationalError("database or disk is full")
    wrapped = RuntimeError("commit failed")      # SQLAlchemy and pyabc wrap it in theirs
    wrapped.__cause__ = inner
    outer = RuntimeError("the sampler failed")
    outer.__context__ = wrapped
    assert is_disk_full(outer)
    assert not is_disk_full(RuntimeError("the sampler failed"))
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
    assert str(disk_full(2, "generations")) == "disk full: 2 generations kept, re-run to resume"


# ------------------------------------------------------------------ whose folder
def test_writer_names_another_holder_but_not_this_process(tmp_path):
    with exclusive(tmp_path / "mine"):
        assert writer(tmp_path / "mine") is None          # this process reads its own
    assert writer(tmp_path / "never") is None
    (tmp_path / "held").mkdir()
    fd = os.open(tmp_path / "held" / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        os.write(fd, b"4242\n")
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert writer(tmp_path / "held") == "4242"
    finally:
        os.close(fd)
    assert writer(tmp_path / "held") is None


def test_check_own_folder_refuses_another_commands_results_whatever_it_holds(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "summary.json").write_text("{}")
    with pytest.raises(ConfigError, match=re.escape("holds another command's results")):
        check_own_folder(tmp_path, "--out", ("summary.json",))


def test_check_own_folder_takes_a_non_empty_folder_only_with_its_mark(tmp_path):
    check_own_folder(tmp_path / "new", "--out")
    (tmp_path / LOCK).write_text("")
    check_own_folder(tmp_path, "--out")                          # only a lock: empty
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ConfigError, match=re.escape("is not empty (it holds 'notes.txt')")):
        check_own_folder(tmp_path, "--out", ("summary.json",))
    (tmp_path / "summary.json").write_text("{}")
    check_own_folder(tmp_path, "--out", ("summary.json",))       # its own mark: accepted
    (tmp_path / "root").symlink_to("/")
    with pytest.raises(ConfigError, match="is not empty"):
        check_own_folder(tmp_path / "root", "--out")              # the link is resolved


def test_check_beside_keeps_outputs_off_the_results_they_come_from(tmp_path):
    results, other = tmp_path / "results", tmp_path / "other"
    for folder in (results, other):
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
    (tmp_path / "link.csv").symlink_to(results / "manifest.json")
    own = frozenset({"runs.csv"})
    check_beside(results / "runs.csv", results, own)             # its own default file
    check_beside(tmp_path / "elsewhere.csv", results, own)
    for target, problem in ((results / "manifest.json", "the results folder it reads"),
                            (results / "figures" / "runs.csv", "the results folder it reads"),
                            (tmp_path / "link.csv", "the results folder it reads"),
                            (other / "runs.csv", "another command's results folder")):
        with pytest.raises(ConfigError, match=problem):
            check_beside(target, results, own)


@pytest.mark.parametrize("link, problem", [
    ("dangling", "is a symbolic link that leads nowhere"),
    ("loop", "is a symbolic link that leads nowhere"),
    ("dangling/inside", "is inside"),
])
def test_check_output_refuses_a_link_that_leads_nowhere(tmp_path, link, problem):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere" / "x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    before = listing(tmp_path)
    with pytest.raises(ConfigError, match=problem):
        check_output(tmp_path / link)
    assert listing(tmp_path) == before


def test_check_output_resolves_links(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert check_output(tmp_path / "link" / "out") == tmp_path / "real" / "out"
