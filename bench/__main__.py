"""``python -m bench run|search|capacity|profile|reset|prepare`` (the Makefile's bench
targets)."""

import argparse
import sys

from bench.database import BenchServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="make bench: the application against the floor"
    )
    run.add_argument("--rows", type=int, default=200_000)
    run.add_argument("--seconds", type=int, default=15)
    run.add_argument("--rounds", type=int, default=2)
    run.add_argument("--only", default="", help="comma-separated endpoint names")
    search = commands.add_parser("search", help="make bench-search: search latency")
    search.add_argument("--rows", type=int, default=1_000_000)
    search.add_argument("--repeat", type=int, default=3)
    capacity = commands.add_parser(
        "capacity", help="make capacity: one web process, cache cold and warm"
    )
    capacity.add_argument("--rows", type=int, default=20_000)
    capacity.add_argument("--seconds", type=int, default=10)
    profile = commands.add_parser(
        "profile", help="application CPU per request, in this process (cProfile)"
    )
    profile.add_argument("--rows", type=int, default=200_000)
    profile.add_argument("--requests", type=int, default=200)
    profile.add_argument("--warmup", type=int, default=20)
    profile.add_argument(
        "--top", type=int, default=0, help="print cProfile's N costliest functions"
    )
    profile.add_argument("--sort", default="tottime", help="cProfile's sort key")
    profile.add_argument(
        "paths",
        nargs="*",
        help="paths to request (cursor_deep: the benchmark's deep cursor page)",
    )
    prepare = commands.add_parser("prepare", help="only create and fill the database")
    prepare.add_argument("--rows", type=int, default=200_000)
    commands.add_parser("reset", help="drop every benchmark database")
    args = parser.parse_args(argv)

    if args.command == "reset":
        with BenchServer() as server:
            for name in server.bench_databases():
                print(f"Dropping {name}")
                server.drop(name)
        return 0
    if args.command == "prepare":
        from bench.prepare import prepare as prepare_data

        with BenchServer() as server:
            prepare_data(server, args.rows)
        return 0
    if args.command == "capacity":
        from bench.capacity import run as run_capacity

        return run_capacity(args)
    if args.command == "profile":
        from bench.profile import run as run_profile

        return run_profile(args)
    if args.command == "run":
        from bench.run import run as run_bench

        return run_bench(args)
    from bench.search import run as run_search

    return run_search(args)


if __name__ == "__main__":
    sys.exit(main())
