"""Wrong: ``*args`` and ``**kwargs`` are treated as parameters to fill in.

They have no default, and their type is not registered, so a factory that
accepts extra arguments can never be resolved (ResolutionError).
"""

from __future__ import annotations

import inspect
import threading
import typing
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

LIFETIMES = ("transient", "singleton", "scoped")
_MISSING: Any = object()
_NO_HINT: Any = object()


class ResolutionError(Exception):
    """A dependency cannot be built (e.g. a required parameter cannot be resolved)."""


class CircularDependencyError(ResolutionError):
    """The dependency graph has a cycle; the message shows it as ``A -> B -> A``."""


class ScopeError(ResolutionError):
    """A scoped service resolved outside any scope, or captured by a singleton."""


class _Param(NamedTuple):
    name: str
    positional_only: bool
    hint: Any  # _NO_HINT when the parameter is not annotated
    has_default: bool


class _Registration:
    __slots__ = ("factory", "instance", "lifetime", "plan")

    def __init__(self, factory: Callable[..., Any], lifetime: str) -> None:
        self.factory = factory
        self.lifetime = lifetime
        self.instance: Any = _MISSING  # singletons only
        self.plan: list[_Param] | None = None  # computed on first use


def _name(key: Hashable) -> str:
    return getattr(key, "__name__", None) or repr(key)


def _plan(factory: Callable[..., Any]) -> list[_Param]:
    """The parameters ``factory`` takes, with their evaluated type hints."""
    if isinstance(factory, type):
        target: Any = factory.__init__  # type: ignore[misc]
    elif inspect.isfunction(factory) or inspect.ismethod(factory):
        target = factory
    else:
        target = type(factory).__call__  # a callable object
    try:
        hints = typing.get_type_hints(target)
    except TypeError:
        hints = {}  # a builtin such as object.__init__: nothing to autowire
    except Exception as exc:  # an annotation that cannot be evaluated
        raise ResolutionError(f"cannot read the type hints of {_name(factory)}: {exc}") from exc
    plan = []
    for param in inspect.signature(factory).parameters.values():
        plan.append(
            _Param(
                param.name,
                param.kind is param.POSITIONAL_ONLY,
                hints.get(param.name, _NO_HINT),
                param.default is not param.empty,
            )
        )
    return plan


class Container:
    """Builds object graphs from registered factories, autowired by type hints."""

    def __init__(self) -> None:
        self._registrations: dict[Hashable, _Registration] = {}
        self._lock = threading.RLock()
        self._scope: ContextVar[dict[Hashable, Any] | None] = ContextVar(
            f"di_container_scope_{id(self):x}", default=None
        )

    def register(
        self, key: Hashable, factory: Callable[..., Any], *, lifetime: str = "transient"
    ) -> None:
        if lifetime not in LIFETIMES:
            raise ValueError(f"lifetime must be one of {', '.join(LIFETIMES)}, got {lifetime!r}")
        if not callable(factory):
            raise TypeError(f"factory for {_name(key)} is not callable: {factory!r}")
        with self._lock:
            self._registrations[key] = _Registration(factory, lifetime)

    def resolve(self, key: Hashable) -> Any:
        if key not in self._registrations:
            raise KeyError(key)
        return self._resolve(key, ())

    @contextmanager
    def _scoped(self) -> Iterator[None]:
        token = self._scope.set({})
        try:
            yield
        finally:
            self._scope.reset(token)

    def scope(self) -> AbstractContextManager[None]:
        return self._scoped()

    def _resolve(self, key: Hashable, chain: tuple[Hashable, ...]) -> Any:
        if key in chain:
            cycle = (*chain[chain.index(key) :], key)
            raise CircularDependencyError(
                "circular dependency: " + " -> ".join(_name(k) for k in cycle)
            )
        registration = self._registrations[key]
        chain = (*chain, key)
        lifetime = registration.lifetime

        if lifetime == "singleton":
            instance = registration.instance
            if instance is not _MISSING:
                return instance
            with self._lock:  # re-entrant: the factory may need other singletons
                if registration.instance is _MISSING:
                    registration.instance = self._build(registration, key, chain)
                return registration.instance

        if lifetime == "scoped":
            captor = next(
                (k for k in chain if self._registrations[k].lifetime == "singleton"), None
            )
            if captor is not None:
                raise ScopeError(
                    f"singleton {_name(captor)} depends on scoped {_name(key)} "
                    f"(via {' -> '.join(_name(k) for k in chain)})"
                )
            instances = self._scope.get()
            if instances is None:
                raise ScopeError(f"scoped {_name(key)} resolved outside any scope")
            instance = instances.get(key, _MISSING)
            if instance is _MISSING:
                instance = instances[key] = self._build(registration, key, chain)
            return instance

        return self._build(registration, key, chain)

    def _build(
        self, registration: _Registration, key: Hashable, chain: tuple[Hashable, ...]
    ) -> Any:
        plan = registration.plan
        if plan is None:
            plan = registration.plan = _plan(registration.factory)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for param in plan:
            if param.hint is not _NO_HINT and param.hint in self._registrations:
                value = self._resolve(param.hint, chain)
            elif param.has_default:
                continue
            else:
                reason = (
                    "it has no type hint"
                    if param.hint is _NO_HINT
                    else f"{_name(param.hint)} is not registered"
                )
                raise ResolutionError(
                    f"cannot resolve parameter {param.name!r} of "
                    f"{_name(registration.factory)} (for {_name(key)}): {reason}"
                )
            if param.positional_only:
                args.append(value)
            else:
                kwargs[param.name] = value
        return registration.factory(*args, **kwargs)
