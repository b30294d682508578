"""Django's Redis cache backend, with one Redis client per connection pool
instead of one per operation, and ``incr`` in one round trip.

- Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` for
  every get, add or incr; each builds its table of about 170 response
  callbacks, about a fifth of the CPU of a page answered from the cache (the
  home page, the map data: a rate-limit count, a page read). A client is a
  thin, thread-safe wrapper around its pool (the pool hands out the
  connections, and resets itself in a forked process), so one per pool serves
  every call.
- Django's ``incr`` asks ``EXISTS`` and then ``INCRBY``: two round trips on
  every counted request (core/ratelimit.py), and a key that expires between
  the two comes back as a counter without an expiry. Here one script does
  both, atomically; a missing key is still a ``ValueError``.
- ``count()``: a fixed-window counter in one round trip (core/ratelimit.py).
- ``run_script()``: any Lua script on keys named as this cache names them (the
  API throttle's sliding log, core/ratelimit.py).
"""

from django.core.cache.backends import redis as django_redis

# INCRBY of an existing key only; nil when there is none.
INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return nil
"""


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._scripts = {}

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        script = self._scripts.get(id(client))
        if script is None:
            # Sent by its hash (EVALSHA), loaded again if the server lost it.
            script = self._scripts[id(client)] = client.register_script(INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._scripts = {}

    def run_script(self, source, keys, args):
        """A Lua script run in Redis, in one round trip (EVALSHA, loaded on
        first use), on ``keys`` named as this cache names them (prefix,
        version): several steps on a key done atomically, where get() and
        set() would take a round trip each and race each other."""
        client = self._cache.get_client(write=True)
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = client.register_script(source)
        return script(
            keys=[self.make_and_validate_key(key) for key in keys],
            args=args,
            client=client,
        )

    def count(self, key, timeout, version=None):
        """Add one to the counter ``key``, made (expiring after ``timeout``
        seconds) when there is none, and return it: one round trip (SET NX
        then INCR, pipelined) where ``add`` then ``incr`` take two."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.set(key, 0, ex=timeout, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]
