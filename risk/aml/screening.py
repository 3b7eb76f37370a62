"""Name screening of merchants and payout beneficiaries against a sanctions list.

Serves the compliance officer's duty to stop payments to listed people and entities. Indian
names reach us in many spellings, so both sides are normalised before rapidfuzz compares them:
accents and punctuation dropped, honorifics and company suffixes removed, common forms
canonicalised (Mohammed / Muhammad / Mohd / Md, Bux / Baksh), and each word folded the way
transliterations drift (ph→f, w→v, q→k, kh→k, sh→s, z→j, ee→i, oo→u, double letters, a silent
h after a vowel). Initials match the listed word they abbreviate; word order does not matter.

The name score (0–100) is then penalised when we know better: a date of birth that is not the
listed one (−5 within a year, −25 further off) and a country that is not one of the listed
nationalities or addresses (−10). A final score of ``HIT_THRESHOLD`` or more is a hit, and a hit
becomes an alert.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl
from rapidfuzz import fuzz

from risk.aml.sanctions_list import ListedParty

HIT_THRESHOLD = 85.0
DOB_NEAR_PENALTY = 5.0
DOB_FAR_PENALTY = 25.0
COUNTRY_PENALTY = 10.0

_DROP = frozenset(
    "mr mrs ms miss shri sri smt kumari dr late md. m/s the and of "
    "llc ltd limited pvt private co company inc corp corporation llp firm enterprises".split()
)
_CANON = {
    **dict.fromkeys(
        "mohammed muhammad mohammad mohamed muhammed mohamad mohd md mohmd muhamad mahomed".split(),
        "mhd",
    ),
    **dict.fromkeys("bux baksh bakhsh buksh bakash".split(), "baks"),
    **dict.fromkeys("abdul abdool abd abdur abdel".split(), "abdul"),
}
_FOLDS = (
    ("ph", "f"),
    ("kh", "k"),
    ("gh", "g"),
    ("bh", "b"),
    ("dh", "d"),
    ("th", "t"),
    ("sh", "s"),
    ("ch", "c"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
    ("z", "j"),
    ("x", "ks"),
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "u"),
    ("y", "i"),
)


def fold_token(token: str) -> str:
    t = _CANON.get(token, token)
    for a, b in _FOLDS:
        t = t.replace(a, b)
    t = re.sub(r"(.)\1+", r"\1", t)  # double letters: Siddiqui / Sidiqui, Farooq / Faruq
    t = re.sub(r"(?<=[aeiou])h(?=[^aeiou]|$)", "", t)  # Rehman / Reman, Shah / Sa
    return t


def normalise(name: str) -> list[str]:
    """The folded words of a name, honorifics and company suffixes removed."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z\s]", " ", text.replace(".", ". "))
    words = [w for w in text.split() if w and w not in _DROP]
    return [fold_token(w) for w in words]


def _expand_initials(candidate: list[str], listed: list[str]) -> list[str]:
    free = list(listed)
    out = []
    for w in candidate:
        if len(w) == 1:
            match = next((x for x in free if x.startswith(w)), None)
            if match:
                free.remove(match)
                out.append(match)
                continue
        out.append(w)
    return out


def name_score(candidate: str, listed: str) -> float:
    """How alike two names are after normalisation, 0–100, word order ignored."""
    c, lst = normalise(candidate), normalise(listed)
    if not c or not lst:
        return 0.0
    c = _expand_initials(c, lst)
    a, b = " ".join(sorted(c)), " ".join(sorted(lst))
    score = max(fuzz.ratio(a, b), fuzz.ratio("".join(c), "".join(lst)))
    shared = sum(1 for w in c if w in lst)
    if len(c) < len(lst) and shared >= 2:
        # A name missing a word of the listed one ("Yusuf Qureshi"): a partial match, on at
        # least two shared words, so one common first name alone is never enough.
        score = max(score, 0.9 * fuzz.token_set_ratio(a, b))
    return float(score)


@dataclass(frozen=True)
class ScreeningMatch:
    reference: str
    listed_name: str
    matched_name: str
    name_score: float
    penalty: float
    score: float
    reasons: tuple[str, ...]

    @property
    def is_hit(self) -> bool:
        return self.score >= HIT_THRESHOLD


def _dob_penalty(dob: date | None, party: ListedParty) -> tuple[float, str | None]:
    if dob is None or not (party.birth_dates or party.birth_years):
        return 0.0, None
    if dob in party.birth_dates:
        return 0.0, "date of birth matches"
    years = [d.year for d in party.birth_dates] + [y for r in party.birth_years for y in r]
    if any(lo <= dob.year <= hi for lo, hi in party.birth_years):
        return 0.0, "year of birth within the listed range"
    gap = min(abs(dob.year - y) for y in years)
    if gap <= 1:
        return DOB_NEAR_PENALTY, f"date of birth off by {gap} year(s)"
    return DOB_FAR_PENALTY, f"date of birth {dob} is not the listed one ({gap} years apart)"


def screen_name(
    name: str,
    parties: list[ListedParty],
    dob: date | None = None,
    country: str | None = None,
) -> ScreeningMatch | None:
    """The best match of ``name`` on the list (or None when nothing comes close)."""
    best: ScreeningMatch | None = None
    for party in parties:
        raw, matched = max((name_score(name, n), n) for n in party.names)
        if raw < 60:
            continue
        penalty, reasons = 0.0, []
        p, why = _dob_penalty(dob, party) if party.kind == "individual" else (0.0, None)
        penalty += p
        if why:
            reasons.append(why)
        if country and party.countries and country not in party.countries:
            penalty += COUNTRY_PENALTY
            reasons.append(f"country {country} not in {sorted(party.countries)}")
        m = ScreeningMatch(
            party.reference, party.name, matched, raw, penalty, raw - penalty, tuple(reasons)
        )
        if best is None or m.score > best.score:
            best = m
    return best


SCREEN_SCHEMA = {
    "account_id": pl.String,
    "holder_name": pl.String,
    "party_type": pl.String,
    "reference": pl.String,
    "listed_name": pl.String,
    "matched_name": pl.String,
    "name_score": pl.Float64,
    "penalty": pl.Float64,
    "score": pl.Float64,
    "is_hit": pl.Boolean,
    "reasons": pl.String,
}


def screen_parties(candidates: pl.DataFrame, parties: list[ListedParty]) -> pl.DataFrame:
    """Screen ``candidates`` (account_id, holder_name, party_type, date_of_birth, country).

    Returns one row per candidate whose best match scores 60 or more (hits and near misses).
    """
    rows = []
    for acc, name, ptype, dob, country in candidates.select(
        "account_id", "holder_name", "party_type", "date_of_birth", "country"
    ).iter_rows():
        m = screen_name(name, parties, dob, country)
        if m is None:
            continue
        rows.append(
            (
                acc,
                name,
                ptype,
                m.reference,
                m.listed_name,
                m.matched_name,
                m.name_score,
                m.penalty,
                m.score,
                m.is_hit,
                "; ".join(m.reasons),
            )
        )
    return pl.DataFrame(rows, schema=SCREEN_SCHEMA, orient="row")


CANDIDATES_SQL = """
select a.account_id, a.holder_name,
    case when a.owner_type = 'merchant' then 'merchant' else 'payout_beneficiary' end as party_type,
    a.date_of_birth, a.country
from lake.ledger_accounts a
where a.owner_type = 'merchant'
   or (a.owner_type = 'external' and a.account_id in (
        select payee_account_id from lake.ledger_transfers
        where rail in ('payout', 'cross_border') and status = 'completed'))
"""


def screening_alerts(results: pl.DataFrame, on: date) -> pl.DataFrame:
    """Hits as alerts of source ``screening`` (same columns as monitoring alerts)."""
    from risk.aml.scoring import ALERT_SCHEMA, alert_id

    hits = results.filter("is_hit")
    now = datetime.now(UTC)
    return pl.DataFrame(
        [
            {
                "alert_id": alert_id("screening:account", r["account_id"], on),
                "source": "screening",
                "entity_type": "account",
                "entity_id": r["account_id"],
                "business_date": on,
                "risk_score": round(r["score"] / 100, 4),
                "rule_score": round(r["score"] / 100, 4),
                "anomaly_score": 0.0,
                "priority": "high",
                "rules": ["sanctions_screening"],
                "typologies": ["sanctions"],
                "amount_paise": None,
                "summary": (
                    f"{r['party_type'].replace('_', ' ')} {r['holder_name']!r} matches "
                    f"{r['reference']} {r['listed_name']} (score {r['score']:.0f}"
                    + (f"; {r['reasons']}" if r["reasons"] else "")
                    + ")"
                ),
                "transfer_ids": [],
                "created_at": now,
            }
            for r in hits.iter_rows(named=True)
        ],
        schema=ALERT_SCHEMA,
    )
