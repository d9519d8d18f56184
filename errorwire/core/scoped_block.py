"""A block of code run in a scope of its own, usable four ways: as a decorator of sync
and async functions, and as a ``with`` and an ``async with`` block.

``errorwire.monitor`` and ``errorwire.scope`` are two; a subclass says how its scope is
entered and left.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, TypeVar, cast

from errorwire.core.context import RequestState

F = TypeVar("F", bound=Callable[..., Any])


class ScopedBlock:
    __slots__ = ()

    def __enter__(self) -> RequestState:
        raise NotImplementedError

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        raise NotImplementedError

    def again(self) -> ScopedBlock:
        """A block like this one for one call of a decorated function (one object may be
        entered again inside itself, and calls may overlap)."""
        raise NotImplementedError

    def refusal(self, func: Callable[..., Any]) -> str:
        """Why a generator function cannot be decorated, and what to do instead."""
        raise NotImplementedError

    def __call__(self, func: F) -> F:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            # The call only makes the generator: its body runs later, outside any wrapper.
            raise TypeError(self.refusal(func))
        again = self.again
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with again():
                    return await func(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with again():
                return func(*args, **kwargs)

        return cast(F, run)

    async def __aenter__(self) -> RequestState:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)
