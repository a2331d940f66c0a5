"""A small cache of search results, per index version.

The same queries come back again and again (a results page, then its API
call from a script, then the next user), and answering one costs tens of
milliseconds of CPU under the interpreter lock. Results are kept per index
version (generation and commit), so a new commit or a rebuild is never
answered from the cache. Results are shared: callers must not change them.
"""

import threading
from collections import OrderedDict


class ResultCache:
    """A thread-safe LRU mapping of at most ``size`` entries (0: off)."""

    def __init__(self, size=256):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value):
        if not self.size:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
