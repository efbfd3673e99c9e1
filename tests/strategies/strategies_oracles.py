"""Oracles for the strategy tests, none of them written with the code under test:
``ssh-keygen`` (OpenSSH 9.2), ``cryptography``, and a small v00 certificate parser written
here from ssh-keys.md section 1.4 (no tool of today reads v00 any more)."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import find, given, settings
from hypothesis.strategies import SearchStrategy

T = TypeVar("T")
R = TypeVar("R")

SSH_KEYGEN = "/usr/bin/ssh-keygen"


def _write(body: str) -> str:
    fd, path = tempfile.mkstemp(prefix="ikp-strat-", suffix=".pub")
    with os.fdopen(fd, "w", newline="") as handle:
        handle.write(body if body.endswith("\n") else body + "\n")
    return path


def keygen(*args: str, body: str) -> subprocess.CompletedProcess[str]:
    """Run ``ssh-keygen ARGS -f FILE`` on ``body`` written to a temporary file."""
    path = _write(body)
    try:
        return subprocess.run(
            [SSH_KEYGEN, *args, "-f", path], capture_output=True, text=True, timeout=30, check=False
        )
    finally:
        os.unlink(path)


def keygen_md5(body: str) -> str | None:
    """What ``ssh-keygen -l -E md5`` prints for the first key of ``body`` (no ``MD5:``), or
    ``None`` if it does not read the file."""
    done = keygen("-l", "-E", "md5", body=body)
    if done.returncode != 0 or not done.stdout.strip():
        return None
    token = done.stdout.split()[1]
    assert token.startswith("MD5:"), done.stdout
    return token[4:]


def keygen_md5_many(bodies: list[str]) -> list[str | None]:
    """``keygen_md5`` of many one-line bodies: one ssh-keygen run over a file of all of them
    (it prints one line per key it reads, in order); if it read fewer than all, each body is
    run on its own to say which."""
    assert all("\n" not in b.rstrip("\n") for b in bodies)
    done = keygen("-l", "-E", "md5", body="\n".join(b.rstrip("\n") for b in bodies))
    lines = done.stdout.splitlines() if done.returncode == 0 else []
    if len(lines) == len(bodies):
        return [line.split()[1].removeprefix("MD5:") for line in lines]
    return parallel(keygen_md5, bodies)


def parallel(function: Callable[[T], R], items: list[T]) -> list[R]:
    """``function`` over ``items`` in a few threads (the work is in subprocesses)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(function, items))


def collect(strategy: SearchStrategy[T], n: int) -> list[T]:
    """``n`` examples of ``strategy`` drawn by Hypothesis (to be checked in one batch)."""
    out: list[T] = []

    @settings(max_examples=n, database=None)
    @given(strategy)
    def draw(value: T) -> None:
        out.append(value)

    draw()
    assert out, "the strategy generated nothing"
    return out


def reaches(strategy: SearchStrategy[T], predicate: Callable[[T], bool], seen: Sequence[T] = ()) -> T:
    """An example satisfying ``predicate``: from ``seen`` if one is there, else searched for
    with ``hypothesis.find`` (coverage claims must not depend on one random sample)."""
    for value in seen:
        if predicate(value):
            return value
    return find(strategy, predicate, settings=settings(max_examples=5000, database=None))


def keygen_import(body: str, fmt: str = "RFC4716") -> str | None:
    """``ssh-keygen -i -m FMT``: the OpenSSH line it converts ``body`` to, or ``None``."""
    done = keygen("-i", "-m", fmt, body=body)
    return done.stdout.strip() if done.returncode == 0 else None


def md5_hex(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in hashlib.md5(data).digest())


def line_blob(line: str) -> tuple[str, bytes]:
    """(type, decoded blob) of an OpenSSH one-line key."""
    fields = line.split()
    return fields[0], base64.b64decode(fields[1], validate=True)


# -- a reader of SSH wire data, written for the tests -----------------------------------------
class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">Q", self.take(8))[0])

    def string(self) -> bytes:
        return self.take(self.u32())

    def mpint(self) -> int:
        raw = self.string()
        if raw and raw[0] & 0x80:
            raise ValueError("negative mpint")
        return int.from_bytes(raw, "big")

    def done(self) -> bool:
        return self.pos == len(self.data)


def _s(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _m(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return _s(raw)


@dataclass
class V00Certificate:
    type_name: str
    plain_blob: bytes  # the certified key, re-encoded here canonically
    cert_type: int
    key_id: bytes
    valid_after: int
    valid_before: int
    nonce: bytes
    ca_blob: bytes
    signed: bytes
    signature: bytes


def parse_v00(blob: bytes) -> V00Certificate:
    """Parse a v00 certificate (ssh-keys.md 1.4); ValueError on anything out of place."""
    r = Reader(blob)
    name = r.string().decode()
    if name not in ("ssh-rsa-cert-v00@openssh.com", "ssh-dss-cert-v00@openssh.com"):
        raise ValueError(f"not a v00 type: {name}")
    if name.startswith("ssh-rsa"):
        e, n = r.mpint(), r.mpint()
        plain = _s(b"ssh-rsa") + _m(e) + _m(n)
    else:
        p, q, g, y = r.mpint(), r.mpint(), r.mpint(), r.mpint()
        plain = _s(b"ssh-dss") + _m(p) + _m(q) + _m(g) + _m(y)
    cert_type = r.u32()
    key_id = r.string()
    r.string()  # principals
    after, before = r.u64(), r.u64()
    r.string()  # constraints
    nonce = r.string()
    if r.string():
        raise ValueError("reserved is not empty")
    ca = r.string()
    signed = blob[: r.pos]
    signature = r.string()
    if not r.done():
        raise ValueError("trailing bytes")
    if cert_type not in (1, 2):
        raise ValueError("unknown certificate type")
    return V00Certificate(name, plain, cert_type, key_id, after, before, nonce, ca, signed, signature)


_RSA_HASH = {"ssh-rsa": hashes.SHA1, "rsa-sha2-256": hashes.SHA256, "rsa-sha2-512": hashes.SHA512}
_EC_HASH = {"nistp256": hashes.SHA256, "nistp384": hashes.SHA384, "nistp521": hashes.SHA512}


def verify_ssh_signature(ca_blob: bytes, signed: bytes, signature: bytes) -> None:
    """Check an SSH signature blob with ``cryptography``; raises on a bad signature."""
    ca_type = Reader(ca_blob).string().decode()
    ca: Any = serialization.load_ssh_public_key(ca_type.encode() + b" " + base64.b64encode(ca_blob))
    r = Reader(signature)
    alg = r.string().decode()
    sig = r.string()
    if not r.done():
        raise ValueError("trailing bytes in the signature")
    if isinstance(ca, rsa.RSAPublicKey):
        ca.verify(sig, signed, padding.PKCS1v15(), _RSA_HASH[alg]())
    elif isinstance(ca, dsa.DSAPublicKey):
        if alg != "ssh-dss" or len(sig) != 40:
            raise InvalidSignature("bad ssh-dss signature")
        der = encode_dss_signature(int.from_bytes(sig[:20], "big"), int.from_bytes(sig[20:], "big"))
        ca.verify(der, signed, hashes.SHA1())
    elif isinstance(ca, ec.EllipticCurvePublicKey):
        inner = Reader(sig)
        der = encode_dss_signature(inner.mpint(), inner.mpint())
        ca.verify(der, signed, ec.ECDSA(_EC_HASH[alg.removeprefix("ecdsa-sha2-")]()))
    elif isinstance(ca, ed25519.Ed25519PublicKey):
        ca.verify(sig, signed)
    else:  # pragma: no cover
        raise TypeError(type(ca).__name__)


def v00_accepts(line: str) -> V00Certificate:
    """The v00 certificate on an OpenSSH line, parsed and its CA signature verified; raises
    ValueError/InvalidSignature when any of that fails."""
    line_type, blob = line_blob(line)
    cert = parse_v00(blob)
    if line_type != cert.type_name:
        raise ValueError("line type differs from the blob's")
    verify_ssh_signature(cert.ca_blob, cert.signed, cert.signature)
    return cert
