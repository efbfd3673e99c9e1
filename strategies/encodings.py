"""Text forms of a key blob: what a ``PublicKeyBody`` can look like.

This module owns the text encodings of ssh-keys.md section 2: the OpenSSH one-line form
(IKP-K2), RFC 4716 ``---- BEGIN SSH2 PUBLIC KEY ----`` blocks with headers, quoted comments
and backslash continuation lines, and PEM (PKCS#1 ``RSA PUBLIC KEY`` and
``PUBLIC KEY`` SubjectPublicKeyInfo, written by ``cryptography``) (IKP-K4).
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from hypothesis import strategies as st

from strategies.draws import joined, memoized, pick

RFC4716_BEGIN = "---- BEGIN SSH2 PUBLIC KEY ----"
RFC4716_END = "---- END SSH2 PUBLIC KEY ----"
RFC4716_MAX_LINE = 72  # bytes, excluding the line end (RFC 4716 section 3)


def b64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode()


def openssh_line(type_name: str, blob: bytes, comment: str | None = None, sep: str = " ") -> str:
    """``TYPE BASE64`` or ``TYPE BASE64 COMMENT`` (no line end)."""
    parts = [type_name, b64(blob)] + ([comment] if comment else [])
    return sep.join(parts)


def _fold_header(tag: str, value: str, width: int) -> list[str]:
    """A header as physical lines of at most ``width`` bytes, continued with a trailing ``\\``."""
    logical = f"{tag}: {value}"
    lines: list[str] = []
    while len(logical.encode()) > width:
        cut = width - 1
        lines.append(logical[:cut] + "\\")
        logical = logical[cut:]
    lines.append(logical)
    return lines


def rfc4716(
    blob: bytes,
    headers: tuple[tuple[str, str], ...] = (),
    width: int = 70,
    header_width: int = RFC4716_MAX_LINE,
    newline: str = "\n",
) -> str:
    """An RFC 4716 block: BEGIN line, headers (folded), base64 body in ``width`` columns, END."""
    if not 1 <= width <= RFC4716_MAX_LINE or not 4 <= header_width <= RFC4716_MAX_LINE:
        raise ValueError("RFC 4716 lines are at most 72 bytes")
    text = b64(blob)
    lines = [RFC4716_BEGIN]
    for tag, value in headers:
        lines.extend(_fold_header(tag, value, header_width))
    lines.extend(text[i : i + width] for i in range(0, len(text), width))
    lines.append(RFC4716_END)
    return newline.join(lines) + newline


def pem_pkcs1(public_key: Any) -> str:
    """``-----BEGIN RSA PUBLIC KEY-----`` (PKCS#1 RSAPublicKey), RSA only."""
    raw = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    return raw.decode()


def pem_spki(public_key: Any) -> str:
    """``-----BEGIN PUBLIC KEY-----`` (SubjectPublicKeyInfo), RSA, DSA or ECDSA."""
    raw = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return raw.decode()


# -- strategies -------------------------------------------------------------------------------
_COMMENT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@.-_:+=/ "


@memoized
@st.composite
def comments(draw: st.DrawFn) -> str:
    """A one-line key comment (``user@host``-like, inner spaces allowed, none at the ends).

    Shrinks towards a one-character comment."""
    text = joined(draw, _COMMENT_ALPHABET, draw(st.integers(1, 60))).strip()
    return text or "a"


def draw_openssh_line(draw: st.DrawFn, type_name: str, blob: bytes) -> str:
    """An OpenSSH line of ``blob``, with or without a drawn comment (inside a composite)."""
    return openssh_line(type_name, blob, draw(optional_comments()))


@memoized
def optional_comments() -> st.SearchStrategy[str | None]:
    """No comment, or a comment (IKP-K2 allows both). Shrinks towards no comment."""
    return st.one_of(st.none(), comments())


_HEADER_VALUE = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,@-_()",
    min_size=1,
    max_size=150,
).map(lambda s: s.strip() or "x")


@memoized
@st.composite
def rfc4716_headers(draw: st.DrawFn) -> tuple[tuple[str, str], ...]:
    """RFC 4716 headers: ``Comment`` (quoted or not), ``Subject``, private ``x-`` tags.

    Long values are folded with backslash continuation lines. Shrinks towards no headers."""
    headers: list[tuple[str, str]] = []
    if draw(st.booleans()):
        value = draw(_HEADER_VALUE)
        headers.append(("Comment", f'"{value}"' if draw(st.booleans()) else value))
    if draw(st.booleans()):
        headers.append(("Subject", pick(draw, ("root", "user", "ikp-suite"))))
    if draw(st.booleans()):
        headers.append(("x-ikp-note", draw(_HEADER_VALUE)))
    return tuple(headers)


def draw_rfc4716(draw: st.DrawFn, blob: bytes) -> str:
    """An RFC 4716 block of ``blob`` with drawn headers, body width and line ends (for use
    inside a composite). Shrinks towards no headers, 70 columns (ssh-keygen's), LF."""
    return rfc4716(
        blob,
        draw(rfc4716_headers()),
        width=draw(st.integers(4, RFC4716_MAX_LINE)) if draw(st.booleans()) else 70,
        header_width=draw(st.integers(16, RFC4716_MAX_LINE)) if draw(st.booleans()) else RFC4716_MAX_LINE,
        newline=pick(draw, ("\n", "\r\n")),
    )
