"""A real OpenLDAP server (slapd) for the directory sign-in tests.

`slapd_directory` starts Debian's slapd as the current user on a free port of 127.0.0.1, with its own slapd.conf
and its own database in a temporary directory, loads a small institution (slapadd), and stops it when the tests
are done. Nothing of the machine's own slapd (if any) is used or touched. `directory_settings` points the app at it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.celery_worker import free_port, wait_until

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

SUFFIX = "dc=wfu,dc=edu,dc=cn"
PEOPLE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=zhenggai,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret-1"


@dataclass(frozen=True)
class Person:
    uid: str
    cn: str
    employee_number: str
    password: str


# The institution's people. The product's own accounts are made by each test; the directory knows nothing of
# units or roles.
WANG = Person("wangli", "王丽", "20190001", "wang-dir-pass-1")
ZHAO = Person("zhaomin", "赵敏", "20200002", "zhao-dir-pass-2")
SUN = Person("sunqiang", "孙强", "20210003", "sun-dir-pass-3")  # no account in the product
PEOPLE_IN_DIRECTORY = (WANG, ZHAO, SUN)

CONFIG = """\
TLSCertificateFile {root}/server.pem
TLSCertificateKeyFile {root}/server.key
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
modulepath {modules}
moduleload back_mdb
pidfile {root}/slapd.pid
# Passwords are compared by simple bind only; no one reads them, and only the service account searches.
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="{service}" read
    by self read
    by * none
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
directory {root}/data
index uid,employeeNumber eq
"""


def _entries() -> str:
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: wfu\no: 潍坊学院",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: zhenggai\n"
        f"userPassword: {SERVICE_PASSWORD}",
    ]
    for person in PEOPLE_IN_DIRECTORY:
        blocks.append(
            f"dn: uid={person.uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {person.uid}\n"
            f"cn:: {_base64(person.cn)}\nsn:: {_base64(person.cn[0])}\nemployeeNumber: {person.employee_number}\n"
            f"userPassword: {person.password}")
    return "\n\n".join(blocks) + "\n"


def _base64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()  # LDIF carries non-ASCII values base64-encoded


def write_self_signed_certificate(cert_path: Path, key_path: Path) -> None:
    """A certificate for 127.0.0.1, so StartTLS can be tried with and without trusting it."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)


class Slapd:
    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def ca_file(self) -> Path:
        return self.root / "server.pem"  # self-signed: the certificate is its own CA

    def start(self) -> None:
        (self.root / "data").mkdir(parents=True)
        write_self_signed_certificate(self.root / "server.pem", self.root / "server.key")
        conf = self.root / "slapd.conf"
        conf.write_text(CONFIG.format(schema=SCHEMA, modules=MODULES, root=self.root, suffix=SUFFIX,
                                      service=SERVICE_DN), encoding="utf-8")
        (self.root / "people.ldif").write_text(_entries(), encoding="utf-8")
        subprocess.run([SLAPADD, "-f", str(conf), "-l", str(self.root / "people.ldif")], check=True,
                       capture_output=True)
        # -d keeps slapd in the foreground (a child of this process, ended by terminate()); "none" logs nothing.
        self.process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", f"{self.uri}/", "-d", "none"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until(self._answers, timeout=20)

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"slapd ended: {self.process.stderr.read().decode(errors='replace')}")
        import ldap

        connection = ldap.initialize(self.uri, bytes_mode=False)
        try:
            connection.simple_bind_s(SERVICE_DN, SERVICE_PASSWORD)
        except ldap.SERVER_DOWN:
            return False
        finally:
            connection.unbind_s()
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def slapd_directory(tmp_path_factory):
    if not Path(SLAPD).exists() or not shutil.which(SLAPADD):
        pytest.skip("OpenLDAP's slapd is not installed (the Makefile's SYSTEM_PACKAGES has slapd and ldap-utils)")
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def directory_settings(slapd_directory, settings):
    """The app signs in through the test directory: a service account searches people by uid."""
    settings.LDAP_SERVER_URI = slapd_directory.uri
    settings.LDAP_BIND_DN = SERVICE_DN
    settings.LDAP_BIND_PASSWORD = SERVICE_PASSWORD
    settings.LDAP_USER_SEARCH_BASE = PEOPLE
    settings.LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.LDAP_MATCH_BY = "username"
    return settings
