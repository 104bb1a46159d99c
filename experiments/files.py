"""Files and folders an output is written to: atomic writes, output checks, one writer.

* ``atomic_write``: a file is written whole to a hidden temporary name in its folder,
  synced, and renamed into place (``os.replace`` is atomic), so a reader never sees
  half a file and a killed command leaves at most a stray temporary.
* ``check_output``: an output location that cannot be written is refused before any
  work (a file, inside a file, a pseudo file system such as /proc, read-only).
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


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full(runs_kept: int) -> ConfigError:
    """The one-line error of a write that found no space left (the folder stays valid)."""
    return ConfigError("disk full", "", f"{runs_kept} runs kept, re-run to resume")


# ------------------------------------------------------------------ output locations
def check_output(path: Path | str, option: str = "--out", file: bool = False) -> Path:
    """Refuse, before any run, an output location that cannot be written.

    ``path`` is a folder (or, with ``file``, a file) that may not exist yet. Refused
    (ConfigError naming ``option``): an unusable name (empty, control characters,
    too long), a folder that is a file (or a file that is a folder), a location inside
    a file, on a pseudo file system (/proc, /sys, devtmpfs...), on a read-only file
    system, or in a folder this user cannot write. Nothing is created.
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
    target = Path(os.path.abspath(text))
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
    fs_type = _file_system(Path(os.path.realpath(probe)))
    if fs_type in PSEUDO_FILE_SYSTEMS or _under(Path(os.path.realpath(probe)),
                                                (Path("/proc"), Path("/sys"))):
        raise ConfigError(option, text, f"is on a pseudo file system ({fs_type or 'proc'}), "
                          "not a disk")
    with suppress(OSError):
        if os.statvfs(probe).f_flag & os.ST_RDONLY:
            raise ConfigError(option, text, "is on a read-only file system")
    writable = probe if file and not target.exists() else (target if target.exists() else probe)
    if not os.access(writable, os.W_OK | (0 if writable.is_file() else os.X_OK)):
        raise ConfigError(option, text, f"{writable} is not writable")
    return target


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
