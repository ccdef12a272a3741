"""The app's signing key: creating the organization's own CA, signing PDFs (PAdES) and checking them.

Where the key comes from, first match wins (settings, read from the environment):

1. `REPORT_SIGNING_PKCS12` (+ `REPORT_SIGNING_PKCS12_PASSPHRASE`): a certificate the organization already has;
2. `REPORT_SIGNING_KEY` + `REPORT_SIGNING_CERT` (PEM, + `REPORT_SIGNING_KEY_PASSPHRASE`);
3. `REPORT_SIGNING_DIR/signer.key` + `signer.crt`, as written by `manage.py create_signing_ca`.

The trusted roots for verification are `REPORT_SIGNING_CA_CERTS` (PEM files) or `REPORT_SIGNING_DIR/ca.crt`.
"""

from __future__ import annotations

import asyncio
import datetime
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY = "ca.crt", "ca.key", "signer.crt", "signer.key"


class SigningNotConfigured(Exception):
    """No key and certificate to sign with: run `manage.py create_signing_ca` or configure one."""


def _name(organization: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def create_signing_ca(
    *, directory: Path, organization: str, days: int = 3650, key_size: int = 2048, overwrite: bool = False
) -> dict[str, Path]:
    """Create the organization's own CA and a signing certificate issued by it, as PEM files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / name for name in (CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY)}
    if not overwrite and any(path.exists() for path in paths.values()):
        raise FileExistsError(f"{directory} already holds signing files")
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    ca_name = _name(organization, f"{organization} 文件签章根证书")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    signer_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(organization, f"{organization} 情况报告签章"))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=min(days, 1825)))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths[CA_CERT].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[SIGNER_CERT].write_bytes(signer_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(paths[CA_KEY], ca_key)
    _write_key(paths[SIGNER_KEY], signer_key)
    return paths


def _signing_dir() -> Path:
    return Path(settings.REPORT_SIGNING_DIR)


def trust_root_paths() -> list[Path]:
    configured = [Path(p) for p in settings.REPORT_SIGNING_CA_CERTS]
    return configured or [_signing_dir() / CA_CERT]


def trust_roots() -> list[asn1_x509.Certificate]:
    from pyhanko.keys import load_certs_from_pemder

    paths = [p for p in trust_root_paths() if p.exists()]
    if not paths:
        raise SigningNotConfigured("no trusted CA certificate")
    return list(load_certs_from_pemder([str(p) for p in paths]))


def is_configured() -> bool:
    if settings.REPORT_SIGNING_PKCS12:
        return Path(settings.REPORT_SIGNING_PKCS12).exists()
    key, cert = _pem_paths()
    return key.exists() and cert.exists()


def _pem_paths() -> tuple[Path, Path]:
    if settings.REPORT_SIGNING_KEY and settings.REPORT_SIGNING_CERT:
        return Path(settings.REPORT_SIGNING_KEY), Path(settings.REPORT_SIGNING_CERT)
    return _signing_dir() / SIGNER_KEY, _signing_dir() / SIGNER_CERT


def load_signer():
    """The pyHanko signer for the configured key and certificate (with the CA chain embedded)."""
    from pyhanko.sign import signers

    chain = [str(p) for p in trust_root_paths() if p.exists()]
    if settings.REPORT_SIGNING_PKCS12:
        passphrase = settings.REPORT_SIGNING_PKCS12_PASSPHRASE.encode() or None
        signer = signers.SimpleSigner.load_pkcs12(
            settings.REPORT_SIGNING_PKCS12, ca_chain_files=chain or None, passphrase=passphrase
        )
    else:
        key, cert = _pem_paths()
        if not (key.exists() and cert.exists()):
            raise SigningNotConfigured(str(key))
        passphrase = settings.REPORT_SIGNING_KEY_PASSPHRASE.encode() or None
        signer = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=chain or None, key_passphrase=passphrase)
    if signer is None:
        raise SigningNotConfigured("the key or certificate could not be loaded")
    return signer


def sign_pdf(pdf: bytes, *, reason: str, location: str, contact: str = "") -> bytes:
    """Sign `pdf` as PAdES baseline B-B: one signature covering the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="ReportSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        contact_info=contact or None,
    )
    out = outside_event_loop(signers.sign_pdf, writer, metadata, signer=load_signer())
    return out.getvalue()


def outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which call asyncio.run() themselves and so fail in a thread
    that already runs an event loop (an async server, a Playwright test seeding data): there, use a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@dataclass
class SignatureCheck:
    valid: bool
    problem: str = ""  # why not valid, for the log and the page (never shown with details to strangers)
    signer: str = ""
    signed_at: datetime.datetime | None = None


def check_pdf(data: bytes) -> SignatureCheck:
    """Is `data` a PDF whose one signature is intact, trusted by our CA and covers every byte of the file?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # any parse failure means "not an intact signed report"
        return SignatureCheck(valid=False, problem=f"unreadable: {exc}")
    if len(signatures) != 1:
        return SignatureCheck(valid=False, problem=f"{len(signatures)} signatures")
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False)
    try:
        status = outside_event_loop(validate_pdf_signature, signatures[0], context)
    except Exception as exc:
        return SignatureCheck(valid=False, problem=f"validation failed: {exc}")
    signer = status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else ""
    check = SignatureCheck(valid=False, signer=signer, signed_at=status.signer_reported_dt)
    if not status.intact or not status.valid:
        check.problem = "signature does not match the content"
    elif not status.trusted:
        check.problem = "not signed by this organization's certificate"
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        check.problem = "the file was changed after signing"
    else:
        check.valid = True
    return check
