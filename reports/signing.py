"""The app's signing key: creating the organization's own CA, signing PDFs (PAdES) and checking them.

Where the key comes from, first match wins (settings, read from the environment):

1. `REPORT_SIGNING_PKCS12` (+ `REPORT_SIGNING_PKCS12_PASSPHRASE`): a certificate the organization already has;
2. `REPORT_SIGNING_KEY` + `REPORT_SIGNING_CERT` (PEM, + `REPORT_SIGNING_KEY_PASSPHRASE`);
3. `signer.key` + `signer.crt` in the private storage's folder `REPORT_SIGNING_FOLDER`, as written by
   `manage.py create_signing_ca` (so every web process and worker, on any node, signs with the one key).

The trusted roots for verification are `REPORT_SIGNING_CA_CERTS` (PEM files) or `ca.crt` in that folder.
Everything is read into memory: pyHanko is given bytes, never a path (the storage may have none).
"""

from __future__ import annotations

import asyncio
import datetime
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.files.base import ContentFile

from config.storage import private_storage

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


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def create_signing_ca(
    *, organization: str, days: int = 3650, key_size: int = 2048, overwrite: bool = False,
    directory: Path | None = None,
) -> list[str]:
    """Create the organization's own CA and a signing certificate issued by it, as PEM files kept in the private
    storage (or, given `directory`, written there on this machine); returns where each went."""
    names = (CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY)
    if directory is None:
        if not overwrite and any(private_storage.exists(_stored_name(name)) for name in names):
            raise FileExistsError(f"the private storage's {settings.REPORT_SIGNING_FOLDER}/ already holds signing files")
    elif not overwrite and any((directory / name).exists() for name in names):
        raise FileExistsError(f"{directory} already holds signing files")
    files = _new_ca(organization, days=days, key_size=key_size)
    return _store(files) if directory is None else _write_into(directory, files)


def _store(files: dict[str, bytes]) -> list[str]:
    for name, content in files.items():
        private_storage.delete(_stored_name(name))  # overwrite: the storage would otherwise pick another name
        private_storage.save(_stored_name(name), ContentFile(content))
        if name.endswith(".key"):
            _owner_only(_stored_name(name))
    return [_stored_name(name) for name in files]


def _write_into(directory: Path, files: dict[str, bytes]) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
        if name.endswith(".key"):
            (directory / name).chmod(0o600)
    return [str(directory / name) for name in files]


def _owner_only(name: str) -> None:
    """A key in a directory storage is readable by its owner alone; other storages (S3, …) have no file modes:
    access to them is the bucket's policy. The one place a local path is asked for, and only to set its mode."""
    try:
        path = private_storage.path(name)
    except NotImplementedError:
        return
    os.chmod(path, 0o600)


def _new_ca(organization: str, *, days: int, key_size: int) -> dict[str, bytes]:
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
    return {
        CA_CERT: ca_cert.public_bytes(serialization.Encoding.PEM),
        CA_KEY: _key_pem(ca_key),
        SIGNER_CERT: signer_cert.public_bytes(serialization.Encoding.PEM),
        SIGNER_KEY: _key_pem(signer_key),
    }


def _stored_name(name: str) -> str:
    return f"{settings.REPORT_SIGNING_FOLDER}/{name}"


def _stored(name: str) -> bytes | None:
    """One of create_signing_ca's files from the private storage; None when there is none."""
    try:
        with private_storage.open(_stored_name(name), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _trusted_pem() -> list[bytes]:
    """The trusted CA certificates' PEM: the configured files (absolute paths on every node), else the stored CA."""
    if settings.REPORT_SIGNING_CA_CERTS:
        return [Path(path).read_bytes() for path in settings.REPORT_SIGNING_CA_CERTS if Path(path).exists()]
    stored = _stored(CA_CERT)
    return [stored] if stored else []


def _trusted_certs() -> list[asn1_x509.Certificate]:
    from pyhanko.keys import load_certs_from_pemder_data

    return [cert for data in _trusted_pem() for cert in load_certs_from_pemder_data(data)]


def trust_roots() -> list[asn1_x509.Certificate]:
    roots = _trusted_certs()
    if not roots:
        raise SigningNotConfigured("no trusted CA certificate")
    return roots


def is_configured() -> bool:
    if settings.REPORT_SIGNING_PKCS12:
        return Path(settings.REPORT_SIGNING_PKCS12).exists()
    if settings.REPORT_SIGNING_KEY and settings.REPORT_SIGNING_CERT:
        return Path(settings.REPORT_SIGNING_KEY).exists() and Path(settings.REPORT_SIGNING_CERT).exists()
    return private_storage.exists(_stored_name(SIGNER_KEY)) and private_storage.exists(_stored_name(SIGNER_CERT))


def _pem_key_and_cert() -> tuple[bytes | None, bytes | None]:
    if settings.REPORT_SIGNING_KEY and settings.REPORT_SIGNING_CERT:
        key, cert = Path(settings.REPORT_SIGNING_KEY), Path(settings.REPORT_SIGNING_CERT)
        return (key.read_bytes() if key.exists() else None), (cert.read_bytes() if cert.exists() else None)
    return _stored(SIGNER_KEY), _stored(SIGNER_CERT)


def load_signer():
    """The pyHanko signer for the configured key and certificate (with the CA chain embedded)."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    chain = _trusted_certs()
    if settings.REPORT_SIGNING_PKCS12:
        passphrase = settings.REPORT_SIGNING_PKCS12_PASSPHRASE.encode() or None
        try:
            data = Path(settings.REPORT_SIGNING_PKCS12).read_bytes()
            return signers.SimpleSigner.load_pkcs12_data(data, other_certs=chain, passphrase=passphrase)
        except (OSError, ValueError) as exc:
            raise SigningNotConfigured(f"the PKCS#12 file could not be loaded: {exc}") from exc
    key, cert = _pem_key_and_cert()
    if key is None or cert is None:
        raise SigningNotConfigured("no signing key and certificate")
    passphrase = settings.REPORT_SIGNING_KEY_PASSPHRASE.encode() or None
    try:
        signing_key = load_private_key_from_pemder_data(key, passphrase=passphrase)
        (signing_cert,) = load_certs_from_pemder_data(cert)
    except (ValueError, TypeError) as exc:
        raise SigningNotConfigured(f"the key or certificate could not be loaded: {exc}") from exc
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    return signers.SimpleSigner(signing_cert=signing_cert, signing_key=signing_key, cert_registry=registry)


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
