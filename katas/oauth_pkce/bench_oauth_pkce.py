"""Timing workload for the OAuth 2.0 + PKCE kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: on a fresh server each time, n authorization
requests, n code-for-token exchanges (one SHA-256 and two constant-time
comparisons each) and n introspections. Each round trip is O(1), so the total
grows linearly in n.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

_CB = "https://client.example.com/cb"
_BASIC = "Basic " + base64.b64encode(b"bench-client:bench-secret-0123456789").decode()


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    verifiers = [f"{i:043d}-verifier" for i in range(n)]
    challenges = [
        base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).decode().rstrip("=")
        for v in verifiers
    ]
    client = module.Client("bench-client", (_CB,), "bench-secret-0123456789")

    def run() -> None:
        server = module.AuthorizationServer([client], clock=lambda: 1_700_000_000.0)
        for i, (verifier, challenge) in enumerate(zip(verifiers, challenges)):
            params = {
                "response_type": "code",
                "client_id": "bench-client",
                "redirect_uri": _CB,
                "state": f"s{i}",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
            location = server.authorize(params, f"user{i}").headers["Location"]
            code = parse_qs(urlsplit(location).query)["code"][0]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": _CB,
                "code_verifier": verifier,
            }
            token = server.token(form, _BASIC).body["access_token"]
            server.introspect(token)

    return run
