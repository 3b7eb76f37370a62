"""Dashboard test fixtures: one small world and one real API process per test session.

Pages run in ``AppTest`` (the real scripts, in process) against the API in a uvicorn process,
so an action taken on a page is checked where it is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import running_api
from tests.dashboards import world

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")


@dataclass(frozen=True)
class World:
    data_dir: Path
    oltp_url: str
    api_url: str


@pytest.fixture(scope="session")
def dash_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("dash_world")
    oltp_url = world.build(data_dir)
    with running_api(oltp_url, data_dir, HISAAB_JWT_SECRET="x" * 48) as url:
        yield World(data_dir, oltp_url, url)


@pytest.fixture
def dash_env(dash_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("HISAAB_DATA_DIR", str(dash_world.data_dir))
    monkeypatch.setenv("HISAAB_API_URL", dash_world.api_url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return dash_world


def open_page(username: str, page: str | None = None) -> Any:
    """An AppTest of the dashboard signed in as ``username`` (through the API), on ``page``."""
    from streamlit.testing.v1 import AppTest

    from dashboards.api_client import sign_in

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["staff"] = sign_in(username, world.PASSWORD)
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def texts(at: Any) -> str:
    """Everything a person would read on the page, as one string."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
    ):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts)
