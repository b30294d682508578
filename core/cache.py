"""Django's Redis cache, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
cache call, and redis-py fills some 170 response callbacks into each new one:
about a tenth of a millisecond of Python per call, two or three calls in every
API request (the throttle, the data caches). The client holds no per-call
state (its connections come from the pool, one per call, thread-safe), so one
per pool serves every call.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
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
