"""A per-process cache of live instances, valid only for the case version it was saved at.

Web workers stay stateless: a cached instance is used only when the case row, read under its
lock, still has the version the instance was saved with. Any other worker's write bumps the
version and the entry is simply ignored. Entries are taken out while in use and put back only
after a successful commit, so a failed action can never leave a half-changed instance behind.
"""
from collections import OrderedDict
from threading import Lock

from app.engine.instance import Instance


class InstanceCache:
    """LRU of (case key) -> (case version, Instance)."""

    def __init__(self, maxsize: int = 64):
        self.maxsize = maxsize
        self._entries: OrderedDict[object, tuple[int, Instance]] = OrderedDict()
        self._lock = Lock()

    def take(self, key: object, version: int) -> Instance | None:
        """Remove and return the instance saved at exactly `version`, or None."""
        with self._lock:
            entry = self._entries.pop(key, None)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, key: object, version: int, instance: Instance) -> None:
        """Keep an instance as saved at `version` (after its transaction committed)."""
        if self.maxsize <= 0:
            return
        with self._lock:
            self._entries[key] = (version, instance)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
