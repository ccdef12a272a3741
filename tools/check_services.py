"""Fail with a clear message when PostgreSQL or Redis, which the suite runs against, is not reachable."""

from __future__ import annotations

import os
import sys

import psycopg
import redis


def main() -> int:
    database_url = os.environ["DATABASE_URL"]
    redis_url = os.environ["REDIS_URL"]
    problems = []
    try:
        psycopg.connect(database_url.replace("postgres://", "postgresql://"), connect_timeout=3).close()
    except Exception as exc:
        problems.append(f"PostgreSQL is not reachable at {database_url}: {exc}")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        problems.append(f"Redis is not reachable at {redis_url}: {exc}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("The test suite runs against the real services; start them and try again.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
