"""Correct: singletons built entirely under one RLock, caches in plain dicts keyed by key.

Registrations, singleton instances and factory plans live in separate
dicts. A singleton is looked up and, if missing, built while the container's
``RLock`` is held — no unlocked fast path. The chain of keys being built is
a list that the recursion pushes and pops; the scope is a dict in a
per-container ``ContextVar``.
"""

from __future__ import annotations

import inspect
import threading
import typing
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any


class ResolutionError(Exception):
    """A dependency cannot be built."""


class CircularDependencyError(ResolutionError):
    """The dependency graph has a cycle."""


class ScopeError(ResolutionError):
    """A scoped service used outside a scope, or captured by a singleton."""


def _label(key: Hashable) -> str:
    return getattr(key, "__name__", None) or repr(key)


class Container:
    def __init__(self) -> None:
        self._factories: dict[Hashable, tuple[Callable[..., Any], str]] = {}
        self._singletons: dict[Hashable, Any] = {}
        self._plans: dict[Callable[..., Any], list[tuple[str, bool, Any, bool]]] = {}
        self._lock = threading.RLock()
        self._scope: ContextVar[dict[Hashable, Any] | None] = ContextVar("scope", default=None)

    def register(
        self, key: Hashable, factory: Callable[..., Any], *, lifetime: str = "transient"
    ) -> None:
        if lifetime not in ("transient", "singleton", "scoped"):
            raise ValueError(f"unknown lifetime {lifetime!r}")
        if not callable(factory):
            raise TypeError(f"{factory!r} is not callable")
        with self._lock:
            self._factories[key] = (factory, lifetime)
            self._singletons.pop(key, None)

    def resolve(self, key: Hashable) -> Any:
        if key not in self._factories:
            raise KeyError(key)
        return self._get(key, [])

    def scope(self) -> AbstractContextManager[None]:
        return self._open_scope()

    @contextmanager
    def _open_scope(self) -> Iterator[None]:
        token = self._scope.set({})
        try:
            yield
        finally:
            self._scope.reset(token)

    def _get(self, key: Hashable, chain: list[Hashable]) -> Any:
        if key in chain:
            cycle = [*chain[chain.index(key) :], key]
            raise CircularDependencyError(" -> ".join(map(_label, cycle)))
        factory, lifetime = self._factories[key]
        chain.append(key)
        try:
            if lifetime == "transient":
                return self._make(factory, key, chain)
            if lifetime == "singleton":
                with self._lock:
                    if key not in self._singletons:
                        self._singletons[key] = self._make(factory, key, chain)
                    return self._singletons[key]
            for holder in chain:
                if self._factories[holder][1] == "singleton":
                    raise ScopeError(
                        f"singleton {_label(holder)} would capture scoped {_label(key)}"
                    )
            scope = self._scope.get()
            if scope is None:
                raise ScopeError(f"{_label(key)} is scoped and no scope is open")
            if key not in scope:
                scope[key] = self._make(factory, key, chain)
            return scope[key]
        finally:
            chain.pop()

    def _plan(self, factory: Callable[..., Any]) -> list[tuple[str, bool, Any, bool]]:
        plan = self._plans.get(factory)
        if plan is None:
            if isinstance(factory, type):
                hinted: Any = factory.__init__  # type: ignore[misc]
            elif inspect.isroutine(factory):
                hinted = factory
            else:
                hinted = type(factory).__call__
            try:
                hints = typing.get_type_hints(hinted)
            except TypeError:
                hints = {}
            except NameError as exc:
                raise ResolutionError(f"{_label(factory)}: {exc}") from exc
            plan = [
                (p.name, p.kind is p.POSITIONAL_ONLY, hints.get(p.name), p.default is not p.empty)
                for p in inspect.signature(factory).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
            self._plans[factory] = plan
        return plan

    def _make(self, factory: Callable[..., Any], key: Hashable, chain: list[Hashable]) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, positional, hint, has_default in self._plan(factory):
            if hint is not None and hint in self._factories:
                value = self._get(hint, chain)
            elif has_default:
                continue
            else:
                why = "no type hint" if hint is None else f"{_label(hint)} is not registered"
                raise ResolutionError(
                    f"cannot resolve parameter {name!r} of {_label(factory)}: {why}"
                )
            if positional:
                args.append(value)
            else:
                kwargs[name] = value
        return factory(*args, **kwargs)
