"""Running the `escalation` command in-process in tests, and checking its one-line errors."""

from __future__ import annotations

from experiments.cli import main


def cli(capfd, *args: str) -> tuple[int, list[str]]:
    """Run the CLI in-process; (exit status, stderr lines)."""
    capfd.readouterr()
    status = main(list(args))
    return status, capfd.readouterr().err.strip().splitlines()


def assert_one_line_error(status: int, err: list[str], *mentions: str) -> None:
    assert status == 2, err
    assert len(err) == 1, err
    assert err[0].startswith("escalation: error: "), err
    for word in mentions:
        assert word in err[0], (word, err)
