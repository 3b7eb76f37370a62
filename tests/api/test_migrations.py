"""The Alembic migrations build exactly the schema the ORM models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import api.models  # noqa: F401
from api.db import Base


def _ours(name: str | None, type_: str, _parent: object) -> bool:
    # risk.aml creates its own aml_* tables in the same database, outside Alembic.
    return not (type_ == "table" and name is not None and name.startswith("aml_"))


def test_migrations_match_the_models(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
