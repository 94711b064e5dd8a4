"""Tests for the idempotency keys kata.

Status codes follow the Error Scenarios of draft-ietf-httpapi-idempotency-key-header
(400 missing key, 409 request outstanding, 422 key reused with another
payload); error bodies are RFC 9457 problem details. The ``charge`` callable
is a fake bank that counts its calls, so "charged at most once" is checked
directly. Concurrency tests run requests from threads, each with its own
TestClient on the shared app, and make ``charge`` block on a
``threading.Event`` so that a request is reliably in flight; the race
between looking a key up and claiming it is forced with
``check_interleavings``, which runs the second request at every point of the
first where the app's lock is not held.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import idempotency_keys
from grader.kata_support import Outcome, check_interleavings, problem_details
from idempotency_keys import create_app

BODY = {"amount": 100, "currency": "EUR"}
WAIT = 1.0  # seconds a test waits for another thread before declaring it stuck


class Bank:
    """A fake ``charge``: records every call; can block or fail on demand."""

    def __init__(self, block: bool = False, failures: int = 0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.block = block  # block every call until ``release`` is set
        self.failures = failures  # the first ``failures`` calls raise
        self.entered = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append(body)
            n = len(self.calls)
        self.entered.set()
        if self.block:
            self.release.wait(5)
        if n <= self.failures:
            raise RuntimeError("the bank is unavailable")
        return {
            "id": f"ch_{n}",
            "amount": body.get("amount"),
            "currency": body.get("currency"),
            "status": "succeeded",
        }


def post(client: TestClient, key: str | None, body: Any = BODY, *, raw: bytes | None = None):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    content = raw if raw is not None else json.dumps(body).encode()
    return client.post("/payments", content=content, headers=headers)


def post_in_thread(app: FastAPI, key: str, body: Any = BODY) -> tuple[threading.Thread, dict]:
    """Start a request in a daemon thread; its response lands in the returned dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["response"] = post(TestClient(app), key, body)
        except BaseException as exc:  # surfaced by the test's assertions
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def response_of(thread: threading.Thread, out: dict, what: str):
    thread.join(WAIT)
    assert not thread.is_alive(), f"{what} did not finish: is it waiting for another request?"
    assert "error" not in out, f"{what} raised {out.get('error')!r}"
    return out["response"]


def assert_problem(response, status: int) -> None:
    problem = problem_details(response, status)
    for member in ("type", "title", "detail"):
        assert isinstance(problem.get(member), str), f"the problem needs a {member!r} string"


# --- Idempotency-Key header ----------------------------------------------------


@pytest.mark.spec("Idempotency-Key header")
def test_missing_key_is_a_400_problem_and_charges_nothing() -> None:
    bank = Bank()
    response = post(TestClient(create_app(bank)), None)
    assert_problem(response, 400)
    assert bank.calls == [], "charge must not be called without an Idempotency-Key"


@pytest.mark.spec("Idempotency-Key header")
def test_empty_key_is_a_400_problem() -> None:
    bank = Bank()
    assert_problem(post(TestClient(create_app(bank)), ""), 400)
    assert bank.calls == []


@pytest.mark.spec("Idempotency-Key header")
@pytest.mark.parametrize(
    "raw", [b"not json", b'[100, "EUR"]', b"42", b""], ids=["not-json", "list", "number", "empty"]
)
def test_body_must_be_a_json_object(raw: bytes) -> None:
    bank = Bank()
    client = TestClient(create_app(bank))
    assert_problem(post(client, '"k-body"', raw=raw), 400)
    assert bank.calls == []
    response = post(client, '"k-body"')
    assert response.status_code == 201, "a rejected body must not use up the key"


@pytest.mark.spec("Idempotency-Key header")
def test_keys_are_compared_exactly() -> None:
    bank = Bank()
    client = TestClient(create_app(bank))
    for key in ('"abc"', '"ABC"', "abc"):
        assert post(client, key).status_code == 201
    assert len(bank.calls) == 3, "keys are opaque strings: different bytes, different keys"


# --- API / first request -------------------------------------------------------


@pytest.mark.spec("API")
def test_first_request_charges_once_and_answers_201() -> None:
    bank = Bank()
    response = post(TestClient(create_app(bank)), '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "id": "ch_1",
        "amount": 100,
        "currency": "EUR",
        "status": "succeeded",
    }
    assert bank.calls == [BODY], "charge receives the parsed request body"


# --- Replay --------------------------------------------------------------------


@pytest.mark.spec("Replay")
def test_retries_replay_the_first_response_without_charging() -> None:
    bank = Bank()
    client = TestClient(create_app(bank))
    first = post(client, '"k-1"')
    for _ in range(3):
        again = post(client, '"k-1"')
        assert again.status_code == first.status_code == 201
        assert again.content == first.content, "a replay returns the very same body"
    assert len(bank.calls) == 1, "a retry must never charge again"


@pytest.mark.spec("Replay")
def test_different_keys_charge_separately() -> None:
    bank = Bank()
    client = TestClient(create_app(bank))
    a = post(client, '"k-a"')
    b = post(client, '"k-b"')
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert len(bank.calls) == 2


@pytest.mark.spec("Replay")
def test_each_app_has_its_own_store() -> None:
    bank = Bank()
    assert post(TestClient(create_app(bank)), '"k-1"').status_code == 201
    assert post(TestClient(create_app(bank)), '"k-1"').status_code == 201
    assert len(bank.calls) == 2, "the store belongs to the app, not to the module"


# --- Fingerprint ---------------------------------------------------------------


@pytest.mark.spec("Fingerprint")
@pytest.mark.parametrize(
    "raw",
    [
        b'{"currency":"EUR","amount":100}',
        b'{ "amount" : 100 ,\n  "currency" : "EUR" }',
        b'{"currency": "EUR",    "amount": 100}',
    ],
    ids=["key-order", "whitespace", "both"],
)
def test_key_order_and_whitespace_do_not_change_the_fingerprint(raw: bytes) -> None:
    bank = Bank()
    client = TestClient(create_app(bank))
    first = post(client, '"k-1"', raw=b'{"amount":100,"currency":"EUR"}')
    again = post(client, '"k-1"', raw=raw)
    assert again.status_code == 201, (
        "the same JSON object serialised differently is the same request: fingerprint the "
        f"canonical JSON, not the raw bytes (got {again.status_code})"
    )
    assert again.content == first.content
    assert len(bank.calls) == 1


@pytest.mark.spec("Fingerprint")
@pytest.mark.parametrize(
    "other",
    [
        {"amount": 999, "currency": "EUR"},
        {"amount": 100, "currency": "USD"},
        {"amount": 100, "currency": "EUR", "note": "extra field"},
        {"amount": 100},
    ],
    ids=["amount", "currency", "extra-field", "missing-field"],
)
def test_same_key_with_another_body_is_a_422_problem(other: dict) -> None:
    bank = Bank()
    client = TestClient(create_app(bank))
    first = post(client, '"k-1"')
    assert_problem(post(client, '"k-1"', other), 422)
    assert len(bank.calls) == 1, "a reused key must not charge"
    again = post(client, '"k-1"')
    assert (again.status_code, again.content) == (201, first.content), (
        "a rejected reuse must not replace the key's stored response"
    )


@pytest.mark.spec("Fingerprint")
def test_nested_objects_are_canonicalised_too() -> None:
    """The canonical JSON sorts the keys of nested objects as well (json.dumps with
    sort_keys=True sorts at every depth); array order is part of the request."""
    bank = Bank()
    client = TestClient(create_app(bank))
    first = post(
        client,
        '"k-nested"',
        raw=b'{"amount":100,"meta":{"order":"o-1","customer":{"id":7,"tier":"gold"}}}',
    )
    assert first.status_code == 201
    again = post(
        client,
        '"k-nested"',
        raw=b'{"meta":{"customer":{"tier":"gold","id":7},"order":"o-1"},"amount":100}',
    )
    assert (again.status_code, again.content) == (201, first.content), (
        "nested keys in another order are the same request: canonicalise at every depth"
    )
    other = {"amount": 100, "meta": {"order": "o-1", "customer": {"id": 8, "tier": "gold"}}}
    assert_problem(post(client, '"k-nested"', other), 422)
    assert len(bank.calls) == 1
    post(client, '"k-list"', {"amount": 1, "items": ["a", "b"]})
    assert_problem(post(client, '"k-list"', {"amount": 1, "items": ["b", "a"]}), 422)


# --- Concurrency ---------------------------------------------------------------


@pytest.mark.spec("Concurrency")
def test_duplicate_of_an_in_flight_request_gets_409_at_once() -> None:
    bank = Bank(block=True)
    app = create_app(bank)
    first_thread, first_out = post_in_thread(app, '"k-1"')
    try:
        assert bank.entered.wait(WAIT), "the first request did not call charge"
        for i in range(3):
            thread, out = post_in_thread(app, '"k-1"')
            duplicate = response_of(thread, out, f"duplicate #{i + 1}")
            assert_problem(duplicate, 409)
        assert len(bank.calls) == 1, "a duplicate of an in-flight request must not charge"
    finally:
        bank.release.set()
    first = response_of(first_thread, first_out, "the first request")
    assert first.status_code == 201
    replay = post(TestClient(app), '"k-1"')
    assert (replay.status_code, replay.content) == (201, first.content), (
        "once the first request has finished, a retry gets its response"
    )
    assert len(bank.calls) == 1


@pytest.mark.spec("Concurrency")
def test_in_flight_key_with_another_body_is_422() -> None:
    bank = Bank(block=True)
    app = create_app(bank)
    first_thread, first_out = post_in_thread(app, '"k-1"')
    try:
        assert bank.entered.wait(WAIT)
        thread, out = post_in_thread(app, '"k-1"', {"amount": 5, "currency": "EUR"})
        assert_problem(response_of(thread, out, "the mismatched request"), 422)
    finally:
        bank.release.set()
    assert response_of(first_thread, first_out, "the first request").status_code == 201
    assert len(bank.calls) == 1


@pytest.mark.spec("Concurrency")
def test_other_keys_are_not_held_up_by_an_in_flight_request() -> None:
    bank = Bank(block=True)
    app = create_app(bank)
    first_thread, first_out = post_in_thread(app, '"k-slow"')
    try:
        assert bank.entered.wait(WAIT)
        bank.block = False  # later calls return at once
        thread, out = post_in_thread(app, '"k-fast"')
        other = response_of(thread, out, "a request with another key")
        assert other.status_code == 201, "do not hold the lock while charge runs"
    finally:
        bank.release.set()
    assert response_of(first_thread, first_out, "the first request").status_code == 201
    assert len(bank.calls) == 2


@pytest.mark.spec("Concurrency")
@pytest.mark.weight(2)
def test_looking_up_and_claiming_a_key_is_one_step() -> None:
    """Two requests with one key race; the second is run at every point of the first where
    the lock is not held. Whatever the point, charge runs once: the second request either
    finds the key in flight (409), or finished (the replay), or claims it first itself."""

    def setup() -> tuple[FastAPI, Bank]:
        bank = Bank()
        return create_app(bank), bank

    def request(state: tuple[FastAPI, Bank]) -> Any:
        return post(TestClient(state[0]), '"k-race"')

    def check(state: tuple[FastAPI, Bank], first: Outcome, second: Outcome) -> None:
        bank = state[1]
        responses = [first.get(), second.get()]
        assert len(bank.calls) == 1, f"two requests with one key charged {len(bank.calls)} times"
        statuses = sorted(r.status_code for r in responses)
        assert statuses in ([201, 201], [201, 409]), statuses
        if statuses == [201, 201]:
            assert responses[0].content == responses[1].content, "the replay is the same body"

    check_interleavings(idempotency_keys, setup, request, request, check)


@pytest.mark.spec("Concurrency")
def test_simultaneous_duplicates_charge_exactly_once() -> None:
    bank = Bank(block=True)
    app = create_app(bank)
    clients = [TestClient(app) for _ in range(4)]
    start = threading.Barrier(len(clients))
    responses: list[Any] = [None] * len(clients)

    def run(i: int) -> None:
        start.wait(WAIT)
        responses[i] = post(clients[i], '"k-race"')

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    try:
        assert bank.entered.wait(WAIT), "no request called charge"
        deadline = time.monotonic() + WAIT
        while sum(t.is_alive() for t in threads) > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        still_running = sum(t.is_alive() for t in threads)
        assert still_running == 1, (
            f"{still_running} requests with the same key are still running: the duplicates "
            "must get 409 at once, and only one request may be inside charge"
        )
    finally:
        bank.release.set()
        for thread in threads:
            thread.join(WAIT)
    statuses = sorted(r.status_code for r in responses if r is not None)
    assert statuses == [201, 409, 409, 409], statuses
    assert len(bank.calls) == 1


# --- Failures ------------------------------------------------------------------


@pytest.mark.spec("Failures")
def test_failed_charge_is_a_500_problem_and_releases_the_key() -> None:
    bank = Bank(failures=1)
    client = TestClient(create_app(bank))
    assert_problem(post(client, '"k-1"'), 500)
    retry = post(client, '"k-1"')
    assert retry.status_code == 201, (
        f"after a failed charge the key is released and a retry charges (got {retry.status_code})"
    )
    assert len(bank.calls) == 2
    replay = post(client, '"k-1"')
    assert (replay.status_code, replay.content) == (201, retry.content)
    assert len(bank.calls) == 2


# --- Errors --------------------------------------------------------------------


@pytest.mark.spec("Errors")
def test_error_responses_are_problem_details() -> None:
    bank = Bank(failures=1)
    client = TestClient(create_app(bank))
    assert_problem(post(client, None), 400)
    assert_problem(post(client, '"k-e"'), 500)
    assert post(client, '"k-e"').status_code == 201
    assert_problem(post(client, '"k-e"', {"amount": 1}), 422)


# RFC 9110 §15: the reason phrases. 422 is "Unprocessable Content" in RFC 9110 §15.5.21;
# RFC 4918 §11.2 (and Python's http.HTTPStatus before 3.13) calls it "Unprocessable Entity".
PHRASES = {
    400: {"Bad Request"},
    409: {"Conflict"},
    422: {"Unprocessable Content", "Unprocessable Entity"},
    500: {"Internal Server Error"},
}


@pytest.mark.spec("Errors")
def test_about_blank_problems_are_titled_with_the_status_phrase() -> None:
    """RFC 9457 §4.2.1: with "type": "about:blank" the title SHOULD be the status code's
    phrase; a title of one's own (the draft's) comes with a type URI of one's own."""
    bank = Bank(block=True, failures=1)
    app = create_app(bank)
    client = TestClient(app)
    in_flight, out = post_in_thread(app, '"k-slow"')
    try:
        assert bank.entered.wait(WAIT)
        problems = [post(client, '"k-slow"')]  # 409
    finally:
        bank.release.set()
    assert response_of(in_flight, out, "the first request").status_code == 500
    bank.block = False
    assert post(client, '"k-e"').status_code == 201
    problems += [
        post(client, None),  # 400, no key
        post(client, '"k-body"', raw=b"[]"),  # 400, not an object
        post(client, '"k-e"', {"amount": 1}),  # 422
    ]
    bank.failures = 3
    problems.append(post(client, '"k-fails"'))  # 500
    statuses = [r.status_code for r in problems]
    assert statuses == [409, 400, 400, 422, 500], statuses
    for response in problems:
        problem = problem_details(response, response.status_code)
        if problem.get("type") == "about:blank":
            assert problem.get("title") in PHRASES[response.status_code], (
                f"an about:blank problem's title is the status phrase: {problem}"
            )
        else:
            assert isinstance(problem.get("type"), str) and problem["type"], problem
