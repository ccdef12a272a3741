#!/usr/bin/env bash
# The embedded default (SQLite, eager Celery, no Redis) must migrate, seed and serve a page.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite:///$work/db.sqlite3" PRIVATE_MEDIA_ROOT="$work/media"
py="$here/.venv/bin/python"
cd "$here"
"$py" manage.py migrate --noinput -v 0
"$py" manage.py seed_demo > "$work/seed.log"
"$py" manage.py seed_demo > "$work/seed2.log"   # idempotent
port=$(( 18000 + RANDOM % 1000 ))
"$py" manage.py runserver "127.0.0.1:$port" --noreload > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/accounts/login/" -o "$work/login.html" 2>/dev/null && break
  sleep 0.2
done
grep -q '登录' "$work/login.html" || { echo "embedded smoke: the login page did not render" >&2; exit 1; }
echo "embedded smoke: SQLite migrated, demo seeded twice, login page served"
