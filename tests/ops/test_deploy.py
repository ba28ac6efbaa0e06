"""The examples in deploy/ are checked as far as this machine can: nginx -t on the nginx
config (Debian's nginx, when installed), systemd-analyze verify on the units (when present),
and for everything: the `baomi` command lines parse with the real argument parser, the files
the Dockerfile copies exist, and every variable they set is one Baomi reads."""

from __future__ import annotations

import datetime
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from baomi.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
_VAR = re.compile(r"""["'](BAOMI_[A-Z0-9_]+|DATABASE_URL)["']""")


def _variables_read() -> set[str]:
    """Every BAOMI_* name (and DATABASE_URL) the code reads, as a quoted string in src/."""
    found: set[str] = set()
    for path in (ROOT / "src" / "baomi").rglob("*.py"):
        found.update(_VAR.findall(path.read_text(encoding="utf-8")))
    return found


def _check_baomi_command(argv: list[str]) -> None:
    assert Path(argv[0]).name == "baomi", argv
    build_parser().parse_args(argv[1:])  # exits (SystemExit) on an unknown subcommand or option


# ---- nginx ------------------------------------------------------------------------------


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "baomi.example.gov.cn")])
    now = datetime.datetime.now(tz=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _nginx_tree(tmp_path: Path, site: str) -> Path:
    cert, key = _self_signed(tmp_path)
    site = (site.replace("/etc/ssl/baomi/fullchain.pem", str(cert)).replace("/etc/ssl/baomi/privkey.pem", str(key))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "baomi.conf").write_text(site)
    shutil.copy(DEPLOY / "nginx" / "upstream.conf", tmp_path / "upstream.conf")
    temp = "\n".join(f"  {kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n{temp}\n"
                    f"  access_log {tmp_path}/access.log;\n"
                    f"  include {tmp_path}/upstream.conf;\n  include {tmp_path}/baomi.conf;\n}}\n")
    return main


def _nginx_test(tmp_path: Path, site: str) -> subprocess.CompletedProcess[str]:
    main = _nginx_tree(tmp_path, site)
    return subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
                          capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed (apt-get install nginx-light)")
def test_nginx_config_is_valid(tmp_path):
    result = _nginx_test(tmp_path, (DEPLOY / "nginx" / "baomi.conf").read_text())
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed (apt-get install nginx-light)")
def test_nginx_check_catches_a_broken_config(tmp_path):
    broken = (DEPLOY / "nginx" / "baomi.conf").read_text().replace("proxy_pass http://baomi_app;",
                                                                   "proxy_pass http://baomi_app", 1)
    assert _nginx_test(tmp_path, broken).returncode != 0


def test_nginx_limits_match_settings():
    from django.conf import settings

    conf = (DEPLOY / "nginx" / "baomi.conf").read_text()
    size = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert size is not None
    assert settings.BAOMI_MAX_UPLOAD_MB <= int(size.group(1)) <= settings.BAOMI_MAX_UPLOAD_MB + 5
    for location in ("/metrics", "/readyz"):
        block = conf.split(f"location = {location} {{", 1)[1].split("}", 1)[0]
        assert "deny all;" in block, location
    assert "X-Forwarded-For $remote_addr;" in conf  # overwritten, so Baomi may trust it
    assert "$request_uri" not in conf.split("log_format", 1)[1].split(";", 1)[0]  # no query strings logged


# ---- systemd ----------------------------------------------------------------------------


def _unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize("name", ["baomi.service", "baomi-tick.service"])
def test_systemd_units_run_real_commands(name):
    unit = _unit(name)
    commands = unit.get("ExecStartPre", []) + unit["ExecStart"]
    for command in commands:
        _check_baomi_command(shlex.split(command))
    known = _variables_read()
    for assignment in unit.get("Environment", []):
        variable = assignment.split("=", 1)[0]
        assert variable in known, variable
    assert unit["User"] == ["baomi"]


def test_service_and_timer_fit_together():
    service = _unit("baomi.service")
    assert "BAOMI_SCHEDULER=0" in service["Environment"]  # the timer runs the jobs instead
    timer = _unit("baomi-tick.timer")
    assert timer["Unit"] == ["baomi-tick.service"]
    assert (DEPLOY / "systemd" / "baomi-tick.service").exists()
    assert shlex.split(_unit("baomi-tick.service")["ExecStart"][0])[1] == "tick"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path):
    baomi = Path(sys.executable).with_name("baomi")
    if not baomi.exists():
        pytest.skip("the baomi script is not installed beside this Python")
    for name in ("baomi.service", "baomi-tick.service", "baomi-tick.timer"):
        text = (DEPLOY / "systemd" / name).read_text().replace("/opt/baomi/.venv/bin/baomi", str(baomi))
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in
                             ("baomi.service", "baomi-tick.service", "baomi-tick.timer"))],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


# ---- Dockerfile and compose -------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_copies_existing_files_and_runs_real_commands():
    instructions = _dockerfile()
    known = _variables_read()
    cmd = None
    for instruction, arguments in instructions:
        if instruction == "COPY":
            *sources, _target = shlex.split(arguments)
            for source in sources:
                assert (ROOT / source).exists(), source  # build context: the repository root
        elif instruction == "ENV":
            for name in re.findall(r"([A-Z_][A-Z0-9_]*)=", arguments):
                assert name in known or name.startswith("PYTHON"), name
        elif instruction == "RUN" and "pip install" in arguments:
            assert arguments.split()[-1] == "."  # the project copied above
        elif instruction == "CMD":
            cmd = arguments
    assert cmd is not None
    import json

    argv = json.loads(cmd)
    assert argv[:2] == ["sh", "-c"]
    steps = [shlex.split(step.strip().removeprefix("exec ").strip()) for step in argv[2].split("&&")]
    assert [step[1] for step in steps] == ["migrate", "serve"]
    for step in steps:
        _check_baomi_command(step)


def test_compose_parses_and_uses_real_variables():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) == {"db", "baomi", "nginx"}
    app = compose["services"]["baomi"]
    context = (DEPLOY / app["build"]["context"]).resolve()
    assert (context / app["build"]["dockerfile"]).exists()
    known = _variables_read()
    for name in app["environment"]:
        assert name in known, name
    for mount in compose["services"]["nginx"]["volumes"]:
        source = mount.split(":", 1)[0]
        if source != "./tls":  # the operator's certificate folder
            assert (DEPLOY / source).exists(), source
    assert app["environment"]["DATABASE_URL"].startswith("postgres://")
