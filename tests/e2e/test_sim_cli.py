"""``pharmacy-desk-sim`` as a user runs it: one command starts a relay and checks it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pharmacy_desk.sim.scenarios import SCENARIOS


def sim(*args: str, timeout: float = 90.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desk.sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_start_relay_and_run_scenarios_passes() -> None:
    done = sim("--start-relay", "--seed", "1", "--scenario", "pickup_paid_cash", "--scenario", "duplicate_webhooks")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  pickup_paid_cash" in done.stdout
    assert "2/2 scenarios passed" in done.stdout


def test_the_nested_format_end_to_end_from_the_command_line() -> None:
    done = sim("--start-relay", "--format", "nested", "--seed", "2", "--scenario", "pickup_paid_card")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  pickup_paid_card" in done.stdout and "1/1 scenarios passed" in done.stdout
    assert sim("--start-relay", "--format", "xml", "--all").returncode == 2


def test_generator_with_staff_runs_orders_to_the_end() -> None:
    done = sim("--start-relay", "--generate", "--rate", "120", "--pace", "0.1", "--duration", "2", "--play-staff")
    assert done.returncode == 0, done.stdout + done.stderr
    assert " orders created" in done.stdout
    assert "handed over" in done.stdout or "delivered by the courier" in done.stdout


def test_relay_that_cannot_start_is_exit_2(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'relay.sqlite3'}"
    done = sim("--start-relay", "--database-url", url, "--scenario", "pickup_paid_cash")
    assert done.returncode == 2
    assert "could not be started" in done.stderr


def test_usage_errors_are_exit_2() -> None:
    assert sim("--scenario", "no_such_scenario", "--start-relay").returncode == 2
    assert sim("--all").returncode == 2  # neither --start-relay nor a relay to test


def test_list_names_every_scenario() -> None:
    done = sim("--list")
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(SCENARIOS)


def test_generated_orders_are_served_by_a_relay_loaded_with_the_sample_stock() -> None:
    stock = Path(__file__).resolve().parents[2] / "resources" / "stock" / "sample_stock.csv"
    done = sim(
        "--start-relay", "--stock", str(stock), "--seed", "3",
        "--generate", "--rate", "120", "--pace", "0.1", "--duration", "2", "--play-staff",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Склад apteka-sim: строк 72, добавлено партий 72" in done.stdout
    assert " orders created" in done.stdout and "not accepted" not in done.stdout
    assert "handed over" in done.stdout or "delivered by the courier" in done.stdout


def test_stock_without_start_relay_is_a_usage_error(tmp_path: Path) -> None:
    done = sim("--stock", str(tmp_path / "s.csv"), "--generate", "--relay", "http://127.0.0.1:9", "--store", "s")
    assert done.returncode == 2 and "--stock goes with --start-relay" in done.stderr
