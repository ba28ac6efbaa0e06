"""A real OpenLDAP server (Debian's slapd) for the tests: a temp dir, an mdb database, a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=baomi,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "root#Secret1"
READER_DN = f"cn=reader,ou=system,{SUFFIX}"
READER_PW = "reader#Secret1"
PEOPLE = f"ou=people,{SUFFIX}"

# uid → (directory password, employeeNumber)
USERS = {
    "zhoujing": ("dir#Zhou2026", "E1001"),
    "qianyong": ("dir#Qian2026", "E1002"),   # the system administrator (has a local password too)
    "stranger": ("dir#Stranger1", "E1003"),  # in the directory, unknown to Baomi
    "leaver": ("dir#Leaver2026", "E1004"),   # disabled in Baomi
}


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen[bytes]
    workdir: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ssha(password: str) -> str:
    return subprocess.run(["/usr/sbin/slappasswd", "-h", "{SSHA}", "-s", password], check=True,
                          capture_output=True, text=True).stdout.strip()


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: baomi\no: Baomi test",
        f"dn: ou=system,{SUFFIX}\nobjectClass: organizationalUnit\nou: system",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\n"
        f"userPassword: {_ssha(READER_PW)}",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
    ]
    for uid, (password, number) in USERS.items():
        entries.append(
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
            f"employeeNumber: {number}\nuserPassword: {_ssha(password)}"
        )
    return "\n\n".join(entries) + "\n"


def start() -> Slapd:
    workdir = Path(tempfile.mkdtemp(prefix="baomi-slapd-"))
    (workdir / "db").mkdir()
    config = workdir / "slapd.conf"
    config.write_text(f"""\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {workdir}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {_ssha(ROOT_PW)}
directory {workdir}/db
access to attrs=userPassword by anonymous auth by self read by * none
access to * by users read by * none
""")
    uri = f"ldap://127.0.0.1:{_free_port()}/"
    log = open(workdir / "slapd.log", "wb")  # noqa: SIM115 - kept open for the server's lifetime
    process = subprocess.Popen([SLAPD, "-h", uri, "-f", str(config), "-d", "0"], stdout=log, stderr=log)
    deadline = time.monotonic() + 15
    while True:
        probe = subprocess.run(["ldapsearch", "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PW, "-b", "",
                                "-s", "base"], capture_output=True)
        if probe.returncode == 0:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"slapd did not start: {(workdir / 'slapd.log').read_text(errors='replace')}")
        time.sleep(0.1)
    subprocess.run(["ldapadd", "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PW], input=_ldif().encode(),
                   check=True, capture_output=True)
    return Slapd(uri=uri, process=process, workdir=workdir)


def stop(server: Slapd) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
    shutil.rmtree(server.workdir, ignore_errors=True)


def available() -> bool:
    return os.access(SLAPD, os.X_OK) and shutil.which("ldapadd") is not None
