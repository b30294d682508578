"""The Atlas's benchmark: ``make bench`` and ``make bench-search`` (see README,
"Performance"). Nothing here runs in ``make test`` except the smoke test
``tests/test_bench.py``, which keeps the harness from rotting."""
