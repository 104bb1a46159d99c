"""Files and folders an output is written to: atomic writes, output checks, one writer.

* ``atomic_write``: a file is written whole to a hidden temporary name in its folder,
  synced, and renamed into place (``os.replace`` is atomic), so a reader never sees
  half a file and a killed command leaves at most a stray temporary.
* ``check_output``: an output location that cannot be written is refused before any
  work (a file, inside a file, a pseudo file system such as /proc, read-only, a symbolic
  link that leads nowhere); symbolic links are resolved before every check.
* ``check_own_folder`` and ``check_beside``: no command writes into a folder another
  command (or the user) owns, nor into the results folder it reads, but for its own
  files there: a folder holding a ``manifest.json`` is a results folder, and an existing
  non-empty folder must show that it is this command's.
* ``exclusive``: one process writes to a folder at a time (an ``fcntl.flock`` on
  ``DIR/.lock``), released by the kernel however the process ends.
* A full disk is one line: ``disk full: N runs kept, re-run to resume``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from model.checks import ConfigError

LOCK = ".lock"
RESULTS_MANIFEST = "manifest.json"   # every results folder has one (sweeps, calibrations)
PSEUDO_FILE_SYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs",
    "securityfs", "pstore", "bpf", "configfs", "fusectl", "mqueue", "binfmt_misc",
    "efivarfs", "autofs", "rpc_pipefs", "nsfs", "selinuxfs"})


def temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_synced(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    with open(path, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    tmp = temporary_path(path)
    try:
        write_synced(tmp, write)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, says the disk is full: an OSError
    (ENOSPC, EDQUOT) or SQLite's "database or disk is full" (a calibration's history,
    which SQLAlchemy wraps in errors of its own)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if type(exc).__name__ == "OperationalError" and "disk is full" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full(kept: int, what: str = "runs") -> ConfigError:
    """The one-line error of a write that found no space left (the folder stays valid)."""
    return ConfigError("disk full", "", f"{kept} {what} kept, re-run to resume")


# ------------------------------------------------------------------ output locations
def check_output(path: Path | str, option: str = "--out", file: bool = False) -> Path:
    """Refuse, before any run, an output location that cannot be written.

    ``path`` is a folder (or, with ``file``, a file) that may not exist yet. Refused
    (ConfigError naming ``option``): an unusable name (empty, control characters,
    too long), a symbolic link that leads nowhere (dangling, or a loop), a folder that
    is a file (or a file that is a folder), a location inside a file, on a pseudo file
    system (/proc, /sys, devtmpfs...), on a read-only file system, or in a folder this
    user cannot write. Nothing is created. Returns the location with its symbolic links
    resolved (the checks are made on it).
    """
    text = os.fspath(path)
    if not text.strip() or any(ord(c) < 32 or c == "\x7f" for c in text):
        raise ConfigError(option, repr(text), "not a usable file name (empty or control "
                          "characters)")
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        raise ConfigError(option, repr(text), "not a usable file name (encoding)") from None
    if len(encoded) > 4000 or any(len(os.fsencode(p)) > 255 for p in Path(text).parts):
        raise ConfigError(option, text[:80], "name too long")
    for part in (Path(text), *Path(text).parents):
        if os.path.lexists(part) and not os.path.exists(part):
            where = "is" if part == Path(text) else f"is inside {part}, which is"
            raise ConfigError(option, text, f"{where} a symbolic link that leads nowhere "
                              "(dangling, or a loop)")
    target = Path(os.path.realpath(text))
    if target.exists():
        if file and target.is_dir():
            raise ConfigError(option, text, "is a folder; give a file name")
        if not file and not target.is_dir():
            raise ConfigError(option, text, "exists and is not a folder")
    probe = target.parent if file or not target.exists() else target
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(option, text, f"is inside {probe}, which is not a folder")
    fs_type = _file_system(probe)   # probe is an existing folder of the resolved target
    if fs_type in PSEUDO_FILE_SYSTEMS or _under(probe, (Path("/proc"), Path("/sys"))):
        raise ConfigError(option, text, f"is on a pseudo file system ({fs_type or 'proc'}), "
                          "not a disk")
    with suppress(OSError):
        if os.statvfs(probe).f_flag & os.ST_RDONLY:
            raise ConfigError(option, text, "is on a read-only file system")
    writable = probe if file and not target.exists() else (target if target.exists() else probe)
    if not os.access(writable, os.W_OK | (0 if writable.is_file() else os.X_OK)):
        raise ConfigError(option, text, f"{writable} is not writable")
    return target


def check_own_folder(folder: Path | str, option: str = "--out", marks: tuple[str, ...] = (),
                     spare: Callable[[str], bool] = lambda name: name == LOCK) -> None:
    """Refuse, before any work, an existing folder this command does not own.

    Refused: a folder holding a ``manifest.json`` (the results of a sweep, sensitivity
    analysis, validation or calibration), and a non-empty folder that holds none of
    ``marks`` (the files that show it is this command's) and an entry ``spare`` does not
    accept. Symbolic links are resolved first, so a link to ``/`` is ``/``.
    """
    folder = Path(os.path.realpath(folder))
    if not folder.is_dir():
        return
    if (folder / RESULTS_MANIFEST).exists():
        raise ConfigError(option, str(folder), f"holds another command's results "
                          f"({RESULTS_MANIFEST}); use another {option}")
    if any((folder / mark).exists() for mark in marks):
        return
    with os.scandir(folder) as entries:
        stranger = next((entry.name for entry in entries if not spare(entry.name)), None)
    if stranger is not None:
        raise ConfigError(option, str(folder), f"is not empty (it holds {stranger!r}) and "
                          f"is not this command's folder; use another {option} or an empty "
                          "folder")


def check_beside(target: Path | str, results: Path | str, own: frozenset[str],
                 option: str = "--out") -> None:
    """Refuse writing ``target`` into the results folder it is computed from (but for the
    command's ``own`` file names at its top level) or into another results folder, so
    an output never overwrites an input. Symbolic links are resolved first."""
    real, folder = Path(os.path.realpath(target)), Path(os.path.realpath(results))
    if real == folder or folder in real.parents:
        if real.parent != folder or real.name not in own:
            raise ConfigError(option, str(target), f"is inside {results}, the results folder "
                              f"it reads (only {', '.join(sorted(own))} may be written "
                              "there); write it elsewhere")
    elif (real.parent / RESULTS_MANIFEST).exists():
        raise ConfigError(option, str(target), f"is inside {real.parent}, another command's "
                          "results folder; write it elsewhere")


def _under(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _file_system(path: Path) -> str:
    """The type of the mounted file system holding ``path`` ('' if unknown)."""
    best, kind = "", ""
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
        if _under(path, (Path(point),)) and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


# ------------------------------------------------------------------ one writer per folder
_HELD: dict[str, int] = {}   # folder (real path) -> locked descriptor, in this process


def _close_held_in_child() -> None:
    # A forked child must not keep a folder locked after its parent dies (closing a
    # duplicate descriptor does not unlock it for the parent).
    for fd in _HELD.values():
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


def writer(folder: Path | str) -> str | None:
    """Who holds ``folder``'s one-writer lock (its pid as written), None if nobody does.

    A shared lock taken and released at once: readers use it to tell a folder being
    written from one whose writer stopped. This process's own lock is nobody's (a
    command reads back the folder it holds)."""
    if os.path.realpath(folder) in _HELD:
        return None
    try:
        fd = os.open(Path(folder) / LOCK, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None   # never written by a command, or not ours to read
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)   # released by close, below
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
            raise
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
    finally:
        os.close(fd)
    return None


@contextmanager
def exclusive(folder: Path | str, option: str = "--out") -> Iterator[Path]:
    """Hold ``folder`` as its only writer (creating it), for the life of the ``with`` block.

    An ``fcntl.flock`` on ``folder/.lock``, non-blocking: if another process holds
    it, a ConfigError naming ``option`` is raised and nothing is created, removed or
    changed. Re-entrant within a process (a report holding a sweep folder can call
    the pipeline, which takes it again). The kernel releases the lock when the
    process ends, however it ends.
    """
    folder = Path(folder)
    key = os.path.realpath(folder)
    if key in _HELD:
        yield folder
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = b""
        with suppress(OSError):
            holder = os.pread(fd, 32, 0)
        os.close(fd)
        if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
            raise
        pid = holder.decode("ascii", "replace").strip()
        raise ConfigError(option, str(folder), "another escalation command "
                          f"{f'(pid {pid}) ' if pid.isdigit() else ''}is writing to this "
                          f"folder; wait for it to end or use another {option}") from None
    with suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _HELD[key] = fd
    try:
        yield folder
    finally:
        _HELD.pop(key, None)
        os.close(fd)
