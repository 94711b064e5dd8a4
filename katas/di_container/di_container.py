"""Dependency injection container — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- di_container
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any


class ResolutionError(Exception):
    """A dependency cannot be built (e.g. a required parameter cannot be resolved)."""


class CircularDependencyError(ResolutionError):
    """The dependency graph has a cycle; the message shows it as ``A -> B -> A``."""


class ScopeError(ResolutionError):
    """A scoped service resolved outside any scope, or captured by a singleton."""


class Container:
    """Builds object graphs from registered factories, autowired by type hints.

    Lifetimes: ``"transient"`` (new instance each resolve), ``"singleton"``
    (one per container, created once even under concurrent first use),
    ``"scoped"`` (one per ``scope()`` block; the current scope lives in a
    ``contextvars.ContextVar``).
    """

    def __init__(self) -> None:
        raise NotImplementedError

    def register(
        self, key: Hashable, factory: Callable[..., Any], *, lifetime: str = "transient"
    ) -> None:
        """Register ``factory`` (a class or callable) under ``key``.

        Registering a key again replaces the old registration.

        Raises:
            ValueError: ``lifetime`` is not transient, singleton or scoped.
            TypeError: ``factory`` is not callable.
        """
        raise NotImplementedError

    def resolve(self, key: Hashable) -> Any:
        """An instance for ``key``, with the factory's parameters autowired.

        Parameters typed with a registered key are resolved from the container;
        otherwise their default is used; otherwise ``ResolutionError`` names
        the parameter. Types come from ``typing.get_type_hints``.

        Raises:
            KeyError: ``key`` was never registered.
            ResolutionError: a required parameter cannot be resolved.
            CircularDependencyError: the graph has a cycle (``A -> B -> A``).
            ScopeError: a scoped service outside any scope, or a singleton
                that depends on a scoped service.
        """
        raise NotImplementedError

    def scope(self) -> AbstractContextManager[None]:
        """Open a scope: scoped services are shared until the block ends.

        Scopes nest (the inner one is independent) and follow the current
        context: each asyncio task and thread has its own current scope. A
        scope belongs to this container only: other containers' scopes are
        separate.
        """
        raise NotImplementedError
