"""Waiting on the thing itself: :func:`eventually` polls a check until it holds, within a deadline."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

Check = Callable[[], object] | Callable[[], Awaitable[object]]
"""A check: a plain function, or one returning an awaitable (``async def``); true when it holds."""


async def _holds(check: Check) -> bool:
    result = check()
    if inspect.isawaitable(result):
        result = await result
    return bool(result)


def _describe(check: Check) -> str:
    """The check's source line for a lambda (what the test wrote), else its name."""
    name = getattr(check, "__qualname__", repr(check))
    if getattr(check, "__name__", "") == "<lambda>":
        try:
            source = inspect.getsource(check).strip()
        except (OSError, TypeError):
            return name
        return source if len(source) <= 200 else source[:197] + "..."
    return str(name)


async def eventually(check: Check, timeout: float = 10.0, interval: float = 0.02, *, what: str = "") -> None:
    """Wait until ``check()`` is true (or the awaitable it returns resolves to something true).

    Polls every ``interval`` seconds on the running loop; after ``timeout`` seconds (the check itself
    included) fails with an ``AssertionError`` naming ``what`` it waited for (or the check's source).
    """
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            while not await _holds(check):
                await asyncio.sleep(interval)
    except TimeoutError:
        if not deadline.expired():
            raise  # the check's own time-out, not ours
        raise AssertionError(f"still not true after {timeout:g} s: {what or _describe(check)}") from None
