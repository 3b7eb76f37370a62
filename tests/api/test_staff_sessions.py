"""Staff sign-in: argon2 password hashes, short-lived HS256 JWTs, roles enforced per route."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from api.users.models import StaffUser
from api.users.service import UserError, create_user
from api.users.tokens import AUDIENCE, ISSUER, decode_token, issue_token
from tests.api.staff import PASSWORD, add_user, login


def test_password_is_stored_only_as_an_argon2id_hash(db):
    add_user(db, "priya", "finance")
    with db.read_session() as session:
        stored = session.get(StaffUser, "priya").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password", "role", "field"),
    [
        ("priya", PASSWORD, "boss", "role"),
        ("Priya Sharma", PASSWORD, "finance", "username"),
        ("priya", "short", "finance", "password"),
    ],
)
def test_a_user_with_a_bad_role_name_or_weak_password_is_refused(
    db, username, password, role, field
):
    with db.session() as session, pytest.raises(UserError, match=field):
        create_user(session, username=username, password=password, role=role)


def test_login_gives_a_token_naming_the_role_and_me_reads_it(client, db):
    add_user(db, "meera", "compliance")
    r = client.post("/v1/auth/login", json={"username": "meera", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "compliance" and body["token_type"] == "bearer"
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "meera" and me.json()["role"] == "compliance"


def test_wrong_password_and_unknown_user_get_the_same_401(client, db):
    add_user(db, "meera", "compliance")
    a = client.post("/v1/auth/login", json={"username": "meera", "password": "wrong-password"})
    b = client.post("/v1/auth/login", json={"username": "nobody", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.json()["error"]["description"] == b.json()["error"]["description"]


def test_a_token_with_another_algorithm_audience_or_expired_is_refused():
    secret = "s" * 40
    good, _ = issue_token("priya", "finance", secret)
    assert decode_token(good, secret).role == "finance"
    expired, _ = issue_token("priya", "finance", secret, ttl=timedelta(seconds=-5))
    none_alg = jwt.encode(
        {"sub": "priya", "role": "admin", "iss": ISSUER, "aud": AUDIENCE, "iat": 0, "exp": 2**40},
        None,
        algorithm="none",
    )
    other_aud = jwt.encode(
        {"sub": "priya", "role": "admin", "iss": ISSUER, "aud": "x", "iat": 0, "exp": 2**40},
        secret,
        algorithm="HS256",
    )
    for bad in (expired, none_alg, other_aud, good + "x"):
        with pytest.raises(ValueError):
            decode_token(bad, secret)


def test_each_role_reaches_its_routes_and_is_refused_others_admin_reaches_all(client, db):
    for name, role in [
        ("fin", "finance"),
        ("comp", "compliance"),
        ("ops1", "ops"),
        ("root", "admin"),
    ]:
        add_user(db, name, role)
    fin, comp, ops, admin = (login(client, n) for n in ("fin", "comp", "ops1", "root"))
    assert client.get("/v1/aml/cases", headers=comp).status_code == 200
    r = client.get("/v1/aml/cases", headers=fin)
    assert r.status_code == 403 and r.json()["error"]["reason"] == "role_required"
    assert client.get("/v1/ops/webhook-backlog", headers=ops).status_code == 200
    assert client.get("/v1/ops/webhook-backlog", headers=comp).status_code == 403
    assert client.get("/v1/staff/recon/break-decisions", headers=fin).status_code == 200
    assert client.get("/v1/staff/recon/break-decisions", headers=ops).status_code == 403
    for path in ("/v1/aml/cases", "/v1/ops/webhook-backlog", "/v1/staff/recon/break-decisions"):
        assert client.get(path, headers=admin).status_code == 200


def test_a_merchant_api_key_is_not_a_staff_session(client, merchant):
    r = client.get("/v1/staff/recon/break-decisions", headers=merchant.auth)
    assert r.status_code == 401
