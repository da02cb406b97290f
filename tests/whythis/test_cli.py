"""The root command: usage mistakes and our errors print a message and an exit code, never a traceback."""

from __future__ import annotations

import pytest

from whythis.cli import main


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--nope"], "No such option: --nope"),
        (["explain-batch", "--output", "p.jsonl", "-x"], "No such option: -x"),
        (["explain-batch", "--output", "p.jsonl"], "Missing option '--input'"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_a_usage_error_is_a_message_and_exit_code_2(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "explain-batch" in capsys.readouterr().out
