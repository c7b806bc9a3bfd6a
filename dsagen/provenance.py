"""What a returned copy says about itself, and how far to believe it.

dsagen writes its provenance into a DOCX's custom properties (partner, template, reference,
library version, parameters). The copy comes back from the partner, who controls every byte of
it, so those properties only *point* to what was issued: the issued values come from the
registry (the stored DOCX) or from the partner YAML. To tell dsagen's own, untouched
properties from edited ones, the renderer signs them with an HMAC whose key stays beside the
registry (docs/security.md, "Signing and trust").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DsagenError

KEY_ENV = "DSAGEN_SIGNING_KEY"
KEY_NAME = "signing.key"
KEY_BYTES = 32
SIGNATURE = "dsagen.signature"
#: The custom properties dsagen writes and signs (the signature covers their exact strings).
SIGNED = (
    "dsagen.template",
    "dsagen.partner",
    "dsagen.library_version",
    "dsagen.params_sha256",
    "dsagen.manifest",
    "dsagen.params",
)
SCHEME = "hmac-sha256"

# How a standard's issued values were established.
REGISTRY = "registry"  # the DOCX the registry kept for the copy's reference
PARTNER_FILE = "partner-file"  # the partner YAML given on the command line
SIGNED_PROPERTIES = "signature"  # the copy's own properties, signed with this key
UNVERIFIED = "unverified"
STATUSES = (REGISTRY, PARTNER_FILE, SIGNED_PROPERTIES, UNVERIFIED)


class SigningKeyError(DsagenError):
    """The signing key file exists but cannot be used."""


# -- where the key lives -------------------------------------------------------------------------


def key_path() -> Path:
    """DSAGEN_SIGNING_KEY, else beside an SQLite DSAGEN_REGISTRY file, else .dsagen/signing.key
    in the working folder (where the default registry lives)."""
    given = os.environ.get(KEY_ENV)
    if given:
        return Path(given).expanduser().absolute()
    registry = _sqlite_file(os.environ.get("DSAGEN_REGISTRY") or "")
    if registry is not None:
        return registry.parent / KEY_NAME
    return (Path.cwd() / ".dsagen" / KEY_NAME).absolute()


def _sqlite_file(url: str) -> Path | None:
    """The file of an SQLite registry URL or path (a server registry has none)."""
    if not url:
        return None
    if "://" not in url:
        return Path(url).expanduser().absolute()
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///").split("?")[0]).expanduser().absolute()
    return None


def signing_key(*, create: bool) -> tuple[bytes, Path] | None:
    """The key (and its file); made on first use when `create`, else None when absent."""
    path = key_path()
    if path not in _KEYS:
        if not path.exists():
            if not create:
                return None
            _create_key(path)
        _KEYS[path] = _read_key(path)
    return _KEYS[path], path


_KEYS: dict[Path, bytes] = {}  # read once per process (a batch signs thousands of files)


def _read_key(path: Path) -> bytes:
    if os.name != "nt" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(
            f"{path}: the signing key is readable by other users (mode "
            f"{stat.S_IMODE(path.stat().st_mode):o}); expected 600: "
            f"chmod 600 {path}"
        )
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise SigningKeyError(
            f"{path}: expected a signing key of {2 * KEY_BYTES} hexadecimal "
            f"digits, found {len(text)} character(s); delete the file to "
            "make a new key (copies signed with the old one will then read "
            "as unverified)"
        )
    return key


def _create_key(path: Path) -> None:
    """A new random key, written 0600 and never over an existing one. Two processes may race
    to make it (generate's workers): the key is written whole to a private file first and
    linked into place, so the loser never reads a file the winner has not finished."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(KEY_BYTES) + "\n")
        os.link(draft, path)
    except FileExistsError:
        return
    except OSError as error:
        raise SigningKeyError(
            f"{path}: cannot create the signing key ({error.strerror}); set "
            f"{KEY_ENV} to a writable file"
        ) from None
    finally:
        draft.unlink(missing_ok=True)


def key_id(key: bytes) -> str:
    """A short public name of a key, so a copy signed elsewhere reads as such, not as edited."""
    return hashlib.sha256(b"dsagen key id\0" + key).hexdigest()[:12]


# -- signing and checking ---------------------------------------------------------------------


def _message(properties: Mapping[str, str]) -> bytes:
    signed = {name: properties[name] for name in SIGNED if name in properties}
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign_properties(properties: Mapping[str, str]) -> str:
    """The value of the dsagen.signature property for the properties dsagen writes (made with
    this registry's key, created on first use)."""
    found = signing_key(create=True)
    assert found is not None  # create=True makes the key or raises
    key = found[0]
    mac = hmac.new(key, _message(properties), hashlib.sha256).hexdigest()
    return f"{SCHEME}:{key_id(key)}:{mac}"


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature of a document's dsagen properties shows."""

    valid: bool
    reason: str  # for people: why the properties are (not) trusted


def check_signature(properties: Mapping[str, str]) -> SignatureCheck:
    """Whether the dsagen properties are exactly what dsagen wrote with this registry's key."""
    value = properties.get(SIGNATURE)
    if not value:
        return SignatureCheck(False, "its dsagen properties carry no signature")
    scheme, _, rest = value.partition(":")
    named_key, _, mac = rest.partition(":")
    if scheme != SCHEME or not named_key or not mac:
        return SignatureCheck(False, f"its {SIGNATURE} property is not a dsagen signature")
    found = signing_key(create=False)
    if found is None:
        return SignatureCheck(
            False, f"there is no signing key here ({key_path()}) to check its signature with"
        )
    key, path = found
    if named_key != key_id(key):
        return SignatureCheck(False, f"its properties were signed with another key (not {path})")
    expected = hmac.new(key, _message(properties), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        return SignatureCheck(
            False,
            "its dsagen properties were changed after dsagen signed "
            "them (the signature does not match: tampered)",
        )
    return SignatureCheck(
        True, f"its dsagen properties are signed with this registry's key ({path})"
    )


# -- what a copy points to ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pointer:
    """What a copy's own properties say it was issued as. They only point: what was issued
    comes from the registry (or the partner YAML), never from the copy."""

    partner: str
    reference: str
    template: str | None
    library_version: str | None
    params_digest: str | None

    def describe(self) -> str:
        return (
            f"partner '{self.partner}', template '{self.template or '?'}', reference "
            f"'{self.reference}'"
        )


def copy_pointer(properties: Mapping[str, str]) -> Pointer | None:
    """The pointer in a copy's dsagen properties, if they are well formed."""
    from .read.properties import json_property

    partner = properties.get("dsagen.partner")
    manifest = json_property(properties, "dsagen.manifest")
    if manifest is None:
        return None
    reference = manifest.get("reference")
    if not (isinstance(partner, str) and isinstance(reference, str) and partner and reference):
        return None
    return Pointer(
        partner,
        reference,
        _text(manifest.get("template")),
        _text(manifest.get("library_version")),
        _text(manifest.get("params_sha256")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Provenance:
    """Where the standard's issued values came from, said in every output."""

    status: str  # one of STATUSES
    detail: str

    @property
    def verified(self) -> bool:
        return self.status != UNVERIFIED

    @property
    def warning(self) -> str | None:
        return None if self.verified else f"provenance not verified: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "verified": self.verified, "detail": self.detail}


# -- what was issued ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """The DOCX we issued for a reference, as the registry kept it."""

    reference: str
    partner: str
    docx: bytes
    created_at: str


@dataclass(frozen=True)
class IssuedRecords:
    """How a review asks what was issued: the DOCX issued for a pointer, and whether a file
    with a given sha256 is one we issued ('agreement #N (partner, reference)'). The registry
    provides one (dsagen.registry.issued.issued_records); without it nothing is known."""

    issued_for: Callable[[Pointer], Issued | None]
    issued_file: Callable[[str], str | None]


def _nothing(_key: object) -> None:
    return None


NO_RECORDS = IssuedRecords(_nothing, _nothing)
