"""Tests for the JWT HS256 kata.

Truth comes from published examples — RFC 7515 Appendix A.1 (which RFC 7519
§3.1 reuses) and the HS256 example token on jwt.io — and, for tokens the tests
build themselves, from a direct computation with ``hmac``, ``hashlib``,
``base64`` and ``json`` written out in this file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

import jwt_hs256
from grader.kata_support import spy_compare_digest
from jwt_hs256 import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidSignatureError,
    InvalidTokenError,
    decode,
    encode,
)

# RFC 7515 Appendix A.1: the JWK "k" value (the HMAC key, base64url) and the token.
RFC7515_KEY_B64 = (
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
)
RFC7515_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
RFC7515_CLAIMS = {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}

# The example token on https://jwt.io/ (HS256, secret "your-256-bit-secret").
JWT_IO_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
JWT_IO_KEY = b"your-256-bit-secret"
JWT_IO_CLAIMS = {"sub": "1234567890", "name": "John Doe", "iat": 1516239022}

KEY = b"kata-test-key-0123456789abcdef"
T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC


# --- an independent implementation of the few steps the tests need -----------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def sign(header: object, payload: object, key: bytes = KEY, digest=hashlib.sha256) -> str:
    """A JWS built by hand: header and payload may be dicts or raw bytes."""
    h = b64url(header if isinstance(header, bytes) else compact(header))
    p = b64url(payload if isinstance(payload, bytes) else compact(payload))
    mac = hmac.new(key, f"{h}.{p}".encode("ascii"), digest).digest()
    return f"{h}.{p}.{b64url(mac)}"


HS256 = {"alg": "HS256", "typ": "JWT"}


BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def non_canonical(segment: str) -> str:
    """The same bytes spelled another way: the lowest unused bit of the last character set.

    RFC 4648 §3.5: when the length is not a multiple of 4 the last character has
    2 or 4 bits no byte uses; a canonical encoder sets them to zero.
    """
    assert len(segment) % 4 in (2, 3), "the segment's last character must have unused bits"
    other = segment[:-1] + BASE64URL[BASE64URL.index(segment[-1]) ^ 1]
    assert b64url_decode(other) == b64url_decode(segment)  # the decoder's quirk
    return other


def at(timestamp: float):
    """Freeze time.time() at a Unix timestamp."""
    return freeze_time(datetime.fromtimestamp(timestamp, tz=timezone.utc))


# --- Encoding ------------------------------------------------------------------


@pytest.mark.spec("Encoding")
def test_encode_reproduces_the_jwt_io_example() -> None:
    assert encode(dict(JWT_IO_CLAIMS), JWT_IO_KEY) == JWT_IO_TOKEN


@pytest.mark.spec("Encoding")
@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"sub": "alice", "admin": False, "exp": 1700003600, "nbf": 1700000000.5},
        {"name": "Zoë ☃", "nested": {"list": [1, 2.5, None, "x"]}, "aud": ["a", "b"]},
        {"blob": "?>?>?>~~~" * 7},  # standard base64 of this JSON would contain + and /
    ],
    ids=["empty", "claims", "unicode-nested", "urlsafe-chars"],
)
def test_encode_matches_a_direct_computation(payload: dict) -> None:
    expected = sign(HS256, payload)
    assert encode(payload, KEY) == expected, (
        "header/payload must be json.dumps(obj, separators=(',', ':')) in base64url without "
        "padding, signed with HMAC-SHA256 over 'header.payload'"
    )


@pytest.mark.spec("Encoding")
def test_tokens_use_the_url_safe_alphabet_without_padding() -> None:
    for i in range(40):
        token = encode({"i": i, "s": "?>~" * i}, KEY)
        header, payload, signature = token.split(".")
        assert header == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        for segment in (header, payload, signature):
            assert re.fullmatch(r"[A-Za-z0-9_-]+", segment), (
                f"segment {segment!r} has characters outside base64url (no '=', '+' or '/')"
            )
        assert len(signature) == 43, "a 32-byte HMAC-SHA256 is 43 base64url characters"


@pytest.mark.spec("Encoding")
def test_decode_returns_what_encode_signed() -> None:
    payload = {"sub": "alice", "roles": ["admin", "ops"], "n": 3.25, "ok": True, "none": None}
    assert decode(encode(payload, KEY), KEY) == payload


# --- Signature -----------------------------------------------------------------


@pytest.mark.spec("Signature")
def test_rfc7515_appendix_a1_token_verifies() -> None:
    """RFC 7515 A.1 (also RFC 7519 §3.1): its header and payload contain CR LF and spaces,
    so the MAC only matches over the segments exactly as received."""
    with at(RFC7515_CLAIMS["exp"] - 3600):
        claims = decode(RFC7515_TOKEN, b64url_decode(RFC7515_KEY_B64))
    assert claims == RFC7515_CLAIMS


@pytest.mark.spec("Signature")
def test_rfc7515_token_with_another_key_is_rejected() -> None:
    with at(RFC7515_CLAIMS["exp"] - 3600), pytest.raises(InvalidSignatureError):
        decode(RFC7515_TOKEN, b"not the RFC key")


@pytest.mark.spec("Signature")
def test_tampered_payload_is_rejected() -> None:
    token = encode({"sub": "alice", "admin": False}, KEY)
    header, _, signature = token.split(".")
    forged = f"{header}.{b64url(compact({'sub': 'alice', 'admin': True}))}.{signature}"
    with pytest.raises(InvalidSignatureError):
        decode(forged, KEY)


@pytest.mark.spec("Signature")
def test_tampered_signature_is_rejected() -> None:
    token = encode({"sub": "alice"}, KEY)
    header, payload, signature = token.split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    with pytest.raises(InvalidSignatureError):
        decode(f"{header}.{payload}.{flipped}", KEY)


@pytest.mark.spec("Signature")
def test_stripped_signature_is_rejected() -> None:
    header, payload, _ = encode({"sub": "alice"}, KEY).split(".")
    with pytest.raises(InvalidSignatureError):
        decode(f"{header}.{payload}.", KEY)


@pytest.mark.spec("Signature")
@pytest.mark.parametrize("key", [KEY, b"the wrong key"], ids=["good-key", "wrong-key"])
def test_signature_is_compared_in_constant_time(key: bytes) -> None:
    """The MAC is compared with hmac.compare_digest (Python docs: "reduces the vulnerability
    to timing attacks"), not ==, whose time depends on where the first difference is."""
    token = encode({"sub": "alice"}, KEY)
    header, payload, signature = token.split(".")
    expected = hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    presented = b64url_decode(signature)
    with spy_compare_digest(jwt_hs256) as spy:
        try:
            decode(token, key)
        except InvalidSignatureError:
            assert key != KEY
    spy.assert_compared(
        (expected, presented),
        (b64url(expected), signature),
        (expected.hex(), presented.hex()),
        what="the signature",
    )


@pytest.mark.spec("Signature")
@pytest.mark.parametrize(
    ("claims", "audience"),
    [
        ({"sub": "alice", "exp": T0 - 3600}, None),
        ({"sub": "alice", "nbf": T0 + 3600}, None),
        ({"sub": "alice", "aud": "search"}, "billing"),
        ({"sub": "alice", "exp": "tomorrow"}, None),
    ],
    ids=["expired", "not-yet-valid", "other-audience", "bad-exp"],
)
def test_bad_signature_is_reported_before_any_claim(claims: dict, audience: str | None) -> None:
    """RFC 7519 §7.2 validates the JWS (step 10, RFC 7515 §5.2) before the claims; an
    unauthenticated payload must not be read, so the signature error is the one raised."""
    forged = sign(HS256, claims, key=b"an attacker's key")
    with at(T0), pytest.raises(InvalidSignatureError):
        decode(forged, KEY, audience=audience)


@pytest.mark.spec("Signature")
def test_bad_signature_is_reported_before_a_malformed_payload() -> None:
    forged = sign(HS256, b"{not json", key=b"an attacker's key")
    with pytest.raises(InvalidSignatureError):
        decode(forged, KEY)


@pytest.mark.spec("Signature")
@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["", "hs256"], ids=["empty-sig", "hs256-sig"])
def test_alg_none_is_rejected(alg: str, signature: str) -> None:
    """RFC 8725 §2.1/§3.1: an unsecured JWS must never pass as a verified one."""
    header = b64url(compact({"alg": alg, "typ": "JWT"}))
    payload = b64url(compact({"sub": "mallory", "admin": True}))
    sig = ""
    if signature == "hs256":
        mac = hmac.new(KEY, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
        sig = b64url(mac)
    with pytest.raises(InvalidAlgorithmError):
        decode(f"{header}.{payload}.{sig}", KEY)


@pytest.mark.spec("Signature")
@pytest.mark.parametrize(
    ("alg", "digest"),
    [("HS512", hashlib.sha512), ("HS384", hashlib.sha384), ("hs256", hashlib.sha256)],
)
def test_other_hmac_algorithms_are_rejected_even_with_a_valid_signature(alg, digest) -> None:
    """The server decides the algorithm; a header claiming another one is refused
    (RFC 8725 §3.1), even though the MAC is correct for the algorithm it names."""
    token = sign({"alg": alg, "typ": "JWT"}, {"sub": "alice"}, digest=digest)
    with pytest.raises(InvalidAlgorithmError):
        decode(token, KEY)


@pytest.mark.spec("Signature")
@pytest.mark.parametrize(
    "header",
    [{"alg": "RS256", "typ": "JWT"}, {"typ": "JWT"}, {"alg": ["HS256"]}, {"alg": None}],
    ids=["RS256", "missing", "list", "null"],
)
def test_other_or_missing_alg_is_rejected(header: dict) -> None:
    token = sign(header, {"sub": "alice"})
    with pytest.raises(InvalidAlgorithmError):
        decode(token, KEY)


# --- Errors --------------------------------------------------------------------

_GOOD = sign(HS256, {"sub": "alice"})
_H, _P, _S = _GOOD.split(".")


@pytest.mark.spec("Errors")
@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        f"{_H}.{_P}",
        f"{_H}.{_P}.{_S}.{_S}",
        f".{_P}.{_S}",
        f"{_H}..{_S}",
        f"{_H}=.{_P}.{_S}",
        f"{_H}.{_P}==.{_S}",
        f"{_H}.{_P}.{_S}=",
        f"{_H}.{_P}.{_S[:-3]}+/A",
        f"{_H}.{_P}.{_S} ",
        f"{_H}a.{_P}.{_S}",
        f"{b64url(b'not json')}.{_P}.{_S}",
        f"{b64url(b'[1, 2]')}.{_P}.{_S}",
        f"{b64url(bytes([0xFF, 0xFE]))}.{_P}.{_S}",
    ],
    ids=[
        "empty",
        "one-segment",
        "two-segments",
        "four-segments",
        "empty-header",
        "empty-payload",
        "padded-header",
        "padded-payload",
        "padded-signature",
        "standard-base64-chars",
        "trailing-space",
        "impossible-length",
        "header-not-json",
        "header-not-object",
        "header-not-utf8",
    ],
)
def test_malformed_tokens_raise_decode_error(token: str) -> None:
    with pytest.raises(DecodeError):
        decode(token, KEY)


def _signed_with(header_segment: str, payload_segment: str, key: bytes = KEY) -> str:
    mac = hmac.new(key, f"{header_segment}.{payload_segment}".encode("ascii"), hashlib.sha256)
    return f"{header_segment}.{payload_segment}.{b64url(mac.digest())}"


@pytest.mark.spec("Errors")
@pytest.mark.parametrize("segment", ["header", "payload", "signature"])
def test_non_canonical_base64url_raises_decode_error(segment: str) -> None:
    """RFC 7515 §2 defines base64url as RFC 4648 encoding (whose §3.5 canonical form has the
    pad bits zero) with no padding; a second spelling of the same signature would let one
    token pass under several strings (and PyJWT 2.15.1 rejects it: "Invalid crypto padding").
    Header and payload are correctly signed over the non-canonical segment."""
    header = b64url(compact({"alg": "HS256", "typ": "JWT", "x": 10}))  # 34 bytes: 46 chars
    payload = b64url(compact({"sub": "alice", "n": 10}))  # 22 bytes: 30 chars
    if segment == "header":
        token = _signed_with(non_canonical(header), payload)
    elif segment == "payload":
        token = _signed_with(header, non_canonical(payload))
    else:
        h, p, sig = _signed_with(header, payload).split(".")
        assert decode(f"{h}.{p}.{sig}", KEY) == {"sub": "alice", "n": 10}
        token = f"{h}.{p}.{non_canonical(sig)}"
    with pytest.raises(DecodeError):
        decode(token, KEY)


@pytest.mark.spec("Errors")
@pytest.mark.parametrize(
    "payload",
    [b"not json", b'["a", "list"]', b'"a string"', bytes([0xC3, 0x28])],
    ids=["not-json", "list", "string", "not-utf8"],
)
def test_signed_payload_that_is_not_an_object_raises_decode_error(payload: bytes) -> None:
    token = sign(HS256, payload)  # correctly signed, so only the payload is at fault
    with pytest.raises(DecodeError):
        decode(token, KEY)


@pytest.mark.spec("Errors")
def test_every_error_is_an_invalid_token_error() -> None:
    cases = [
        ("x.y", KEY),  # DecodeError
        (sign({"alg": "none"}, {}), KEY),  # InvalidAlgorithmError
        (encode({}, KEY), b"other"),  # InvalidSignatureError
        (encode({"exp": 0}, KEY), KEY),  # ExpiredSignatureError
    ]
    for token, key in cases:
        with pytest.raises(InvalidTokenError):
            decode(token, key)


# --- Claims --------------------------------------------------------------------


@pytest.mark.spec("Claims")
def test_rfc7515_token_is_expired_on_and_after_its_exp() -> None:
    """RFC 7519 §4.1.4: the JWT must not be accepted "on or after" the exp time."""
    key = b64url_decode(RFC7515_KEY_B64)
    with at(RFC7515_CLAIMS["exp"] - 1):
        assert decode(RFC7515_TOKEN, key) == RFC7515_CLAIMS
    with at(RFC7515_CLAIMS["exp"]), pytest.raises(ExpiredSignatureError):
        decode(RFC7515_TOKEN, key)


@pytest.mark.spec("Claims")
def test_exp_boundary() -> None:
    token = encode({"sub": "alice", "exp": T0}, KEY)
    with at(T0 - 0.5):
        assert decode(token, KEY)["sub"] == "alice"
    with at(T0), pytest.raises(ExpiredSignatureError):
        decode(token, KEY)  # now == exp is already expired
    with at(T0 + 3600), pytest.raises(ExpiredSignatureError):
        decode(token, KEY)


@pytest.mark.spec("Claims")
def test_leeway_extends_exp() -> None:
    token = encode({"exp": T0}, KEY)
    with at(T0 + 9):
        assert decode(token, KEY, leeway=10) == {"exp": T0}
    with at(T0 + 10), pytest.raises(ExpiredSignatureError):
        decode(token, KEY, leeway=10)


@pytest.mark.spec("Claims")
def test_fractional_dates_and_leeway() -> None:
    """NumericDates may be non-integer (RFC 7519 §2), and so may the leeway."""
    token = encode({"exp": T0 + 7.25, "nbf": T0 - 0.5}, KEY)
    with at(T0 + 7):
        assert decode(token, KEY) == {"exp": T0 + 7.25, "nbf": T0 - 0.5}
    with at(T0 + 7.25), pytest.raises(ExpiredSignatureError):
        decode(token, KEY)
    with at(T0 + 9.5):
        assert decode(token, KEY, leeway=2.5)["exp"] == T0 + 7.25
    with at(T0 + 9.75), pytest.raises(ExpiredSignatureError):
        decode(token, KEY, leeway=2.5)
    with at(T0 - 0.75), pytest.raises(ImmatureSignatureError):
        decode(token, KEY)
    with at(T0 - 3), pytest.raises(ImmatureSignatureError):
        decode(token, KEY, leeway=2.25)
    with at(T0 - 2.75):
        assert decode(token, KEY, leeway=2.25)["nbf"] == T0 - 0.5


@pytest.mark.spec("Claims")
def test_integer_leeway_is_added_not_combined_bitwise() -> None:
    token = encode({"exp": T0 + 7}, KEY)  # ...0111 in binary; a leeway of 10 is 1010
    with at(T0 + 16):
        assert decode(token, KEY, leeway=10) == {"exp": T0 + 7}
    with at(T0 + 17), pytest.raises(ExpiredSignatureError):
        decode(token, KEY, leeway=10)


@pytest.mark.spec("Claims")
def test_nbf_in_the_past_is_fine() -> None:
    token = encode({"nbf": T0}, KEY)
    with at(T0 + 3600):
        assert decode(token, KEY) == {"nbf": T0}
    with at(T0 + 3600):
        assert decode(token, KEY, leeway=60) == {"nbf": T0}


@pytest.mark.spec("API")
def test_decode_options_are_keyword_only() -> None:
    token = encode({"sub": "alice"}, KEY)
    assert decode(token, KEY, leeway=0, audience=None) == {"sub": "alice"}
    with pytest.raises(TypeError):
        decode(token, KEY, 0)  # type: ignore[misc]


@pytest.mark.spec("Claims")
def test_nbf_boundary_and_leeway() -> None:
    """RFC 7519 §4.1.5: not accepted before nbf; valid from nbf itself."""
    token = encode({"nbf": T0}, KEY)
    with at(T0 - 1), pytest.raises(ImmatureSignatureError):
        decode(token, KEY)
    with at(T0):
        assert decode(token, KEY) == {"nbf": T0}
    with at(T0 - 5):
        assert decode(token, KEY, leeway=5) == {"nbf": T0}
    with at(T0 - 5.5), pytest.raises(ImmatureSignatureError):
        decode(token, KEY, leeway=5)


@pytest.mark.spec("Claims")
@pytest.mark.parametrize(
    "claims",
    [{"exp": "1700000000"}, {"exp": True}, {"nbf": "soon"}, {"nbf": [1]}],
    ids=["exp-string", "exp-bool", "nbf-string", "nbf-list"],
)
def test_non_numeric_dates_raise_decode_error(claims: dict) -> None:
    with at(T0), pytest.raises(DecodeError):
        decode(sign(HS256, claims), KEY)


@pytest.mark.spec("Claims")
@pytest.mark.parametrize(
    "payload",
    [b'{"exp":NaN}', b'{"exp":Infinity}', b'{"exp":-Infinity}', b'{"exp":1e400}', b'{"nbf":NaN}'],
    ids=["exp-nan", "exp-infinity", "exp-minus-infinity", "exp-1e400", "nbf-nan"],
)
def test_non_finite_dates_raise_decode_error(payload: bytes) -> None:
    """RFC 7519 §2: a NumericDate is a number of seconds; RFC 8259 §6 has no NaN or Infinity,
    though Python's json reads them (and 1e400 as infinity). PyJWT 2.15.1 raises DecodeError
    for each of these. A NaN exp would otherwise never expire: every comparison is false."""
    with at(T0), pytest.raises(DecodeError):
        decode(sign(HS256, payload), KEY)


@pytest.mark.spec("Claims")
def test_audience_matches_string_or_list_member() -> None:
    assert decode(encode({"aud": "billing"}, KEY), KEY, audience="billing")["aud"] == "billing"
    token = encode({"aud": ["search", "billing"]}, KEY)
    assert decode(token, KEY, audience="billing")["aud"] == ["search", "billing"]


@pytest.mark.spec("Claims")
@pytest.mark.parametrize(
    ("claims", "audience"),
    [
        ({"aud": "search"}, "billing"),
        ({"aud": ["search", "ads"]}, "billing"),
        ({"aud": []}, "billing"),
        ({"aud": "billing"}, None),
        ({"sub": "alice"}, "billing"),
        ({"aud": 42}, "billing"),
        ({"aud": ["billing", 7]}, "billing"),
        ({"aud": "billing-admin"}, "billing"),
        ({"aud": "bill"}, "billing"),
        ({"aud": "Billing"}, "billing"),
        ({"aud": ["billing-admin", "search"]}, "billing"),
        ({"aud": ""}, "billing"),
        ({"aud": []}, None),
        ({"aud": ""}, None),
    ],
    ids=[
        "other-string",
        "not-in-list",
        "empty-list",
        "aud-but-no-audience-expected",
        "audience-expected-but-no-aud",
        "aud-number",
        "aud-list-with-number",
        "aud-contains-audience",
        "audience-contains-aud",
        "aud-other-case",
        "list-member-contains-audience",
        "empty-string",
        "empty-list-no-audience-expected",
        "empty-string-no-audience-expected",
    ],
)
def test_wrong_audience_is_rejected(claims: dict, audience: str | None) -> None:
    with pytest.raises(InvalidAudienceError):
        decode(encode(claims, KEY), KEY, audience=audience)
