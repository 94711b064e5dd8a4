"""Tests of the Redis harnesses in grader/kata_support.py.

They run on the kata fixture's client: fakeredis by default, a real server
when REDIS_URL is set (the CI runs them against redis-server too).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.exceptions import ResponseError, WatchError

from grader import kata_plugin
from grader.kata_support import RedisRecorder, expire_now, run_threads

redis = kata_plugin.redis  # the kata fixture: fakeredis, or the server at REDIS_URL

COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def words(rec: RedisRecorder) -> list[str]:
    return [str(c) for c in rec.commands]


# -- Recording ------------------------------------------------------------------


def test_the_recording_client_is_the_same_kind_of_client_on_the_same_data(redis: Any) -> None:
    rec = RedisRecorder(redis)
    assert isinstance(rec.client, type(redis))
    rec.client.set("k", "v")
    assert redis.get("k") == "v"
    redis.set("other", "1")
    assert rec.client.get("other") == "1"


def test_single_commands_are_recorded_with_their_arguments(redis: Any) -> None:
    rec = RedisRecorder(redis)
    assert rec.client.set("lock", "me", nx=True, px=5000) is True
    rec.client.zadd("board", {"ada": 5}, gt=True)
    assert rec.client.get("lock") == "me"
    assert words(rec) == ["SET lock me NX PX 5000", "ZADD board GT 5 ada", "GET lock"]
    first = rec.commands[0]
    assert first.has("NX", "PX") and not first.has("EX")
    assert (first.step, first.transaction, first.script) == (1, False, None)
    assert rec.steps == 3
    assert [c.name for c in rec.named("get", "ZADD")] == ["ZADD", "GET"]
    assert [str(c) for c in rec.writes_to("board")] == ["ZADD board GT 5 ada"]


def test_clear_forgets_commands_but_not_the_step_count(redis: Any) -> None:
    rec = RedisRecorder(redis)
    rec.client.set("a", 1)
    rec.clear()
    rec.client.get("a")
    assert words(rec) == ["GET a"]
    assert rec.commands[0].step == 2


def test_the_test_clients_own_commands_are_not_recorded(redis: Any) -> None:
    rec = RedisRecorder(redis)
    redis.set("a", 1)
    with rec.quiet():
        rec.client.get("a")
    assert rec.commands == []


def test_a_transaction_is_one_round_trip(redis: Any) -> None:
    rec = RedisRecorder(redis)
    pipe = rec.client.pipeline()
    pipe.incr("n")
    pipe.pexpire("n", 1000)
    assert pipe.execute() == [1, True]
    assert words(rec) == ["INCRBY n 1", "PEXPIRE n 1000"]
    assert {(c.step, c.transaction) for c in rec.commands} == {(1, True)}
    assert rec.steps == 1


def test_a_pipeline_without_transaction_is_separate_round_trips(redis: Any) -> None:
    rec = RedisRecorder(redis)
    redis.set("text", "x")
    pipe = rec.client.pipeline(transaction=False)
    pipe.incr("n").incr("n").get("n")
    assert pipe.execute() == [1, 2, "2"]
    assert [(c.name, c.step, c.transaction) for c in rec.commands] == [
        ("INCRBY", 1, False),
        ("INCRBY", 2, False),
        ("GET", 3, False),
    ]
    pipe.incr("text").incr("n")
    with pytest.raises(ResponseError):
        pipe.execute()
    assert redis.get("n") == "3", "the commands after a failing one still run"
    pipe.incr("text").incr("n")
    results = pipe.execute(raise_on_error=False)
    assert isinstance(results[0], ResponseError) and results[1] == 4


def test_watch_and_reads_while_watching_go_out_one_at_a_time(redis: Any) -> None:
    rec = RedisRecorder(redis)
    redis.set("n", 5)
    with rec.client.pipeline() as pipe:
        pipe.watch("n")
        current = int(pipe.get("n"))
        pipe.multi()
        pipe.set("n", current + 1)
        assert pipe.execute() == [True]
    assert redis.get("n") == "6"
    assert [(c.name, c.step, c.transaction) for c in rec.commands] == [
        ("WATCH", 1, False),
        ("GET", 2, False),
        ("SET", 3, True),
    ]


def test_registered_scripts_are_recorded_with_their_source(redis: Any) -> None:
    redis.script_flush()  # a fresh server: the script is not cached yet
    rec = RedisRecorder(redis)
    release = rec.client.register_script(COMPARE_AND_DELETE)
    redis.set("lock", "me")
    assert release(keys=["lock"], args=["me"]) == 1
    assert redis.exists("lock") == 0
    assert [c.name for c in rec.commands] == ["EVALSHA"], "no NOSCRIPT retry is recorded"
    (call,) = rec.commands
    assert call.script == COMPARE_AND_DELETE
    assert call.args[1:] == ("1", "lock", "me")


def test_eval_and_evalsha_are_recorded_with_their_source(redis: Any) -> None:
    rec = RedisRecorder(redis)
    assert rec.client.eval("return ARGV[1]", 0, "hi") == "hi"
    sha = rec.client.script_load("return 7")
    assert rec.client.evalsha(sha, 0) == 7
    scripts = [(c.name, c.script) for c in rec.commands]
    assert scripts == [("EVAL", "return ARGV[1]"), ("SCRIPT", None), ("EVALSHA", "return 7")]


def test_scripts_queued_in_a_transaction(redis: Any) -> None:
    redis.script_flush()
    rec = RedisRecorder(redis)
    script = rec.client.register_script("return redis.call('INCR', KEYS[1])")
    with rec.client.pipeline() as pipe:
        script(keys=["n"], client=pipe)
        pipe.get("n")
        assert pipe.execute() == [1, "1"]
    assert [(c.name, c.transaction) for c in rec.commands] == [("EVALSHA", True), ("GET", True)]
    assert rec.commands[0].script is not None


def test_commands_from_threads_are_all_recorded(redis: Any) -> None:
    rec = RedisRecorder(redis)
    run_threads([lambda: [rec.client.incr("n") for _ in range(25)]] * 4)
    assert redis.get("n") == "100"
    assert len(rec.named("INCRBY")) == 100
    assert sorted(c.step for c in rec.commands) == list(range(1, 101))


# -- Hooks ----------------------------------------------------------------------


def test_a_hook_runs_after_the_nth_round_trip_before_the_next(redis: Any) -> None:
    rec = RedisRecorder(redis)
    rec.client.get("warm-up")
    seen = []
    hook = rec.after(2, lambda: seen.append(redis.get("n")) or redis.incrby("n", 100))
    rec.client.incr("n")
    assert hook.fired == 0
    rec.client.incr("n")
    assert hook.fired == 1 and seen == ["2"]
    assert rec.client.incr("n") == 103, "the code under test sees what the hook did"
    rec.client.incr("n")
    assert hook.fired == 1, "a hook runs once unless told otherwise"


def test_a_hook_runs_after_a_matching_command(redis: Any) -> None:
    rec = RedisRecorder(redis)
    fired_at: list[int] = []
    hook = rec.after(lambda c: c.name == "SET", lambda: fired_at.append(rec.steps), times=2)
    for command in ("GET", "SET", "GET", "SET", "SET"):
        rec.client.execute_command(command, "k", *(["v"] if command == "SET" else []))
    assert fired_at == [2, 4] and hook.fired == 2


def test_a_predicate_may_look_at_the_server(redis: Any) -> None:
    rec = RedisRecorder(redis)
    hook = rec.after(lambda _: redis.exists("flag") == 1, lambda: redis.set("seen", 1))
    rec.client.get("flag")
    assert hook.fired == 0
    rec.client.set("flag", 1)
    assert hook.fired == 1 and redis.get("seen") == "1"


def test_a_hook_never_runs_inside_a_transaction(redis: Any) -> None:
    rec = RedisRecorder(redis)
    hook = rec.after(1, lambda: redis.set("n", 50))
    pipe = rec.client.pipeline()
    pipe.incr("n").incr("n")
    assert pipe.execute() == [1, 2], "MULTI ... EXEC runs as a whole, the hook after it"
    assert hook.fired == 1 and redis.get("n") == "50"


def test_a_hook_runs_between_the_commands_of_a_plain_pipeline(redis: Any) -> None:
    rec = RedisRecorder(redis)
    rec.after(1, lambda: redis.set("n", 50))
    pipe = rec.client.pipeline(transaction=False)
    pipe.incr("n").incr("n")
    assert pipe.execute() == [1, 51]


def test_a_hook_loses_a_watch_race_every_time(redis: Any) -> None:
    """A write by another client after WATCH makes EXEC fail (redis.io, Transactions)."""
    rec = RedisRecorder(redis)
    redis.set("n", 1)
    rec.after(lambda c: c.name == "WATCH", lambda: redis.incr("n"))
    with rec.client.pipeline() as pipe, pytest.raises(WatchError):
        pipe.watch("n")
        value = int(pipe.get("n"))
        pipe.multi()
        pipe.set("n", value * 10)
        pipe.execute()
    assert redis.get("n") == "2"

    # redis-py's transaction() helper retries: the second attempt wins.
    rec.after(lambda c: c.name == "WATCH", lambda: redis.incr("n"))

    def times_ten(pipe: Any) -> None:
        value = int(pipe.get("n"))
        pipe.multi()
        pipe.set("n", value * 10)

    rec.client.transaction(times_ten, "n")
    assert redis.get("n") == "30"
    assert len(rec.named("WATCH")) == 3


def test_the_hooks_own_use_of_the_recording_client_is_not_recorded(redis: Any) -> None:
    rec = RedisRecorder(redis)
    rec.after(1, lambda: rec.client.set("by-hook", 1))
    rec.client.get("a")
    assert words(rec) == ["GET a"] and redis.get("by-hook") == "1"


def test_a_hook_error_reaches_the_caller_and_is_kept(redis: Any) -> None:
    rec = RedisRecorder(redis)

    def fail() -> None:
        raise AssertionError("the hook found a broken invariant")

    hook = rec.after(1, fail)
    with pytest.raises(AssertionError, match="broken invariant"):
        rec.client.get("a")
    assert isinstance(hook.error, AssertionError)


def test_hooks_run_in_the_thread_that_made_the_round_trip(redis: Any) -> None:
    rec = RedisRecorder(redis)
    threads = []
    rec.after(1, lambda: threads.append(threading.current_thread()))
    worker = threading.Thread(target=lambda: rec.client.get("a"))
    worker.start()
    worker.join()
    assert threads == [worker]


# -- Steal ----------------------------------------------------------------------


def take_with(redis: Any, owner: str) -> Any:
    return lambda: redis.set("lock", owner, nx=True, px=5000)


def test_expire_now_lets_a_key_run_out(redis: Any) -> None:
    redis.set("k", 1, px=60_000)
    expire_now(redis, "k")
    assert redis.exists("k") == 0
    expire_now(redis, "absent")  # nothing to expire: fine


def test_steal_breaks_a_get_then_del_release_every_time(redis: Any) -> None:
    rec = RedisRecorder(redis)
    for _ in range(5):
        redis.set("lock", "me", px=5000)
        hook = rec.steal("lock", take=take_with(redis, "thief"), when=1)
        if rec.client.get("lock") == "me":  # check...
            rec.client.delete("lock")  # ...then act: the lock is the thief's by now
        assert hook.fired == 1
        assert redis.exists("lock") == 0, "the harness makes the check-then-act race happen"


def test_steal_after_an_atomic_release_leaves_the_thief_its_lock(redis: Any) -> None:
    rec = RedisRecorder(redis)
    release = rec.client.register_script(COMPARE_AND_DELETE)
    redis.set("lock", "me", px=5000)
    hook = rec.steal("lock", take=take_with(redis, "thief"), when=1)
    assert release(keys=["lock"], args=["me"]) == 1
    assert hook.fired == 1
    assert redis.get("lock") == "thief"


def test_steal_fails_when_the_other_client_cannot_take_the_key(redis: Any) -> None:
    rec = RedisRecorder(redis)
    hook = rec.steal("lock", take=lambda: False, when=1)
    with pytest.raises(AssertionError, match="could not take 'lock'"):
        rec.client.get("lock")
    assert hook.error is not None


@pytest.fixture
def redis_server_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port (CI installs it; needed there)."""
    import shutil
    import socket
    import subprocess
    import time

    if shutil.which("redis-server") is None:
        if os.environ.get("KATA_REQUIRE_SANDBOX"):  # set by CI, where nothing may be skipped
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis as redis_py

    for _ in range(100):
        try:
            redis_py.Redis.from_url(url).ping()
            break
        except redis_py.ConnectionError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait()


def test_each_test_claims_a_database_of_its_own(redis_server_url: str) -> None:
    """Runs sharing a server (learner and reference side by side) never flush each other."""
    first, release_first = kata_plugin._claim_database(redis_server_url)
    second, release_second = kata_plugin._claim_database(redis_server_url)
    dbs = {c.connection_pool.connection_kwargs["db"] for c in (first, second)}
    assert len(dbs) == 2 and 0 not in dbs, f"two claims, two databases, never the URL's: {dbs}"
    first.set("k", "v")
    second.flushdb()
    assert first.get("k") == "v", "flushing one test's database emptied another's"
    release_first()
    third, release_third = kata_plugin._claim_database(redis_server_url)
    assert (
        third.connection_pool.connection_kwargs["db"]
        == first.connection_pool.connection_kwargs["db"]
    )
    release_second()
    release_third()
