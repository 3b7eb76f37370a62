"""API test fixtures: each test runs on SQLite and on the local Postgres.

Postgres gets a database of its own per test session (per xdist worker), dropped at the end;
tests are isolated by emptying every table, so migrations run once per backend.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

import api.models  # noqa: F401
from api.auth.service import invalidate_cache, issue_key
from api.db import Base, Database
from api.migrate import upgrade
from api.operations.ratelimit import RateLimit
from hisaab.settings import Settings
from tests.api.fakes import ScriptedGatewayPort

PG_ADMIN = os.environ.get("HISAAB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgres")


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if not _pg_available():
        pytest.fail(f"Postgres is not reachable at {PG_ADMIN} (start it: see the helper brief)")
    name = f"hisaab_api_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def _databases(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Database]:
    return {}


@pytest.fixture(params=BACKENDS)
def db(
    request: pytest.FixtureRequest,
    _databases: dict[str, Database],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Database]:
    backend = request.param
    if backend not in _databases:
        if backend == "sqlite":
            path = Path(tmp_path_factory.mktemp("oltp")) / "hisaab.sqlite3"
            url = f"sqlite:///{path}"
        else:
            url = request.getfixturevalue("pg_url")
        upgrade(url)
        _databases[backend] = Database(url, pool_size=30)
    database = _databases[backend]
    _truncate(database)
    invalidate_cache()
    yield database


def _truncate(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.session() as session:
        if database.is_sqlite:
            for t in tables:
                session.execute(text(f"delete from {t}"))
        else:
            session.execute(text(f"truncate {', '.join(tables)} restart identity cascade"))


@pytest.fixture
def gateway() -> ScriptedGatewayPort:
    return ScriptedGatewayPort()


@pytest.fixture
def app(db: Database, gateway: ScriptedGatewayPort, tmp_path: Path) -> Any:
    from api.app import create_app

    return create_app(
        Settings(data_dir=tmp_path),
        database=db,
        gateway_port=gateway,
        migrate=False,
        rate_limit=RateLimit(rate_per_s=10_000, burst=10_000),  # rate limits have their own tests
    )


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


def basic(key_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def platform_auth(db: Database) -> dict[str, str]:
    with db.session() as session:
        key = issue_key(session, merchant_id=None, scope="platform")
    return basic(key.key_id, key.key_secret)


VALID_MERCHANT = {
    "name": "Chai Point Retail Pvt Ltd",
    "email": "payments@chaipoint.example",
    "category": "food_and_beverage",
    "mcc": "5814",
    "pan": "AAPFU0939F",
    "gstin": "27AAPFU0939F1ZV",
    "settlement_ifsc": "ICIC0001234",  # a merchant banking elsewhere than our nodal HDFC
    "settlement_account_number": "50100012345678",
    "mdr_bps": {"upi": 0, "card": 200, "netbanking": 190, "wallet": 175},
    "settlement_cycle_days": 2,
    "webhook_url": "https://chaipoint.example/hooks/hisaab",
}


@dataclass
class MerchantAccount:
    id: str
    key_id: str
    secret: str
    webhook_secret: str

    @property
    def auth(self) -> dict[str, str]:
        return basic(self.key_id, self.secret)


def onboard(client: TestClient, platform_auth: dict[str, str], **overrides: Any) -> MerchantAccount:
    body = {**VALID_MERCHANT, **overrides}
    r = client.post("/v1/merchants", json=body, headers=platform_auth)
    assert r.status_code == 200, r.text
    data = r.json()
    return MerchantAccount(
        data["merchant"]["id"], data["key"]["id"], data["key"]["secret"], data["webhook_secret"]
    )


@pytest.fixture
def merchant(client: TestClient, platform_auth: dict[str, str]) -> MerchantAccount:
    return onboard(client, platform_auth)


@pytest.fixture
def other_merchant(client: TestClient, platform_auth: dict[str, str]) -> MerchantAccount:
    return onboard(client, platform_auth, name="Other Merchant LLP", pan="AAAFB1234C", gstin=None)


def create_order(
    client: TestClient, m: MerchantAccount, amount: int = 499_900, **kw: Any
) -> dict[str, Any]:
    r = client.post("/v1/orders", json={"amount": amount, "currency": "INR", **kw}, headers=m.auth)
    assert r.status_code == 200, r.text
    return r.json()


UPI = {"method": "upi", "vpa": "asha.verma@okhdfcbank"}
CARD = {"method": "card", "token": "token_4lx9XhY2Jq0aZb"}
NETBANKING = {"method": "netbanking", "bank": "HDFC"}
WALLET = {"method": "wallet", "wallet": "paytm"}


def pay(
    client: TestClient,
    m: MerchantAccount,
    order: dict[str, Any],
    instrument: dict[str, Any] | None = None,
    **kw: Any,
) -> Any:
    body = {
        "order_id": order["id"],
        "amount": order["amount_due"],
        "currency": "INR",
        **(instrument or UPI),
        **kw,
    }
    return client.post("/v1/payments/create/json", json=body, headers=m.auth)


def captured_payment(
    client: TestClient,
    m: MerchantAccount,
    amount: int = 499_900,
    instrument: dict[str, Any] | None = None,
) -> dict[str, Any]:
    order = create_order(client, m, amount)
    r = pay(client, m, order, instrument)
    assert r.status_code == 200 and r.json()["status"] == "authorized", r.text
    r = client.post(
        f"/v1/payments/{r.json()['id']}/capture",
        json={"amount": amount, "currency": "INR"},
        headers=m.auth,
    )
    assert r.status_code == 200, r.text
    return r.json()
