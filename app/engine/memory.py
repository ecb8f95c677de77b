"""Memory of the process while a script runs, and the size of task data (issue 15).

See :mod:`app.engine.bounds` for how the sandbox uses them.
"""
from __future__ import annotations

import os
import threading
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - not on Linux
    resource = None  # type: ignore[assignment]


class MemoryWindow:
    """While a script runs, lower RLIMIT_AS to the process's current size plus the bound.

    Only in the main thread (the scheduler, CLI commands, single-threaded WSGI workers such as
    gunicorn's sync workers): the limit is process-wide, and a thread started elsewhere while
    it is low can fail (CPython's Thread.start() may even wait forever), so in a threaded server
    it is left alone and the guards and the time bound apply.
    """

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        try:
            self._statm = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:  # pragma: no cover - not on Linux
            self._statm = -1

    def enter(self, limit: int) -> tuple[int, int] | None:
        """Lower the limit; returns what `leave` puts back (None: nothing was changed)."""
        if resource is None or self._statm < 0 or \
                threading.current_thread() is not threading.main_thread():
            return None
        try:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            wanted = int(os.pread(self._statm, 64, 0).split()[0]) * self._page + limit
            for cap in (soft, hard):
                if cap != resource.RLIM_INFINITY:
                    wanted = min(wanted, cap)
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
        except (OSError, ValueError):  # no limit this time; the guards still apply
            return None
        return soft, hard

    def leave(self, saved: tuple[int, int] | None) -> None:
        if saved is not None:
            resource.setrlimit(resource.RLIMIT_AS, saved)

    def resident(self) -> int | None:
        """The process's resident size in bytes (None where /proc is missing)."""
        if self._statm < 0:
            return None
        return int(os.pread(self._statm, 64, 0).split()[1]) * self._page


MEMORY = MemoryWindow()


def data_size(value: Any, limit: int) -> int:
    """Approximate bytes of `value` as stored (JSON, shared parts counted each time).

    Stops soon after `limit`, so a huge or self-containing structure costs no more than one
    that is just over the bound.
    """
    total, stack = 0, [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            total += (len(item) if item.isascii() else 6 * len(item)) + 3
        elif kind is dict:
            total += 2 + 2 * len(item)
            extend(item.keys())
            extend(item.values())
        elif kind is list or kind is tuple:
            total += 2 + len(item)
            extend(item)
        elif kind is int:
            total += item.bit_length() // 3 + 2
        elif isinstance(item, dict | list | tuple | str):  # subclasses: as their base type
            stack.append(dict(item) if isinstance(item, dict) else
                         str(item) if isinstance(item, str) else list(item))
            continue
        elif item is None or kind is bool:
            total += 5
        else:
            total += 24  # float, date-time: short
        if total > limit:
            return total
    return total
