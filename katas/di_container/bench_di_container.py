"""Timing workload for the dependency injection container kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n resolutions, inside one scope, of a service
whose dependency chain is three levels deep (transient -> transient + scoped
-> singleton). The graph has a fixed size, so the total grows linearly in n;
re-inspecting signatures on every resolve shows up as a large constant factor.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


class Settings:
    def __init__(self) -> None:
        self.dsn = "sqlite://"


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine


class Orders:
    def __init__(self, engine: Engine, uow: UnitOfWork, page_size: int = 50) -> None:
        self.engine = engine
        self.uow = uow


class Checkout:
    def __init__(self, orders: Orders, settings: Settings) -> None:
        self.orders = orders
        self.settings = settings


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    container = module.Container()
    container.register(Settings, Settings, lifetime="singleton")
    container.register(Engine, Engine, lifetime="singleton")
    container.register(UnitOfWork, UnitOfWork, lifetime="scoped")
    container.register(Orders, Orders)
    container.register(Checkout, Checkout)
    with container.scope():
        container.resolve(Checkout)  # create the singletons outside the timed part

    def run() -> None:
        with container.scope():
            for _ in range(n):
                container.resolve(Checkout)

    return run
