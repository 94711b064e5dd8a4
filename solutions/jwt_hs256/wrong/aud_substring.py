"""Wrong: ``aud`` is matched with ``in``, so a string audience matches as a substring.

``audience in aud`` reads the same for a list and a string, but for a string it is
a substring test: a token for "billing-admin" is accepted by "billing".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from typing import Any


class InvalidTokenError(Exception):
    """Base class of every error ``decode`` raises."""


class DecodeError(InvalidTokenError):
    """The token is malformed: wrong shape, bad base64url, JSON that is not an object."""


class InvalidSignatureError(InvalidTokenError):
    """The HMAC-SHA256 signature does not match the header and payload."""


class InvalidAlgorithmError(InvalidTokenError):
    """The header's ``alg`` is not exactly ``"HS256"`` (``"none"`` included)."""


class ExpiredSignatureError(InvalidTokenError):
    """``time.time() >= exp + leeway``."""


class ImmatureSignatureError(InvalidTokenError):
    """``time.time() < nbf - leeway``."""


class InvalidAudienceError(InvalidTokenError):
    """``aud`` does not match the expected audience (or one side lacks it)."""


_ALGORITHM = "HS256"


def _b64encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(segment: str) -> bytes:
    """Strict base64url decoding: only the canonical spelling of some bytes is accepted.

    Python's decoder ignores characters outside the alphabet and the unused low
    bits of the last character, so encoding the result again and comparing
    rejects every other spelling (padding, ``+`` and ``/``, stray characters).
    """
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except ValueError as exc:  # binascii.Error is a ValueError; so is non-ASCII text
        raise DecodeError("segment is not base64url") from exc
    if _b64encode(data) != segment:
        raise DecodeError("segment is not canonical base64url without padding")
    return data


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DecodeError(f"{what} is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise DecodeError(f"{what} is not a JSON object")
    return value


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _mac(signing_input: str, key: bytes) -> bytes:
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


# Serialised once: the header segment of every token ``encode`` makes.
_HEADER_SEGMENT = _b64encode(_dumps({"alg": _ALGORITHM, "typ": "JWT"}))


def encode(payload: dict[str, Any], key: bytes) -> str:
    signing_input = f"{_HEADER_SEGMENT}.{_b64encode(_dumps(payload))}"
    return f"{signing_input}.{_b64encode(_mac(signing_input, key))}"


def _numeric_date(payload: dict[str, Any], claim: str) -> float | None:
    if claim not in payload:
        return None
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DecodeError(f"{claim} must be a number")
    if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity, 1e400
        raise DecodeError(f"{claim} must be a finite number")
    return value


def _check_audience(payload: dict[str, Any], audience: str | None) -> None:
    if audience is None:
        if "aud" in payload:
            raise InvalidAudienceError("token has an audience but none is expected")
        return
    if "aud" not in payload:
        raise InvalidAudienceError("token has no audience")
    aud = payload["aud"]
    if isinstance(aud, str) or (
        isinstance(aud, list) and all(isinstance(item, str) for item in aud)
    ):
        ok = audience in aud
    else:
        raise InvalidAudienceError("aud must be a string or a list of strings")
    if not ok:
        raise InvalidAudienceError("token is meant for another audience")


def decode(
    token: str,
    key: bytes,
    *,
    leeway: float = 0,
    audience: str | None = None,
) -> dict[str, Any]:
    if not isinstance(token, str):
        raise DecodeError("token must be a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise DecodeError("token must have three segments")
    header_segment, payload_segment, _ = parts
    if not header_segment or not payload_segment:
        raise DecodeError("empty header or payload segment")
    header_bytes, payload_bytes, signature = map(_b64decode, parts)

    header = _json_object(header_bytes, "header")
    if header.get("alg") != _ALGORITHM:
        raise InvalidAlgorithmError(f"algorithm {header.get('alg')!r} is not allowed")

    expected = _mac(f"{header_segment}.{payload_segment}", key)
    if not hmac.compare_digest(signature, expected):
        raise InvalidSignatureError("signature verification failed")

    payload = _json_object(payload_bytes, "payload")
    now = time.time()
    exp = _numeric_date(payload, "exp")
    if exp is not None and now >= exp + leeway:
        raise ExpiredSignatureError("token expired")
    nbf = _numeric_date(payload, "nbf")
    if nbf is not None and now < nbf - leeway:
        raise ImmatureSignatureError("token not yet valid")
    _check_audience(payload, audience)
    return payload
