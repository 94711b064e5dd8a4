"""Tests for the OAuth 2.0 authorization code + PKCE kata.

Truth comes from the RFCs and their examples:

- RFC 7636 (PKCE): §4.1 verifier syntax, §4.2 the S256 transformation and its Appendix B
  vector, §4.3 the default method, §4.4.1 / §4.6 the errors;
- RFC 6749 (OAuth 2.0): §4.1.1–§4.1.3 the flow and the examples of §4.1 (client
  ``s6BhdRkqt3``, ``https://client.example.com/cb``, state ``xyz``), §2.3.1 HTTP Basic
  client authentication and its example header, §3.1.2 redirect URIs, §4.1.2.1 and §5.2 the
  error responses, §5.1 ``Cache-Control: no-store``, §10.10 credential entropy;
- RFC 9700 (OAuth 2.0 Security Best Current Practice): §2.1 / §4.1.3 exact redirect URI
  matching, §2.1.1 PKCE with S256, §4.2.4 single-use codes;
- RFC 7662 §2.2 the introspection response.

Challenges of the tests' own verifiers are computed here with ``hashlib`` and ``base64``
(RFC 7636 §4.2 written out), never with the code under test. The clock is injected.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import random
import re
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

import pytest

import oauth_pkce
from grader.kata_support import spy_compare_digest
from oauth_pkce import AuthorizationServer, Client, Response, is_valid_verifier, s256_challenge

# RFC 7636 Appendix B: the verifier (base64url of 32 random octets) and its S256 challenge.
RFC7636_OCTETS = bytes(
    [
        *(116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186),
        *(22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121),
    ]
)
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

# RFC 6749 §2.3.1 and §4.1: the example client and its Basic header.
CLIENT_ID = "s6BhdRkqt3"
SECRET = "7Fjfp0ZBr1KtDRbnfVdmIw"
RFC6749_BASIC = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
CB = "https://client.example.com/cb"
CB2 = "https://client.example.com/other"

PUBLIC_ID = "mobile-app"
APP_CB = "com.example.app:/oauth2redirect"

USER = "alice"
T0 = 1_700_000_000.0
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def challenge_of(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), no padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: both parts form-urlencoded, joined by ':', base64 (RFC 7617)."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_server(clock: Clock | None = None, **options) -> AuthorizationServer:
    clients = [
        Client(CLIENT_ID, (CB, CB2), SECRET),
        Client(PUBLIC_ID, (APP_CB,)),
        Client("other-client", ("https://other.example.org/cb",), "other-secret"),
    ]
    return AuthorizationServer(clients, clock=clock or Clock(), **options)


def auth_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CB,
        "state": "xyz",
        "code_challenge": RFC7636_CHALLENGE,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def header(response: Response, name: str) -> str | None:
    """A header by name, case-insensitively (RFC 9110 §5.1)."""
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def redirected(response: Response, to: str) -> dict[str, str]:
    """The query parameters a 302 adds to ``to`` (which keeps its own query, §3.1.2)."""
    assert response.status == 302, f"expected a 302 redirect, got {response.status}"
    location = header(response, "Location")
    assert location is not None, "a redirect has a Location header"
    base, own = urlsplit(to), parse_qsl(urlsplit(to).query, keep_blank_values=True)
    got = urlsplit(location)
    assert (got.scheme, got.netloc, got.path, got.fragment) == (
        base.scheme,
        base.netloc,
        base.path,
        "",
    ), f"redirected to {location!r}, not to the request's redirect URI {to!r}"
    pairs = parse_qsl(got.query, keep_blank_values=True, strict_parsing=bool(got.query))
    assert pairs[: len(own)] == own, "keep the redirect URI's own query component"
    added = pairs[len(own) :]
    names = [name for name, _ in added]
    assert len(names) == len(set(names)), f"a parameter appears twice: {location!r}"
    return dict(added)


def code_from(response: Response, to: str = CB, state: str | None = "xyz") -> str:
    params = redirected(response, to)
    assert "error" not in params, f"expected a code, got error={params['error']!r}"
    assert params.get("state") == state
    return params["code"]


def get_code(server: AuthorizationServer, verifier: str = RFC7636_VERIFIER, **overrides) -> str:
    params = auth_params(code_challenge=challenge_of(verifier), **overrides)
    to = params.get("redirect_uri", CB)
    return code_from(server.authorize(params, USER), to, params.get("state"))


def token_form(code: str, verifier: str = RFC7636_VERIFIER, **overrides: str | None) -> dict:
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CB,
        "code_verifier": verifier,
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def assert_token_error(response: Response, error: str, status: int = 400) -> None:
    """RFC 6749 §5.2: status 400 (401 for invalid_client), a JSON body with "error"."""
    assert response.status == status, (
        f"expected {status} {error}, got {response.status} {response.body}"
    )
    assert isinstance(response.body, dict) and response.body.get("error") == error, (
        f"expected error {error!r}, got {response.body}"
    )
    assert (header(response, "Content-Type") or "").split(";")[0] == "application/json"
    assert header(response, "Cache-Control") == "no-store"


def exchange(server: AuthorizationServer, code: str, **overrides) -> Response:
    return server.token(token_form(code, **overrides), RFC6749_BASIC)


# --- API ------------------------------------------------------------------------------


@pytest.mark.spec("API")
def test_server_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        AuthorizationServer([], Clock())  # type: ignore[misc]
    server = AuthorizationServer([], clock=Clock(), code_lifetime=5, token_lifetime=7)
    assert server.introspect("x") == {"active": False}


@pytest.mark.spec("API")
def test_parameters_parsed_from_a_real_request() -> None:
    """Values parsed from a query string or body are new strings, not the literals of the
    code: compare them with ==, never with `is`."""

    def parsed(values: dict[str, str]) -> dict[str, str]:
        return dict(parse_qsl(urlencode(values)))

    server = make_server()
    code = code_from(server.authorize(parsed(auth_params()), USER))
    authorization = " ".join(["Basic", RFC6749_BASIC.split()[1]])
    response = server.token(parsed(token_form(code)), authorization)
    assert response.status == 200, response.body
    with pytest.raises(dataclasses.FrozenInstanceError):
        response.status = 500  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Client("x", ()).secret = "s"  # type: ignore[misc]
    params = parsed(auth_params(response_type="token"))
    assert redirected(server.authorize(params, USER), CB)["error"] == "unsupported_response_type"


# --- Verifier and challenge ----------------------------------------------------------


@pytest.mark.spec("Verifier and challenge")
def test_rfc7636_appendix_b_challenge() -> None:
    assert base64.urlsafe_b64encode(RFC7636_OCTETS).rstrip(b"=").decode() == RFC7636_VERIFIER
    assert s256_challenge(RFC7636_VERIFIER) == RFC7636_CHALLENGE, (
        "S256 is base64url (- and _) of the SHA-256 digest, without '=' padding"
    )


@pytest.mark.spec("Verifier and challenge")
@pytest.mark.parametrize("length", [43, 64, 100, 128])
def test_s256_matches_a_direct_computation(length: int) -> None:
    rng = random.Random(length)
    verifier = "".join(rng.choice(UNRESERVED) for _ in range(length))
    assert s256_challenge(verifier) == challenge_of(verifier)


@pytest.mark.spec("Verifier and challenge")
def test_s256_uses_the_url_safe_alphabet_without_padding() -> None:
    rng = random.Random(7636)
    for _ in range(50):
        verifier = "".join(rng.choice(UNRESERVED) for _ in range(43))
        got = s256_challenge(verifier)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", got), (
            f"{got!r}: 43 base64url characters, no '+', '/' or '='"
        )


@pytest.mark.spec("Verifier and challenge")
@pytest.mark.parametrize(
    "verifier",
    [RFC7636_VERIFIER, "a" * 43, "~" * 128, UNRESERVED[:66], UNRESERVED + UNRESERVED[:62]],
    ids=["rfc7636", "min-43", "max-128", "every-char", "128-mixed"],
)
def test_valid_verifiers(verifier: str) -> None:
    assert is_valid_verifier(verifier) is True


@pytest.mark.spec("Verifier and challenge")
@pytest.mark.parametrize(
    "verifier",
    [
        "",
        "a" * 42,
        "a" * 129,
        RFC7636_VERIFIER + "\n",
        "a" * 42 + "=",
        "a" * 42 + "+",
        "a" * 42 + "/",
        "a" * 42 + " ",
        "a" * 42 + "é",
        "a" * 42 + "١",
        "a" * 42 + "%",
    ],
    ids=[
        "empty",
        "42",
        "129",
        "trailing-newline",
        "equals",
        "plus",
        "slash",
        "space",
        "non-ascii-letter",
        "non-ascii-digit",
        "percent",
    ],
)
def test_invalid_verifiers(verifier: str) -> None:
    """RFC 7636 §4.1: code-verifier = 43*128unreserved, ALPHA / DIGIT / "-" / "." / "_" / "~"
    (ASCII only; beware of ``$`` matching before a final newline, and of ``\\w``)."""
    assert is_valid_verifier(verifier) is False


# --- Authorization requests ----------------------------------------------------------


@pytest.mark.spec("Authorization requests")
def test_code_is_issued_by_redirect_with_state() -> None:
    """RFC 6749 §4.1.2: 302 to the redirect URI with code and the state, unchanged."""
    server = make_server()
    response = server.authorize(auth_params(), USER)
    params = redirected(response, CB)
    assert set(params) == {"code", "state"}
    assert params["state"] == "xyz"
    assert params["code"]


@pytest.mark.spec("Authorization requests")
@pytest.mark.parametrize(
    "state",
    ["a b&c=d", "Zoë ☃", "x+y%2Fz", "?#/", "=="],
    ids=["space-amp-eq", "unicode", "plus-percent", "query-chars", "equals"],
)
def test_state_is_returned_unchanged(state: str) -> None:
    """RFC 6749 §4.1.2: state is "the exact value received from the client" — so it is
    URL-encoded into the Location and decodes to the same string."""
    server = make_server()
    response = server.authorize(auth_params(state=state), USER)
    assert redirected(response, CB)["state"] == state


@pytest.mark.spec("Authorization requests")
def test_no_state_in_the_request_means_none_in_the_redirect() -> None:
    server = make_server()
    params = redirected(server.authorize(auth_params(state=None), USER), CB)
    assert set(params) == {"code"}


@pytest.mark.spec("Authorization requests")
def test_redirect_uri_query_is_kept() -> None:
    """RFC 6749 §3.1.2: the endpoint URI may include a query component, which MUST be
    retained when adding parameters."""
    with_query = "https://client.example.com/cb?tenant=acme"
    server = AuthorizationServer([Client("q", (with_query,))], clock=Clock())
    response = server.authorize(
        auth_params(client_id="q", redirect_uri=with_query, state="s1"), USER
    )
    params = redirected(response, with_query)
    assert params["state"] == "s1" and params["code"]


@pytest.mark.spec("Authorization requests")
def test_codes_are_long_random_and_url_safe() -> None:
    """RFC 6749 §10.10: guessing probability ≤ 2^-128 — at least 32 random bytes here."""
    server = make_server()
    codes = {get_code(server) for _ in range(20)}
    assert len(codes) == 20, "every code is new"
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", code), (
            f"code {code!r}: at least 43 base64url characters, e.g. secrets.token_urlsafe(32)"
        )


@pytest.mark.spec("Authorization requests")
def test_codes_do_not_come_from_the_mersenne_twister(monkeypatch: pytest.MonkeyPatch) -> None:
    """The random module's generator is predictable from its output (its docs: not for
    security). With its draws fixed, codes from secrets (os.urandom) still differ."""
    monkeypatch.setattr(random.Random, "random", lambda self: 0.5)
    monkeypatch.setattr(random.Random, "getrandbits", lambda self, k: (1 << k) // 3)
    monkeypatch.setattr(random.Random, "randbytes", lambda self, n: b"\x2a" * n)
    server = make_server()
    assert get_code(server) != get_code(server), "draw codes from secrets, not random"


def count_secure_bits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the bits drawn from the operating system's generator, the one behind
    ``secrets``: ``os.urandom`` (and every global of the module bound to it) and the methods
    of ``random.SystemRandom``, which ``secrets`` uses (``token_bytes``, ``token_urlsafe``,
    ``token_hex``, ``choice``, ``randbits``). The real functions still draw the bits."""
    drawn = [0]
    real_urandom = os.urandom

    def urandom(n: int) -> bytes:
        drawn[0] += 8 * n
        return real_urandom(n)

    monkeypatch.setattr(os, "urandom", urandom)
    for name, value in vars(oauth_pkce).items():
        if value is real_urandom:
            monkeypatch.setattr(oauth_pkce, name, urandom)
    system = random.SystemRandom
    real_bits, real_bytes, real_random = system.getrandbits, system.randbytes, system.random

    def getrandbits(self: random.SystemRandom, k: int) -> int:
        drawn[0] += k
        return real_bits(self, k)

    def randbytes(self: random.SystemRandom, n: int) -> bytes:
        drawn[0] += 8 * n
        return real_bytes(self, n)

    def system_random(self: random.SystemRandom) -> float:
        drawn[0] += 53
        return real_random(self)

    monkeypatch.setattr(system, "getrandbits", getrandbits)
    monkeypatch.setattr(system, "randbytes", randbytes)
    monkeypatch.setattr(system, "random", system_random)
    return drawn


@pytest.mark.spec("API")
def test_codes_and_tokens_are_drawn_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 6749 §10.10 and the API: every code and access token takes at least 32 bytes
    (256 bits) from secrets — the operating system's generator, not the random module."""
    drawn = count_secure_bits(monkeypatch)
    server = make_server()
    code = get_code(server)
    assert drawn[0] >= 256, (
        f"the code took {drawn[0]} bits from secrets: draw it with secrets.token_urlsafe(32), "
        "never with the random module"
    )
    before = drawn[0]
    assert exchange(server, code).status == 200
    assert drawn[0] - before >= 256, (
        f"the access token took {drawn[0] - before} bits from secrets: draw it with "
        "secrets.token_urlsafe(32), never with the random module"
    )


# --- Redirect URIs -------------------------------------------------------------------


@pytest.mark.spec("Redirect URIs")
@pytest.mark.parametrize(
    "uri",
    [
        CB + "/evil",
        CB + "?x=1",
        CB + "#frag",
        CB + "/",
        "https://client.example.com/c",
        "https://client.example.com/CB",
        "HTTPS://client.example.com/cb",
        "https://client.example.com:443/cb",
        "https://client.example.com.evil.net/cb",
        "https://evil.net/?" + CB,
        "http://client.example.com/cb",
        " " + CB,
        "",
    ],
    ids=[
        "longer-path",
        "extra-query",
        "fragment",
        "trailing-slash",
        "prefix",
        "case",
        "scheme-case",
        "explicit-port",
        "host-suffix",
        "contains",
        "http",
        "leading-space",
        "empty",
    ],
)
def test_redirect_uri_must_match_exactly(uri: str) -> None:
    """RFC 9700 §4.1.3: redirect URIs are compared by exact string matching — no prefix,
    substring or normalised comparison. The error is shown, never redirected (§4.1.2.1)."""
    server = make_server()
    response = server.authorize(auth_params(redirect_uri=uri), USER)
    assert header(response, "Location") is None, (
        "never redirect to a redirect URI that did not match a registered one exactly"
    )
    assert response.status == 400
    assert response.body is not None and response.body.get("error") == "invalid_request"


@pytest.mark.spec("Redirect URIs")
def test_any_registered_uri_can_be_chosen() -> None:
    server = make_server()
    response = server.authorize(auth_params(redirect_uri=CB2), USER)
    assert redirected(response, CB2)["code"]


@pytest.mark.spec("Redirect URIs")
def test_redirect_uri_may_be_omitted_for_a_single_registered_one() -> None:
    """RFC 6749 §3.1.2.3: with one registered URI, the request may leave it out."""
    server = make_server()
    params = auth_params(client_id=PUBLIC_ID, redirect_uri=None)
    assert code_from(server.authorize(params, USER), APP_CB)


@pytest.mark.spec("Redirect URIs")
def test_client_without_redirect_uris_gets_the_error_page() -> None:
    server = AuthorizationServer([Client("bare", ())], clock=Clock())
    for uri in (None, CB):
        response = server.authorize(auth_params(client_id="bare", redirect_uri=uri), USER)
        assert response.status == 400 and header(response, "Location") is None
        assert response.body is not None and response.body.get("error") == "invalid_request"


@pytest.mark.spec("Redirect URIs")
def test_redirect_uri_required_with_several_registered() -> None:
    server = make_server()
    response = server.authorize(auth_params(redirect_uri=None), USER)
    assert response.status == 400 and header(response, "Location") is None
    assert response.body is not None and response.body.get("error") == "invalid_request"


@pytest.mark.spec("Redirect URIs")
@pytest.mark.parametrize("client_id", [None, "", "nobody", CLIENT_ID.lower()])
def test_unknown_client_is_not_redirected(client_id: str | None) -> None:
    """RFC 6749 §4.1.2.1: a missing or invalid client identifier is shown to the user;
    the server MUST NOT redirect."""
    server = make_server()
    response = server.authorize(auth_params(client_id=client_id), USER)
    assert response.status == 400
    assert header(response, "Location") is None
    assert response.body is not None and response.body.get("error") == "invalid_client"


@pytest.mark.spec("Redirect URIs")
def test_another_clients_redirect_uri_is_refused() -> None:
    server = make_server()
    response = server.authorize(auth_params(redirect_uri=APP_CB), USER)
    assert response.status == 400 and header(response, "Location") is None


@pytest.mark.spec("Redirect URIs")
def test_bad_redirect_uri_wins_over_other_errors() -> None:
    """Other errors are redirected, so the redirect URI is validated first."""
    server = make_server()
    params = auth_params(redirect_uri="https://evil.net/cb", response_type="token")
    response = server.authorize(params, USER)
    assert response.status == 400 and header(response, "Location") is None


# --- Authorization errors ------------------------------------------------------------


@pytest.mark.spec("Authorization errors")
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "Code"}, "unsupported_response_type"),
        ({"response_type": "token", "code_challenge": None}, "unsupported_response_type"),
        ({"response_type": ""}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge_method": "s256"}, "invalid_request"),
        ({"code_challenge": RFC7636_CHALLENGE + "="}, "invalid_request"),
        ({"code_challenge": RFC7636_CHALLENGE[:-1]}, "invalid_request"),
        ({"code_challenge": RFC7636_CHALLENGE[:-1] + "+"}, "invalid_request"),
        ({"code_challenge": RFC7636_CHALLENGE + "A"}, "invalid_request"),
    ],
    ids=[
        "no-response-type",
        "implicit",
        "response-type-case",
        "implicit-without-challenge",
        "empty-response-type",
        "no-challenge",
        "no-method-means-plain",
        "plain",
        "unknown-method",
        "method-case",
        "padded-challenge",
        "short-challenge",
        "standard-alphabet",
        "long-challenge",
    ],
)
def test_errors_are_redirected_with_state(overrides: dict, error: str) -> None:
    """RFC 6749 §4.1.2.1 (and RFC 7636 §4.4.1): once the client and redirect URI are valid,
    an error goes back to the client as error=… on the redirect URI, with the state.
    A missing code_challenge_method means "plain" (RFC 7636 §4.3), refused by default. The
    table is checked top to bottom: response_type before the challenge; an empty value is
    an omitted one (RFC 6749 §3.1)."""
    server = make_server()
    response = server.authorize(auth_params(**overrides), USER)
    params = redirected(response, CB)
    issued = " (a code was issued instead)" if "code" in params else ""
    assert params.get("error") == error, (
        f"the redirect's error parameter is {params.get('error')!r}{issued}, expected {error!r}"
    )
    assert params.get("state") == "xyz", "return the state with errors too"
    assert "code" not in params
    assert set(params) <= {"error", "error_description", "error_uri", "state"}


@pytest.mark.spec("Authorization errors")
@pytest.mark.parametrize("allow_plain", [False, True], ids=["plain-refused", "plain-allowed"])
@pytest.mark.parametrize("method", ["S512", "PLAIN", "Plain", "s256", "S256 ", "none"])
def test_only_s256_and_plain_are_methods(allow_plain: bool, method: str) -> None:
    """The challenge here would pass as S256 and as plain: only the method is wrong."""
    server = make_server(allow_plain=allow_plain)
    params = auth_params(code_challenge=RFC7636_CHALLENGE, code_challenge_method=method)
    assert redirected(server.authorize(params, USER), CB).get("error") == "invalid_request"


@pytest.mark.spec("Authorization requests")
def test_empty_parameters_are_omitted_ones() -> None:
    """RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted
    from the request." An empty method is no method, that is plain; an empty state is no
    state."""
    refused = make_server()
    params = auth_params(code_challenge=RFC7636_VERIFIER, code_challenge_method="")
    assert redirected(refused.authorize(params, USER), CB).get("error") == "invalid_request"
    server = make_server(allow_plain=True)
    code = code_from(server.authorize(params, USER))
    assert exchange(server, code).status == 200, "an empty method is plain"
    issued = redirected(server.authorize(auth_params(state=""), USER), CB)
    assert set(issued) == {"code"}, "an empty state is no state: none in the redirect"
    single = auth_params(client_id=PUBLIC_ID, redirect_uri="")
    assert code_from(server.authorize(single, USER), APP_CB), "an empty redirect_uri is omitted"


@pytest.mark.spec("Authorization errors")
def test_error_without_state() -> None:
    server = make_server()
    params = redirected(server.authorize(auth_params(state=None, response_type="token"), USER), CB)
    assert params.get("error") == "unsupported_response_type"
    assert "state" not in params


@pytest.mark.spec("Authorization errors")
def test_plain_when_allowed() -> None:
    """RFC 7636 §4.2: with "plain", code_challenge = code_verifier (here only when the
    server is configured with allow_plain=True)."""
    server = make_server(allow_plain=True)
    verifier = "plain-verifier-" + "x" * 30
    for method in ("plain", None, "".join(["pl", "ain"])):  # the last one not interned
        params = auth_params(code_challenge=verifier, code_challenge_method=method)
        code = code_from(server.authorize(params, USER))
        response = exchange(server, code, verifier=verifier)
        assert response.status == 200, f"method {method!r}: {response.body}"


@pytest.mark.spec("Authorization errors")
def test_plain_challenge_must_be_a_valid_verifier() -> None:
    server = make_server(allow_plain=True)
    response = server.authorize(
        auth_params(code_challenge="short", code_challenge_method="plain"), USER
    )
    assert redirected(response, CB).get("error") == "invalid_request"


@pytest.mark.spec("Authorization errors")
def test_plain_verifier_must_equal_the_challenge() -> None:
    server = make_server(allow_plain=True)
    verifier = "v" * 50
    params = auth_params(code_challenge=verifier, code_challenge_method="plain")
    code = code_from(server.authorize(params, USER))
    assert_token_error(exchange(server, code, verifier="w" * 50), "invalid_grant")
    assert_token_error(exchange(server, code, verifier=challenge_of(verifier)), "invalid_grant")
    assert exchange(server, code, verifier=verifier).status == 200


# --- Token requests ------------------------------------------------------------------


@pytest.mark.spec("Token requests")
def test_code_for_token_rfc7636_vector() -> None:
    """RFC 7636 §4.5–4.6: the server hashes the verifier and compares it with the stored
    challenge; RFC 6749 §5.1: a JSON body with Cache-Control: no-store."""
    clock = Clock()
    server = make_server(clock)
    code = code_from(server.authorize(auth_params(), USER))
    clock.now += 5
    response = server.token(token_form(code), RFC6749_BASIC)
    assert response.status == 200, response.body
    assert header(response, "Cache-Control") == "no-store"
    assert header(response, "Pragma") == "no-cache"
    assert (header(response, "Content-Type") or "").split(";")[0] == "application/json"
    body = response.body or {}
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", body["access_token"]), (
        f"access token {body['access_token']!r}: at least 43 base64url characters, "
        "e.g. secrets.token_urlsafe(32)"
    )


@pytest.mark.spec("Token requests")
@pytest.mark.parametrize(
    "verifier",
    [
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkx",
        "DBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        RFC7636_CHALLENGE,
    ],
    ids=["last-char", "longer", "case", "the-challenge-itself"],
)
def test_wrong_verifier_is_invalid_grant(verifier: str) -> None:
    """RFC 7636 §4.6: if the values are not equal, "invalid_grant"."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    assert_token_error(exchange(server, code, verifier=verifier), "invalid_grant")


@pytest.mark.spec("Token requests")
def test_failed_attempt_leaves_the_code_usable() -> None:
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    assert_token_error(exchange(server, code, verifier="x" * 43), "invalid_grant")
    assert exchange(server, code).status == 200


@pytest.mark.spec("Token requests")
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"grant_type": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token"}, "unsupported_grant_type"),
        ({"grant_type": "Authorization_code"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
        ({"code": None}, "invalid_request"),
        ({"code": ""}, "invalid_request"),
        ({"code_verifier": ""}, "invalid_request"),
        ({"redirect_uri": ""}, "invalid_request"),
        ({"code_verifier": None}, "invalid_request"),
        ({"code_verifier": "a" * 42}, "invalid_request"),
        ({"code_verifier": RFC7636_VERIFIER + "\n"}, "invalid_request"),
        ({"code_verifier": "a" * 129}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"redirect_uri": CB2}, "invalid_grant"),
        ({"redirect_uri": CB + "/"}, "invalid_grant"),
        ({"code": "not-a-code"}, "invalid_grant"),
    ],
    ids=[
        "no-grant-type",
        "password-grant",
        "refresh-grant",
        "grant-case",
        "grant-empty",
        "no-code",
        "empty-code",
        "empty-verifier",
        "empty-redirect-uri",
        "no-verifier",
        "verifier-42",
        "verifier-newline",
        "verifier-129",
        "no-redirect-uri",
        "other-redirect-uri",
        "redirect-uri-slash",
        "unknown-code",
    ],
)
def test_token_request_errors(overrides: dict, error: str) -> None:
    """RFC 6749 §4.1.3 / §5.2: missing or malformed parameters are invalid_request (an empty
    one is a missing one, §3.2); a code that is unknown, or a redirect_uri different from the
    authorization request's, is invalid_grant."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    form = {k: v for k, v in {**token_form(code), **overrides}.items() if v is not None}
    assert_token_error(server.token(form, RFC6749_BASIC), error)
    assert exchange(server, code).status == 200, "a failed request does not use up the code"


@pytest.mark.spec("Token requests")
def test_omitted_redirect_uri_is_compared_with_the_registered_one() -> None:
    """§4.1.3: redirect_uri is required at the token endpoint only if the authorization
    request included it; if sent anyway it must be the one the code was issued for."""
    server = make_server()
    params = auth_params(client_id=PUBLIC_ID, redirect_uri=None)
    first = code_from(server.authorize(params, USER), APP_CB)
    form = token_form(first, client_id=PUBLIC_ID, redirect_uri=None)
    assert server.token(form).status == 200
    second = code_from(server.authorize(params, USER), APP_CB)
    form = token_form(second, client_id=PUBLIC_ID, redirect_uri=APP_CB + "x")
    assert_token_error(server.token(form), "invalid_grant")
    form = token_form(second, client_id=PUBLIC_ID, redirect_uri=APP_CB)
    assert server.token(form).status == 200


@pytest.mark.spec("Token requests")
def test_redirect_uri_must_be_the_one_of_the_request() -> None:
    server = make_server()
    code = get_code(server, redirect_uri=CB2)
    assert_token_error(exchange(server, code, redirect_uri=CB), "invalid_grant")
    assert exchange(server, code, redirect_uri=CB2).status == 200


@pytest.mark.spec("Token requests")
def test_code_of_another_client_is_refused() -> None:
    server = make_server()
    params = auth_params(client_id="other-client", redirect_uri="https://other.example.org/cb")
    code = code_from(server.authorize(params, USER), "https://other.example.org/cb")
    response = exchange(server, code, redirect_uri="https://other.example.org/cb")
    assert_token_error(response, "invalid_grant")


@pytest.mark.spec("Token requests")
def test_code_is_bound_to_its_client() -> None:
    """RFC 6749 §4.1.3: ensure the code was issued to the authenticated client."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    response = server.token(token_form(code), basic("other-client", "other-secret"))
    assert_token_error(response, "invalid_grant")
    assert exchange(server, code).status == 200, "another client's attempt does not use it up"


@pytest.mark.spec("Token requests")
def test_verifier_is_compared_in_constant_time() -> None:
    """The hashed verifier is compared with the stored challenge with hmac.compare_digest."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    with spy_compare_digest(oauth_pkce) as spy:
        assert exchange(server, code).status == 200
    spy.assert_compared(
        (RFC7636_CHALLENGE, RFC7636_CHALLENGE),
        what="the S256 challenge of the code_verifier",
    )
    code = code_from(server.authorize(auth_params(), USER))
    wrong = "w" * 43
    with spy_compare_digest(oauth_pkce) as spy:
        assert exchange(server, code, verifier=wrong).status == 400
    spy.assert_compared(
        (RFC7636_CHALLENGE, challenge_of(wrong)),
        what="the S256 challenge of the code_verifier",
    )


# --- Code lifetime and reuse ---------------------------------------------------------


@pytest.mark.spec("Code lifetime and reuse")
def test_code_expires_at_its_lifetime() -> None:
    """RFC 6749 §4.1.2: the code "MUST expire shortly after it is issued"; here at
    issued + code_lifetime exactly."""
    clock = Clock()
    server = make_server(clock, code_lifetime=30)
    early = code_from(server.authorize(auth_params(), USER))
    late = code_from(server.authorize(auth_params(), USER))
    clock.now = T0 + 29.999
    assert exchange(server, early).status == 200
    clock.now = T0 + 30
    assert_token_error(exchange(server, late), "invalid_grant")
    later = code_from(server.authorize(auth_params(), USER))  # issued at T0 + 30
    clock.now = T0 + 61
    assert_token_error(exchange(server, later), "invalid_grant")


@pytest.mark.spec("Code lifetime and reuse")
def test_default_code_lifetime_is_60_seconds() -> None:
    clock = Clock()
    server = make_server(clock)
    first = code_from(server.authorize(auth_params(), USER))
    second = code_from(server.authorize(auth_params(), USER))
    clock.now = T0 + 59.5
    assert exchange(server, first).status == 200
    clock.now = T0 + 60
    assert_token_error(exchange(server, second), "invalid_grant")


@pytest.mark.spec("Code lifetime and reuse")
def test_code_lifetime_counts_from_issue() -> None:
    clock = Clock(T0 + 1000)
    server = make_server(clock, code_lifetime=10)
    code = code_from(server.authorize(auth_params(), USER))
    clock.now = T0 + 1009
    assert exchange(server, code).status == 200


@pytest.mark.spec("Code lifetime and reuse")
def test_code_is_single_use_and_reuse_revokes_its_token() -> None:
    """RFC 6749 §4.1.2 / RFC 9700 §4.2.4: a code used twice is refused, and the tokens
    issued from it are revoked (the first exchange may have been the attacker's)."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    first = exchange(server, code)
    assert first.status == 200
    token = (first.body or {})["access_token"]
    assert server.introspect(token)["active"] is True
    assert_token_error(exchange(server, code), "invalid_grant")
    assert server.introspect(token) == {"active": False}, "reuse revokes the code's token"
    assert_token_error(exchange(server, code), "invalid_grant")


@pytest.mark.spec("Code lifetime and reuse")
def test_reuse_revokes_only_that_codes_tokens() -> None:
    server = make_server()
    one = code_from(server.authorize(auth_params(), USER))
    two = code_from(server.authorize(auth_params(), USER))
    token_one = (exchange(server, one).body or {})["access_token"]
    token_two = (exchange(server, two).body or {})["access_token"]
    assert_token_error(exchange(server, one), "invalid_grant")
    assert server.introspect(token_one) == {"active": False}
    assert server.introspect(token_two)["active"] is True


@pytest.mark.spec("Code lifetime and reuse")
def test_reuse_with_a_wrong_verifier_still_revokes() -> None:
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    token = (exchange(server, code).body or {})["access_token"]
    assert_token_error(exchange(server, code, verifier="x" * 43), "invalid_grant")
    assert server.introspect(token) == {"active": False}


@pytest.mark.spec("Code lifetime and reuse")
@pytest.mark.parametrize(
    ("overrides", "authorization", "error", "status"),
    [
        ({"code_verifier": None}, RFC6749_BASIC, "invalid_request", 400),
        ({"code_verifier": "short"}, RFC6749_BASIC, "invalid_request", 400),
        ({"grant_type": None}, RFC6749_BASIC, "invalid_request", 400),
        ({}, basic(CLIENT_ID, "wrong"), "invalid_client", 401),
    ],
    ids=["no-verifier", "malformed-verifier", "no-grant-type", "bad-client"],
)
def test_reuse_refused_before_the_code_is_read_revokes_nothing(
    overrides: dict, authorization: str, error: str, status: int
) -> None:
    """Steps 1–3 of Token requests come before the code is looked up: a request refused
    there never reaches the reuse rule, and the code's tokens stay active."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    token = (exchange(server, code).body or {})["access_token"]
    form = {k: v for k, v in {**token_form(code), **overrides}.items() if v is not None}
    assert_token_error(server.token(form, authorization), error, status)
    assert server.introspect(token)["active"] is True, (
        "a request refused before step 4 does not read the code: nothing is revoked"
    )


@pytest.mark.spec("Code lifetime and reuse")
def test_reuse_after_expiry_still_revokes() -> None:
    clock = Clock()
    server = make_server(clock)
    code = code_from(server.authorize(auth_params(), USER))
    token = (exchange(server, code).body or {})["access_token"]
    clock.now = T0 + 600
    assert_token_error(exchange(server, code), "invalid_grant")
    assert server.introspect(token) == {"active": False}


@pytest.mark.spec("Code lifetime and reuse")
def test_reuse_by_another_client_revokes_nothing() -> None:
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    token = (exchange(server, code).body or {})["access_token"]
    response = server.token(token_form(code), basic("other-client", "other-secret"))
    assert_token_error(response, "invalid_grant")
    assert server.introspect(token)["active"] is True


# --- Client authentication -----------------------------------------------------------


@pytest.mark.spec("Client authentication")
def test_rfc6749_basic_header_authenticates() -> None:
    """RFC 6749 §2.3.1's example header is client s6BhdRkqt3 with secret 7Fjfp0ZBr1KtDRbnfVdmIw."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    assert server.token(token_form(code), RFC6749_BASIC).status == 200


@pytest.mark.spec("Client authentication")
@pytest.mark.parametrize(
    "authorization",
    [
        RFC6749_BASIC.replace("Basic", "basic"),
        RFC6749_BASIC.replace("Basic", "BASIC"),
    ],
    ids=["lower", "upper"],
)
def test_basic_scheme_is_case_insensitive(authorization: str) -> None:
    """RFC 9110 §11.1: the authentication scheme is case-insensitive."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    assert server.token(token_form(code), authorization).status == 200


@pytest.mark.spec("Client authentication")
def test_client_secret_in_the_body() -> None:
    """RFC 6749 §2.3.1 also allows client_id and client_secret in the request body."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    form = token_form(code, client_id=CLIENT_ID, client_secret=SECRET)
    assert server.token(form).status == 200


@pytest.mark.spec("Client authentication")
def test_basic_credentials_are_form_urlencoded() -> None:
    """RFC 6749 §2.3.1: id and secret are encoded with application/x-www-form-urlencoded
    before Basic; a ':' or '%' in the secret arrives encoded."""
    odd_secret = "p@ss:w%rd+/ é"
    server = AuthorizationServer([Client("c:1", (CB,), odd_secret)], clock=Clock())
    code = code_from(server.authorize(auth_params(client_id="c:1"), USER))
    assert server.token(token_form(code), basic("c:1", odd_secret)).status == 200


@pytest.mark.spec("Client authentication")
def test_basic_plus_is_a_space() -> None:
    """application/x-www-form-urlencoded writes a space as '+' (urllib.parse.quote_plus), so
    a '+' in a Basic half is a space and a real '+' arrives as %2B: unquote_plus, not
    unquote."""
    secret = "correct horse+battery"
    server = AuthorizationServer([Client("shop app", (CB,), secret)], clock=Clock())
    code = code_from(server.authorize(auth_params(client_id="shop app"), USER))
    raw = f"{quote_plus('shop app')}:{quote_plus(secret)}".encode()
    assert raw == b"shop+app:correct+horse%2Bbattery"
    response = server.token(token_form(code), "Basic " + base64.b64encode(raw).decode())
    assert response.status == 200, (
        f"got {response.status} {response.body}: form-url-decode both halves with unquote_plus "
        "('+' is a space)"
    )


@pytest.mark.spec("Client authentication")
def test_client_id_in_the_body_must_match_basic() -> None:
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    for other in ("other-client", "zz-client"):
        response = server.token(token_form(code, client_id=other), RFC6749_BASIC)
        assert_token_error(response, "invalid_client", 401)
    assert server.token(token_form(code, client_id=CLIENT_ID), RFC6749_BASIC).status == 200


@pytest.mark.spec("Client authentication")
@pytest.mark.parametrize(
    ("authorization", "form_extra"),
    [
        (None, {}),
        (None, {"client_id": CLIENT_ID}),
        (None, {"client_id": CLIENT_ID, "client_secret": "wrong"}),
        (None, {"client_id": CLIENT_ID, "client_secret": SECRET[:-1]}),
        (None, {"client_id": "nobody", "client_secret": SECRET}),
        ("WRONG", {}),
        ("Bearer " + RFC6749_BASIC.split()[1], {}),
        ("Basic !!!not-base64", {}),
        ("Basic czZCaGRS!a3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3", {}),
        ("Apikey " + RFC6749_BASIC.split()[1], {}),
        ("Basic " + base64.b64encode(CLIENT_ID.encode()).decode(), {}),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), {}),
        (None, {"client_id": "other-client", "client_secret": SECRET}),
        (basic(CLIENT_ID, SECRET + "x"), {}),
        (basic(CLIENT_ID, ""), {}),
        (basic(PUBLIC_ID, "made-up"), {}),
    ],
    ids=[
        "nothing",
        "id-without-secret",
        "wrong-secret",
        "secret-prefix",
        "unknown-client",
        "not-a-scheme",
        "bearer-scheme",
        "bad-base64",
        "junk-in-base64",
        "other-scheme",
        "no-colon",
        "not-utf8",
        "other-clients-secret",
        "basic-wrong-secret",
        "basic-empty-secret",
        "public-client-with-secret",
    ],
)
def test_failed_client_authentication_is_401(
    authorization: str | None, form_extra: dict[str, str]
) -> None:
    """RFC 6749 §5.2: invalid_client, with 401 and a WWW-Authenticate challenge."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    response = server.token({**token_form(code), **form_extra}, authorization)
    assert_token_error(response, "invalid_client", 401)
    challenge = header(response, "WWW-Authenticate") or ""
    assert challenge.lower().startswith("basic"), "a 401 names the scheme: WWW-Authenticate"
    assert exchange(server, code).status == 200, "a failed request does not use up the code"


@pytest.mark.spec("Client authentication")
def test_two_authentication_methods_are_refused() -> None:
    """RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each
    request." """
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    form = token_form(code, client_id=CLIENT_ID, client_secret=SECRET)
    assert_token_error(server.token(form, RFC6749_BASIC), "invalid_request")


@pytest.mark.spec("Client authentication")
@pytest.mark.parametrize(
    "authorization",
    ["Bearer mF_9.B5f-4.1JqM", "Apikey " + RFC6749_BASIC.split()[1], "garbage"],
    ids=["bearer", "other-scheme", "no-scheme"],
)
def test_any_authorization_header_with_a_form_secret_is_two_methods(authorization: str) -> None:
    """RFC 6749 §2.3: one authentication method per request. An Authorization header of any
    scheme is one, so with client_secret in the form it is invalid_request, not
    invalid_client: the request is malformed before any credential is checked."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    form = token_form(code, client_id=CLIENT_ID, client_secret=SECRET)
    assert_token_error(server.token(form, authorization), "invalid_request")
    assert exchange(server, code).status == 200


@pytest.mark.spec("Client authentication")
def test_empty_client_secret_is_no_secret() -> None:
    """RFC 6749 §3.2: a parameter sent without a value is omitted — an empty client_secret
    beside Basic is not a second method."""
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    form = token_form(code, client_secret="")
    assert server.token(form, RFC6749_BASIC).status == 200


@pytest.mark.spec("Client authentication")
@pytest.mark.parametrize(
    ("authorization", "form_extra"),
    [
        (None, {"client_id": PUBLIC_ID, "client_secret": "made-up"}),
        (basic(PUBLIC_ID, "made-up"), {}),
        (basic(PUBLIC_ID, ""), {}),
        (basic(PUBLIC_ID, ""), {"client_id": PUBLIC_ID}),
    ],
    ids=["form-secret", "basic", "basic-empty-password", "basic-empty-password-and-id"],
)
def test_public_client_that_presents_a_secret_fails(
    authorization: str | None, form_extra: dict[str, str]
) -> None:
    """A public client has no secret to present: a client_secret in the form, or any Basic
    header — an empty password too — is invalid_client."""
    server = make_server()
    params = auth_params(client_id=PUBLIC_ID, redirect_uri=APP_CB)
    code = code_from(server.authorize(params, USER), APP_CB)
    form = {**token_form(code, redirect_uri=APP_CB), **form_extra}
    assert_token_error(server.token(form, authorization), "invalid_client", 401)
    ok = token_form(code, client_id=PUBLIC_ID, redirect_uri=APP_CB, client_secret="")
    assert server.token(ok).status == 200, "an empty client_secret is no secret (§3.2)"


@pytest.mark.spec("Client authentication")
def test_public_client_sends_only_its_id() -> None:
    """RFC 7636 §1: PKCE is what protects a public client's code; it has no secret."""
    server = make_server()
    params = auth_params(client_id=PUBLIC_ID, redirect_uri=APP_CB)
    code = code_from(server.authorize(params, USER), APP_CB)
    form = token_form(code, client_id=PUBLIC_ID, redirect_uri=APP_CB)
    response = server.token(form)
    assert response.status == 200, response.body
    info = server.introspect((response.body or {})["access_token"])
    assert info["client_id"] == PUBLIC_ID


@pytest.mark.spec("Client authentication")
def test_client_is_checked_before_the_grant() -> None:
    server = make_server()
    response = server.token({"grant_type": "password"}, basic(CLIENT_ID, "wrong"))
    assert_token_error(response, "invalid_client", 401)


@pytest.mark.spec("Client authentication")
@pytest.mark.parametrize("how", ["basic", "body"])
def test_client_secret_is_compared_in_constant_time(how: str) -> None:
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    guess = "7Fjfp0ZBr1KtDRbnfVdmIX"
    if how == "basic":
        form, authorization = token_form(code), basic(CLIENT_ID, guess)
    else:
        form = token_form(code, client_id=CLIENT_ID, client_secret=guess)
        authorization = None
    with spy_compare_digest(oauth_pkce) as spy:
        assert server.token(form, authorization).status == 401
    spy.assert_compared((SECRET, guess), what="the client secret")


# --- Token errors --------------------------------------------------------------------


@pytest.mark.spec("Token errors")
def test_error_responses_are_not_cached() -> None:
    """RFC 6749 §5.2 example: JSON, Cache-Control: no-store, Pragma: no-cache."""
    server = make_server()
    response = server.token({"grant_type": "authorization_code"}, RFC6749_BASIC)
    assert_token_error(response, "invalid_request")
    assert header(response, "Pragma") == "no-cache"
    assert header(response, "WWW-Authenticate") is None, "only a 401 carries a challenge"
    assert set(response.body or {}) <= {"error", "error_description", "error_uri"}


# --- Introspection -------------------------------------------------------------------


@pytest.mark.spec("Introspection")
def test_introspection_of_an_active_token() -> None:
    """RFC 7662 §2.2: active, with client_id, sub, exp and token_type."""
    clock = Clock()
    server = make_server(clock, token_lifetime=900)
    code = code_from(server.authorize(auth_params(), USER))
    clock.now = T0 + 10
    response = exchange(server, code)
    assert (response.body or {})["expires_in"] == 900
    token = (response.body or {})["access_token"]
    assert server.introspect(token) == {
        "active": True,
        "client_id": CLIENT_ID,
        "sub": USER,
        "exp": T0 + 10 + 900,
        "token_type": "Bearer",
    }


@pytest.mark.spec("Introspection")
def test_token_expires() -> None:
    clock = Clock()
    server = make_server(clock, token_lifetime=900)
    token = (exchange(server, code_from(server.authorize(auth_params(), USER))).body or {})[
        "access_token"
    ]
    clock.now = T0 + 899.5
    assert server.introspect(token)["active"] is True
    clock.now = T0 + 900
    assert server.introspect(token) == {"active": False}
    clock.now = T0 + 5000
    assert server.introspect(token) == {"active": False}


@pytest.mark.spec("Introspection")
@pytest.mark.parametrize("token", ["", "nope", RFC7636_VERIFIER])
def test_unknown_tokens_are_inactive(token: str) -> None:
    assert make_server().introspect(token) == {"active": False}


@pytest.mark.spec("Introspection")
def test_a_code_is_not_an_access_token() -> None:
    server = make_server()
    code = code_from(server.authorize(auth_params(), USER))
    assert server.introspect(code) == {"active": False}


# --- Examples ------------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_two_users_two_codes() -> None:
    server = make_server()
    alice = code_from(server.authorize(auth_params(), "alice"))
    verifier_b = "b" * 60
    bob = code_from(server.authorize(auth_params(code_challenge=challenge_of(verifier_b)), "bob"))
    assert_token_error(exchange(server, bob), "invalid_grant")  # alice's verifier
    token_b = (exchange(server, bob, verifier=verifier_b).body or {})["access_token"]
    token_a = (exchange(server, alice).body or {})["access_token"]
    assert server.introspect(token_a)["sub"] == "alice"
    assert server.introspect(token_b)["sub"] == "bob"
