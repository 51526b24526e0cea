"""Every file under ``deploy/`` checked by the tool that reads it: the relay's own loader (the TOML and
the env example), ``systemd-analyze verify`` (units), ``nginx -t`` (both upstream layouts), ``sh -n``
(scripts), ``logrotate -d``, and ``psql`` running the PostgreSQL set-up on the test server.

A tool that is not installed skips its test (``apt install nginx-light logrotate``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url

from pharmacy_desk.relay.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
RELAY_BIN = "/opt/pharmacy-desk-relay/bin/pharmacy-desk-relay"
BACKUP_BIN = "/usr/local/sbin/pharmacy-desk-backup-sqlite"


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.is_file()), None
    )
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines as systemd's ``EnvironmentFile=`` reads them (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        key, sep, value = stripped.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"not KEY=value: {line!r}"
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        values[key] = value
    return values


# --- configuration ---------------------------------------------------------------------------------


def test_the_env_example_leaves_the_tomls_sqlite_database_alone() -> None:
    env = env_file(DEPLOY / "relay.env.example")
    assert "PHARMACY_DESK_RELAY__DATABASE_URL" not in env
    assert "PHARMACY_DESK_RELAY__PORT" not in env  # the template unit sets it per process
    config = load_config(DEPLOY / "relay.toml.example", environ=env)
    assert config.database_url == "sqlite+aiosqlite:////var/lib/pharmacy-desk-relay/relay.sqlite3"
    assert config.webhook_auth.client_token is not None
    assert config.webhook_auth.client_token.get_secret_value() == "CHANGE-ME-client-token"
    assert config.kuper.client_secret.get_secret_value() == "CHANGE-ME-from-kuper"
    assert [s.key for s in config.stores] == ["apteka-12", "apteka-14"]


def test_the_env_examples_postgresql_line_once_uncommented_selects_postgresql() -> None:
    text = (DEPLOY / "relay.env.example").read_text(encoding="utf-8")
    active = text.replace("#PHARMACY_DESK_RELAY__DATABASE_URL=", "PHARMACY_DESK_RELAY__DATABASE_URL=")
    assert active != text
    env = {**env_file_from_text(active), "PHARMACY_DESK_RELAY__PORT": "8082"}  # as pharmacy-desk-relay@8082
    config = load_config(DEPLOY / "relay.toml.example", environ=env)
    assert config.database_url.startswith("postgresql+asyncpg://pharmacy_desk_relay:")
    assert config.port == 8082


def env_file_from_text(text: str) -> dict[str, str]:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"relay-env-{uuid.uuid4().hex}"
    path.write_text(text, encoding="utf-8")
    try:
        return env_file(path)
    finally:
        path.unlink()


# --- systemd ---------------------------------------------------------------------------------------


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    relay_bin = Path(sys.executable).with_name("pharmacy-desk-relay")
    assert relay_bin.is_file()
    units = [p for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer", ".target")]
    assert {p.name for p in units} >= {"pharmacy-desk-relay.service", "pharmacy-desk-relay@.service"}
    checked: list[str] = []
    for unit in units:
        # the executables live elsewhere here than on the server: point at the real ones of this checkout
        text = unit.read_text(encoding="utf-8").replace(RELAY_BIN, str(relay_bin))
        text = text.replace(BACKUP_BIN, str(DEPLOY / "backup-sqlite.sh"))
        names = (
            [unit.name.replace("@.", "@8081."), unit.name.replace("@.", "@8082.")] if "@." in unit.name else [unit.name]
        )
        for name in names:
            (tmp_path / name).write_text(text, encoding="utf-8")
            checked.append(str(tmp_path / name))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *checked], capture_output=True, text=True, timeout=60, check=False
    )
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 0 and problems == [], "\n".join(problems)


def test_the_template_unit_sets_the_port_from_the_instance() -> None:
    text = (DEPLOY / "pharmacy-desk-relay@.service").read_text(encoding="utf-8")
    assert "Environment=PHARMACY_DESK_RELAY__PORT=%i" in text
    single = (DEPLOY / "pharmacy-desk-relay.service").read_text(encoding="utf-8")
    for line in single.splitlines():  # same user, files and hardening as the single unit
        if re.match(r"(User|Group|EnvironmentFile|ExecStart|StateDirectory|ProtectSystem|SystemCallFilter)=", line):
            assert line in text.splitlines(), line


# --- nginx -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("upstream", ["pharmacy-desk-relay-upstream.conf", "pharmacy-desk-relay-upstream-chain.conf"])
def test_nginx_accepts_the_configuration(tmp_path: Path, upstream: str) -> None:
    nginx = tool("nginx")
    openssl = tool("openssl")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    tls = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=relay.example.ru", *tls],
        capture_output=True,
        check=True,
        timeout=60,
    )
    site = (DEPLOY / "nginx" / "pharmacy-desk-relay.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/relay.example.ru/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/relay.example.ru/privkey.pem", str(key))
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "pharmacy-desk-relay.conf").write_text(site, encoding="utf-8")
    shutil.copy(DEPLOY / "nginx" / upstream, conf_d / upstream)
    (tmp_path / "logs").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {conf_d}/*.conf;\n}}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    # nginx only warns about what it dislikes: none of that either
    assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr, done.stderr


def test_both_upstream_files_define_the_same_upstream() -> None:
    names = [
        re.findall(r"upstream\s+(\w+)", (DEPLOY / "nginx" / f).read_text(encoding="utf-8"))
        for f in ("pharmacy-desk-relay-upstream.conf", "pharmacy-desk-relay-upstream-chain.conf")
    ]
    assert names == [["pharmacy_desk_relay"], ["pharmacy_desk_relay"]]
    site = re.sub(r"#.*", "", (DEPLOY / "nginx" / "pharmacy-desk-relay.conf").read_text(encoding="utf-8"))
    assert re.search(r"^\s*upstream\s", site, flags=re.M) is None  # the site has none of its own


# --- scripts, logrotate, PostgreSQL ----------------------------------------------------------------


@pytest.mark.parametrize("script", ["backup-sqlite.sh", "relay-admin.sh"])
def test_the_shell_scripts_parse(script: str) -> None:
    sh = tool("sh")
    done = subprocess.run([sh, "-n", str(DEPLOY / script)], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_logrotate_reads_its_file(tmp_path: Path) -> None:
    logrotate = tool("logrotate")
    # the service user does not exist here: the file as it is, but with this machine's root
    text = (DEPLOY / "logrotate" / "pharmacy-desk-relay").read_text(encoding="utf-8")
    assert "su pharmacy-desk-relay pharmacy-desk-relay" in text
    conf = tmp_path / "pharmacy-desk-relay"
    conf.write_text(text.replace("su pharmacy-desk-relay pharmacy-desk-relay", "su root root"), encoding="utf-8")
    done = subprocess.run(
        [logrotate, "-d", "-s", str(tmp_path / "state"), str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "error:" not in output.lower(), output


@pytest.mark.postgres
def test_the_postgresql_setup_script_makes_a_database_the_relay_migrates(tmp_path: Path) -> None:
    psql = tool("psql")
    url = make_url(PG_URL)
    role, db = f"pdesk_role_{uuid.uuid4().hex[:8]}", f"pdesk_db_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    script = ["-f", str(DEPLOY / "postgresql-setup.sql")]
    base = [
        psql,
        "-X",
        "-q",
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    try:
        done = subprocess.run(
            [*base, "-d", "postgres", "-v", f"password={password}", "-v", f"role={role}", "-v", f"db={db}", *script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        relay_url = url.set(username=role, password=password, database=db).render_as_string(hide_password=False)
        config = tmp_path / "relay.toml"
        config.write_text(f'database_url = "{relay_url}"\n', encoding="utf-8")
        relay = Path(sys.executable).with_name("pharmacy-desk-relay")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PHARMACY_DESK_RELAY")}
        migrated = subprocess.run(
            [str(relay), "--config", str(config), "migrate"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        owner = subprocess.run(
            [*base, "-d", db, "-Atc", "SELECT tableowner FROM pg_tables WHERE tablename = 'store_events'"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert owner.stdout.strip() == role
    finally:
        subprocess.run(
            [*base, "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'],
            capture_output=True,
            timeout=60,
            check=False,
        )
        subprocess.run(
            [*base, "-d", "postgres", "-c", f'DROP ROLE IF EXISTS "{role}"'],
            capture_output=True,
            timeout=60,
            check=False,
        )
