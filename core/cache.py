"""Django's Redis cache backend, with one Redis client per connection pool
instead of one per operation.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` for
every get, add or incr; each builds its table of about 170 response callbacks,
about a fifth of the CPU of a page answered from the cache (the home page, the
map data: a rate-limit count, a page read). A client is a thin, thread-safe
wrapper around its pool (the pool hands out the connections, and resets
itself in a forked process), so one per pool serves every call.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

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
