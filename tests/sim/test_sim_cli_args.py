"""``pharmacy-desk-sim`` argument checks that need no relay."""

from __future__ import annotations

import argparse

import pytest

from pharmacy_desk.sim import cli
from pharmacy_desk.sim.webhook_sender import WebhookAuth


def test_storm_plan_parses() -> None:
    assert cli._storm("503:30@60") == cli.StormPlan(503, 30.0, 60.0)
    assert cli._storm("429:5") == cli.StormPlan(429, 5.0, 0.0)
    with pytest.raises(argparse.ArgumentTypeError):
        cli._storm("soon")


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        ([], "say what to do"),
        (["--all"], "without --start-relay these are needed"),
        (["--all", "--start-relay", "--relay", "http://x"], "exclude each other"),
        (["--scenario", "nope", "--start-relay"], "unknown scenario"),
        (["--all", "--start-relay", "--storm", "503:1"], "--storm goes with --generate"),
        (["--all", "--relay", "http://x", "--store", "s", "--device-token", "t"], "--webhook-token"),
    ],
)
def test_usage_problems(argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert problem in capsys.readouterr().err


def test_external_relay_arguments_are_enough() -> None:
    args = cli._parser().parse_args(
        ["--all", "--relay", "http://x", "--store", "s", "--device-token", "t", "--webhook-basic", "kuper:pw"]
    )
    assert cli._usage_problem(args) is None
    assert cli._webhook_auth(args) == WebhookAuth(basic_user="kuper", basic_password="pw")
