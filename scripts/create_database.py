"""Create the PostgreSQL database a URL names, if it does not exist yet (for scripts/stack.sh).

.venv/bin/python scripts/create_database.py postgresql+psycopg://postgres@127.0.0.1:5432/miniapp
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def main(url: str) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        raise SystemExit(f"not a PostgreSQL database URL: {target.render_as_string(hide_password=True)}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
        if not exists:
            # The name comes from the operator's own configuration; quoted as an identifier.
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
            print(f"已创建数据库 {target.database}")
    admin.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
