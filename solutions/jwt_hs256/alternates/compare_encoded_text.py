"""Correct: the signature is compared as base64url text, and segments are checked by regex.

Instead of decoding the presented signature, this verifier encodes the MAC it
computes and compares the two texts with ``hmac.compare_digest``: a canonical
encoding is unique, so equal texts mean equal MACs and a second spelling of the
signature simply does not match. Shape is one regular expression per segment,
with the canonical last character spelled out (RFC 4648 §3.5: after 2
characters of a group only 4 bits are used, after 3 only 2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import time
from typing import Any


class InvalidTokenError(Exception):
    """Base class of every error ``decode`` raises."""


class DecodeError(InvalidTokenError):
    """The token is malformed."""


class InvalidSignatureError(InvalidTokenError):
    """The signature does not match."""


class InvalidAlgorithmError(InvalidTokenError):
    """``alg`` is not ``"HS256"``."""


class ExpiredSignatureError(InvalidTokenError):
    """The token has expired."""


class ImmatureSignatureError(InvalidTokenError):
    """The token is not valid yet."""


class InvalidAudienceError(InvalidTokenError):
    """The audience does not match."""


_A = "A-Za-z0-9_-"
# Full groups of 4, then nothing, or 2 characters (last one in AQgw), or 3 (last in AEIM...).
_SEGMENT = re.compile(rf"(?:[{_A}]{{4}})*(?:[{_A}][AQgw]|[{_A}]{{2}}[AEIMQUYcgkosw048])?")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").replace("=", "")


def _unb64(segment: str) -> bytes:
    if not _SEGMENT.fullmatch(segment):
        raise DecodeError("not canonical base64url")
    return base64.urlsafe_b64decode(segment + "==="[: -len(segment) % 4])


def _object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_unb64(segment))
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, DecodeError):
            raise
        raise DecodeError("not JSON") from exc
    if type(value) is not dict:
        raise DecodeError("not a JSON object")
    return value


def _sign(signing_input: str, key: bytes) -> str:
    return _b64(hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest())


def encode(payload: dict[str, Any], key: bytes) -> str:
    header = _b64(b'{"alg":"HS256","typ":"JWT"}')
    body = _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{header}.{body}.{_sign(f'{header}.{body}', key)}"


def _date(payload: dict[str, Any], name: str) -> float | None:
    value = payload.get(name)
    if name not in payload:
        return None
    if type(value) not in (int, float) or (type(value) is float and not math.isfinite(value)):
        raise DecodeError(f"{name} is not a NumericDate")
    return value


def decode(
    token: str, key: bytes, *, leeway: float = 0, audience: str | None = None
) -> dict[str, Any]:
    segments = token.split(".") if isinstance(token, str) else []
    if len(segments) != 3 or not segments[0] or not segments[1]:
        raise DecodeError("a JWS has three segments, the first two not empty")
    header_text, body_text, signature_text = segments
    _unb64(signature_text)
    header = _object(header_text)
    _unb64(body_text)
    if header.get("alg") != "HS256":
        raise InvalidAlgorithmError("only HS256 is accepted")
    if not hmac.compare_digest(_sign(f"{header_text}.{body_text}", key), signature_text):
        raise InvalidSignatureError("signature verification failed")
    claims = _object(body_text)

    now = time.time()
    exp, nbf = _date(claims, "exp"), _date(claims, "nbf")
    if exp is not None and not now < exp + leeway:
        raise ExpiredSignatureError("token expired")
    if nbf is not None and now + leeway < nbf:
        raise ImmatureSignatureError("token not yet valid")

    if "aud" in claims:
        aud = claims["aud"]
        members = [aud] if isinstance(aud, str) else aud
        if not isinstance(members, list) or any(not isinstance(m, str) for m in members):
            raise InvalidAudienceError("aud is not a string or a list of strings")
        if audience is None or audience not in members:
            raise InvalidAudienceError("audience does not match")
    elif audience is not None:
        raise InvalidAudienceError("token has no audience")
    return claims
