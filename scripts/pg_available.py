"""Exit 0 when the test PostgreSQL answers (make test then runs the suite on it too)."""

import os
import sys

import psycopg

url = os.environ.get("HAZARDBOT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
try:
    psycopg.connect(url, connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
