"""Tests for the dependency injection container kata.

This module uses ``from __future__ import annotations`` on purpose: every
annotation below is a string, so autowiring only works if the container
evaluates them with ``typing.get_type_hints``. The services are defined at
module level so that their string annotations can be evaluated.

Lifetimes and the captive-dependency rule follow the .NET dependency
injection documentation (learn.microsoft.com, "Service lifetimes" and
"Captive dependency"); scope propagation follows the documented semantics of
contextvars and asyncio.create_task (a task runs in a copy of the current
context). The race on a singleton's first creation is forced with
``check_interleavings``: the second resolution runs at every point of the
first where the container's lock is not held.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import pytest

import di_container
from di_container import (
    CircularDependencyError,
    Container,
    ResolutionError,
    ScopeError,
)
from grader.kata_support import Outcome, check_interleavings

# --- services ----------------------------------------------------------------


class Config:
    def __init__(self) -> None:
        self.url = "sqlite:///:memory:"


class Database:
    def __init__(self, config: Config) -> None:
        self.config = config


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db


class UserService:
    def __init__(self, repo: UserRepository, config: Config) -> None:
        self.repo = repo
        self.config = config


@dataclass
class Handler:
    service: UserService
    name: str = "users"


class Clock:
    pass


SYSTEM_CLOCK = Clock()


class Mailer:
    def __init__(self, config: Config, host: str = "localhost", clock: Clock = SYSTEM_CLOCK):
        self.config = config
        self.host = host
        self.clock = clock


class NeedsSecret:
    def __init__(self, config: Config, secret: str) -> None:
        self.secret = secret


class Untyped:
    def __init__(self, thing) -> None:  # type: ignore[no-untyped-def]
        self.thing = thing


class Repository(Protocol):
    def get(self, user_id: int) -> str: ...


class SqlRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, user_id: int) -> str:
        return f"user {user_id}"


class Session:
    def __init__(self, db: Database) -> None:
        self.db = db


class RequestHandler:
    def __init__(self, session: Session) -> None:
        self.session = session


class Cache:
    """Registered as a singleton that (wrongly) needs a scoped Session via a transient."""

    def __init__(self, handler: RequestHandler) -> None:
        self.handler = handler


class CycleA:
    def __init__(self, b: CycleB) -> None: ...


class CycleB:
    def __init__(self, a: CycleA) -> None: ...


class EntersCycle:
    def __init__(self, a: CycleA) -> None: ...


class SelfLoop:
    def __init__(self, me: SelfLoop) -> None: ...


class CycleX:
    def __init__(self, y: CycleY) -> None: ...


class CycleY:
    def __init__(self, z: CycleZ) -> None: ...


class CycleZ:
    def __init__(self, x: CycleX) -> None: ...


class Gear:
    """Never registered."""


class Clockwork:
    def __init__(self, config: Config, gear: Gear) -> None:
        self.gear = gear


class Unevaluable:
    def __init__(self, part: NoSuchClass) -> None:  # type: ignore[name-defined]  # noqa: F821
        self.part = part


class Agreeable(Config):
    """Equal to everything, like unittest.mock.ANY: a cache must compare with ``is``."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


AGREEABLE = Agreeable()


class AgreeableDatabase(Database):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class Tolerant:
    def __init__(self, config: Config, policy: Agreeable = AGREEABLE) -> None:
        self.policy = policy


def make_database_positionally(config: Config, /) -> Database:
    return Database(config)


class KeywordsAfterArgs:
    def __init__(self, *args: Config, config: Config, **options: Config) -> None:
        self.config, self.args, self.options = config, args, options


def make_repository(db: Database) -> SqlRepository:
    """A plain function factory: its parameters are autowired like a constructor's."""
    return SqlRepository(db)


def app_container() -> Container:
    container = Container()
    container.register(Config, Config, lifetime="singleton")
    container.register(Database, Database, lifetime="singleton")
    container.register(UserRepository, UserRepository)
    container.register(UserService, UserService)
    container.register(Session, Session, lifetime="scoped")
    container.register(RequestHandler, RequestHandler)
    return container


# --- lifetimes ---------------------------------------------------------------


@pytest.mark.spec("Lifetimes")
def test_transient_is_new_every_time() -> None:
    container = Container()
    container.register(Config, Config)
    first, second = container.resolve(Config), container.resolve(Config)
    assert isinstance(first, Config)
    assert first is not second, "a transient service is created on every resolve"


@pytest.mark.spec("Lifetimes")
def test_singleton_is_created_once() -> None:
    calls = itertools.count(1)

    def make_config() -> Config:
        next(calls)
        return Config()

    container = Container()
    container.register(Config, make_config, lifetime="singleton")
    container.register(Database, Database)
    assert container.resolve(Config) is container.resolve(Config), "one singleton per container"
    assert container.resolve(Database).config is container.resolve(Config)
    assert next(calls) == 2, "the singleton factory ran more than once"


@pytest.mark.spec("Lifetimes")
def test_separate_containers_have_separate_singletons() -> None:
    first, second = app_container(), app_container()
    assert first.resolve(Database) is not second.resolve(Database)


@pytest.mark.spec("API")
def test_unregistered_key_raises_key_error() -> None:
    container = Container()
    container.register(Config, Config)
    with pytest.raises(KeyError):
        container.resolve(Database)


@pytest.mark.spec("API")
def test_register_validates_lifetime_and_factory() -> None:
    container = Container()
    with pytest.raises(ValueError):
        container.register(Config, Config, lifetime="request")
    with pytest.raises(TypeError):
        container.register(Config, Config(), lifetime="singleton")


@pytest.mark.spec("API")
def test_register_takes_lifetime_by_keyword_only() -> None:
    container = Container()
    container.register(key=Config, factory=Config)
    assert isinstance(container.resolve(Config), Config)
    with pytest.raises(TypeError):
        container.register(Database, Database, "singleton")  # type: ignore[misc]


@pytest.mark.spec("API")
def test_lifetimes_are_compared_by_value() -> None:
    # A lifetime built at run time (read from configuration, say) is an equal string but
    # not the same object as the literal: compare with ==, not `is`.
    singleton, scoped = "".join(["single", "ton"]), "".join(["sco", "ped"])
    container = Container()
    container.register(Config, Config, lifetime=singleton)
    container.register(Session, lambda: Session(Database(Config())), lifetime=scoped)
    assert container.resolve(Config) is container.resolve(Config), "a singleton"
    with pytest.raises(ScopeError):
        container.resolve(Session)
    with container.scope():
        assert container.resolve(Session) is container.resolve(Session), "one per scope"
    container.register(Database, Database, lifetime=singleton)
    container.register(Session, Session, lifetime=scoped)
    container.register(Cache, Cache, lifetime=singleton)
    container.register(RequestHandler, RequestHandler)
    with container.scope(), pytest.raises(ScopeError):
        container.resolve(Cache)


@pytest.mark.spec("API")
def test_registering_again_replaces_the_registration() -> None:
    container = Container()
    container.register(Config, Config, lifetime="singleton")
    old = container.resolve(Config)
    replacement = Config()
    container.register(Config, lambda: replacement, lifetime="singleton")
    assert container.resolve(Config) is replacement, "the new registration wins"
    assert container.resolve(Config) is not old


@pytest.mark.spec("API")
def test_keys_need_not_be_types() -> None:
    container = Container()
    container.register("db_url", lambda: "postgres://db/app")
    assert container.resolve("db_url") == "postgres://db/app"


# --- autowiring --------------------------------------------------------------


@pytest.mark.spec("Autowiring")
def test_autowires_a_chain_with_string_annotations() -> None:
    container = app_container()
    service = container.resolve(UserService)
    assert isinstance(service, UserService)
    assert isinstance(service.repo, UserRepository)
    assert isinstance(service.repo.db, Database)
    assert service.repo.db.config is service.config, "Config is a singleton shared by both"
    assert container.resolve(UserService).repo is not service.repo, "UserRepository is transient"


@pytest.mark.spec("Autowiring")
def test_dataclass_and_function_factories_are_autowired() -> None:
    container = app_container()
    container.register(Handler, Handler)
    container.register(Repository, make_repository)
    handler = container.resolve(Handler)
    assert isinstance(handler.service, UserService)
    assert handler.name == "users", "the default of an unregistered str is kept"
    repo = container.resolve(Repository)
    assert isinstance(repo, SqlRepository) and repo.db is container.resolve(Database)


@pytest.mark.spec("Autowiring")
def test_abstract_key_with_a_concrete_class() -> None:
    container = app_container()
    container.register(Repository, SqlRepository, lifetime="singleton")
    repo = container.resolve(Repository)
    assert repo.get(7) == "user 7"
    assert repo is container.resolve(Repository)


@pytest.mark.spec("Autowiring")
def test_defaults_apply_unless_the_type_is_registered() -> None:
    container = app_container()
    container.register(Mailer, Mailer)
    mailer = container.resolve(Mailer)
    assert mailer.host == "localhost" and mailer.clock is SYSTEM_CLOCK, "unregistered: default"
    container.register(Clock, Clock, lifetime="singleton")
    mailer = container.resolve(Mailer)
    assert mailer.clock is container.resolve(Clock), "a registered type wins over the default"
    assert mailer.host == "localhost"


@pytest.mark.spec("Autowiring")
def test_unresolvable_parameter_is_named() -> None:
    container = app_container()
    container.register(NeedsSecret, NeedsSecret)
    with pytest.raises(ResolutionError, match="secret"):
        container.resolve(NeedsSecret)
    container.register(Untyped, Untyped)
    with pytest.raises(ResolutionError, match="thing"):
        container.resolve(Untyped)


@pytest.mark.spec("Autowiring")
def test_the_message_names_the_unregistered_type() -> None:
    container = app_container()
    container.register(Clockwork, Clockwork)
    with pytest.raises(ResolutionError) as caught:
        container.resolve(Clockwork)
    message = str(caught.value)
    assert "gear" in message and "Clockwork" in message and "Gear" in message, (
        f"name the parameter, the factory and the type that is not registered: {message!r}"
    )


@pytest.mark.spec("Autowiring")
def test_an_annotation_that_cannot_be_evaluated_is_a_resolution_error() -> None:
    container = Container()
    with pytest.raises(ResolutionError, match="Unevaluable"):
        container.register(Unevaluable, Unevaluable)
        container.resolve(Unevaluable)


@pytest.mark.spec("Autowiring")
def test_a_default_equal_to_everything_is_still_a_default() -> None:
    container = app_container()
    container.register(Tolerant, Tolerant)
    assert container.resolve(Tolerant).policy is AGREEABLE


@pytest.mark.spec("Autowiring")
def test_positional_only_and_keyword_only_parameters() -> None:
    container = app_container()
    container.register(Database, make_database_positionally)
    assert isinstance(container.resolve(Database).config, Config)
    container.register(KeywordsAfterArgs, KeywordsAfterArgs)
    built = container.resolve(KeywordsAfterArgs)
    assert built.config is container.resolve(Config), "a keyword-only parameter after *args"
    assert (built.args, built.options) == ((), {})


@pytest.mark.spec("Autowiring")
def test_unresolvable_parameter_deep_in_the_graph() -> None:
    container = Container()
    container.register(UserService, UserService)
    container.register(UserRepository, UserRepository)
    container.register(Config, Config)
    with pytest.raises(ResolutionError, match=r"\bdb\b"):
        container.resolve(UserService)  # UserRepository needs an unregistered Database


# --- cycles ------------------------------------------------------------------


def make_config_with_extras(*args: Any, **kwargs: Any) -> Config:
    config = Config()
    config.extras = (args, kwargs)  # type: ignore[attr-defined]
    return config


class Flexible:
    def __init__(self, config: Config, *args: Config, **options: Config) -> None:
        self.config, self.args, self.options = config, args, options


@pytest.mark.spec("Autowiring")
def test_var_positional_and_var_keyword_parameters_are_ignored() -> None:
    container = Container()
    container.register(Config, make_config_with_extras)
    assert container.resolve(Config).extras == ((), {})
    container.register(Flexible, Flexible)
    flexible = container.resolve(Flexible)
    assert isinstance(flexible.config, Config)
    assert (flexible.args, flexible.options) == ((), {}), (
        "*args and **kwargs are left empty, even when their type is registered"
    )


@pytest.mark.spec("Cycles")
def test_two_class_cycle_is_reported() -> None:
    container = Container()
    container.register(CycleA, CycleA)
    container.register(CycleB, CycleB)
    with pytest.raises(CircularDependencyError) as caught:
        container.resolve(CycleA)
    assert "CycleA -> CycleB -> CycleA" in str(caught.value)
    with pytest.raises(CircularDependencyError) as caught:
        container.resolve(CycleB)
    assert "CycleB -> CycleA -> CycleB" in str(caught.value)


@pytest.mark.spec("Cycles")
def test_cycle_reached_from_outside_shows_only_the_cycle() -> None:
    container = Container()
    for cls in (CycleA, CycleB, EntersCycle):
        container.register(cls, cls, lifetime="singleton")
    with pytest.raises(CircularDependencyError) as caught:
        container.resolve(EntersCycle)
    message = str(caught.value)
    assert "CycleA -> CycleB -> CycleA" in message
    assert "EntersCycle ->" not in message, "the cycle starts at the first repeated key"


@pytest.mark.spec("Cycles")
def test_self_and_three_class_cycles() -> None:
    container = Container()
    for cls in (SelfLoop, CycleX, CycleY, CycleZ):
        container.register(cls, cls)
    with pytest.raises(CircularDependencyError, match="SelfLoop -> SelfLoop"):
        container.resolve(SelfLoop)
    with pytest.raises(CircularDependencyError, match="CycleY -> CycleZ -> CycleX -> CycleY"):
        container.resolve(CycleY)


# --- scopes ------------------------------------------------------------------


@pytest.mark.spec("Scopes")
def test_scoped_is_shared_within_a_scope_only() -> None:
    container = app_container()
    with container.scope():
        first = container.resolve(Session)
        assert container.resolve(Session) is first, "one instance per scope"
        assert container.resolve(RequestHandler).session is first
    with container.scope():
        second = container.resolve(Session)
    assert second is not first, "a new scope gets a new instance"
    assert second.db is first.db, "singletons are shared across scopes"


@pytest.mark.spec("Scopes")
def test_scoped_outside_a_scope_raises() -> None:
    container = app_container()
    with pytest.raises(ScopeError):
        container.resolve(Session)
    with container.scope():
        container.resolve(Session)
    with pytest.raises(ScopeError):
        container.resolve(RequestHandler)  # a transient needing a scoped service


@pytest.mark.spec("Scopes")
def test_nested_scopes_are_independent_and_restore_the_outer() -> None:
    container = app_container()
    with container.scope():
        outer = container.resolve(Session)
        with container.scope():
            inner = container.resolve(Session)
            assert inner is not outer, "an inner scope is a fresh scope"
        assert container.resolve(Session) is outer, "leaving the inner scope restores the outer"


@pytest.mark.spec("Scopes")
def test_concurrent_tasks_have_their_own_scopes() -> None:
    container = app_container()

    async def request() -> tuple[Session, Session, Session]:
        with container.scope():
            first = container.resolve(Session)
            await asyncio.sleep(0)  # let the other requests open their scopes
            second = container.resolve(Session)
            child = await asyncio.create_task(resolve_later())
            return first, second, child

    async def resolve_later() -> Session:
        await asyncio.sleep(0)
        return container.resolve(Session)

    async def main() -> list[tuple[Session, Session, Session]]:
        return await asyncio.gather(request(), request(), request())

    results = asyncio.run(main())
    for first, second, child in results:
        assert first is second, "a task keeps its own scope across awaits"
        assert child is first, "a task created inside a scope shares it"
    assert len({id(first) for first, _, _ in results}) == 3, "each request has its own scope"


@pytest.mark.spec("Scopes")
def test_a_new_thread_starts_outside_any_scope() -> None:
    container = app_container()
    outcome: list[BaseException | object] = []

    def worker() -> None:
        try:
            outcome.append(container.resolve(Session))
        except ScopeError as exc:
            outcome.append(exc)

    with container.scope():
        container.resolve(Session)
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], ScopeError), (
        "the scope belongs to the thread that opened it"
    )


@pytest.mark.spec("Scopes")
def test_instances_equal_to_everything_are_cached_too() -> None:
    made: list[Agreeable] = []

    def agreeable() -> Agreeable:
        made.append(Agreeable())
        return made[-1]

    container = Container()
    container.register(Config, agreeable, lifetime="scoped")
    with container.scope():
        assert container.resolve(Config) is container.resolve(Config)
    assert len(made) == 1, "compare the cache's missing sentinel with `is`"


@pytest.mark.spec("Scopes")
def test_each_container_has_its_own_scopes() -> None:
    one, two = app_container(), app_container()
    with one.scope():
        first = one.resolve(Session)
        with pytest.raises(ScopeError):
            two.resolve(Session)  # a scope of `one` is not a scope of `two`
        with two.scope():
            second = two.resolve(Session)
            assert second is not first, "containers never share a scoped instance"
            assert one.resolve(Session) is first, "opening a scope of `two` leaves `one`'s"
        assert one.resolve(Session) is first, "leaving it too"
        with pytest.raises(ScopeError):
            two.resolve(Session)
    with two.scope():
        with pytest.raises(ScopeError):
            one.resolve(Session)
        assert two.resolve(Session) is two.resolve(Session)


@pytest.mark.spec("Lifetimes")
def test_singleton_capturing_a_scoped_service_is_rejected() -> None:
    container = app_container()
    container.register(Cache, Cache, lifetime="singleton")
    with container.scope(), pytest.raises(ScopeError) as caught:
        container.resolve(Cache)  # Cache -> RequestHandler (transient) -> Session (scoped)
    message = str(caught.value)
    assert "Cache" in message and "Session" in message, "name the singleton and the scoped key"


# --- thread safety -----------------------------------------------------------


@pytest.mark.spec("Thread safety")
def test_concurrent_first_resolution_creates_one_singleton() -> None:
    created: list[Config] = []
    racing = threading.Barrier(2)
    start = threading.Barrier(2, timeout=5)

    def slow_config() -> Config:
        # A second thread running this factory at the same time would meet
        # the first at the barrier; a correct container makes it wait outside
        # instead, so the barrier times out after a moment and one call happens.
        with contextlib.suppress(threading.BrokenBarrierError):
            racing.wait(timeout=0.3)
        config = Config()
        created.append(config)
        return config

    container = Container()
    container.register(Config, slow_config, lifetime="singleton")
    container.register(Database, Database, lifetime="singleton")
    results: list[Database] = []

    def worker() -> None:
        start.wait()
        results.append(container.resolve(Database))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == 1, f"the singleton factory ran {len(created)} times"
    assert len(results) == 2 and results[0] is results[1], "both threads get the same instance"
    assert results[0].config is created[0]


@pytest.mark.spec("Thread safety")
@pytest.mark.weight(2)
def test_a_singleton_is_created_once_at_every_interleaving() -> None:
    """Two threads resolve a singleton (that needs another singleton) for the first time;
    the second runs at every point of the first where the container's lock is not held.
    Whatever the point, each factory runs once and both threads get the same instance."""

    def setup() -> tuple[Container, list[Config]]:
        created: list[Config] = []

        def config() -> Config:
            created.append(Agreeable())  # equal to everything: the cache must use `is`
            return created[-1]

        container = Container()
        container.register(Config, config, lifetime="singleton")
        container.register(Database, AgreeableDatabase, lifetime="singleton")
        return container, created

    def resolve(state: tuple[Container, list[Config]]) -> Database:
        return state[0].resolve(Database)

    def check(state: tuple[Container, list[Config]], first: Outcome, second: Outcome) -> None:
        container, created = state
        a, b = first.get(), second.get()
        assert len(created) == 1, f"the singleton factory ran {len(created)} times"
        assert a is b, "both threads get the same instance"
        assert a.config is created[0] and container.resolve(Database) is a

    check_interleavings(di_container, setup, resolve, resolve, check)
