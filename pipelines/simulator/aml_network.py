"""The account/transfer network money launderers hide in, for the compliance officer's AML tests.

On the world's own customers and merchants it builds accounts (customer wallets, merchant
accounts, outside bank accounts) and transfers through the aggregator (wallet and UPI P2P, UPI
P2M, payouts, cash loads at agent points, cross-border payouts) over a history window before the
world's first day plus the world's days, so rules can compare an account with its own past.

Into that innocent background it injects laundering cases, one typology each: structuring
below reporting thresholds, fan-in, fan-out, cycles, rapid pass-through, scatter-gather, dormant
reactivation, round amounts and high-risk geography; and innocent look-alikes that a naive rule
would flag: busy merchants (hundreds of payers a day, a daily payout), salary runs (one employer,
dozens of payees, round amounts), festival spikes, friends settling up in small cycles, one-off
cash loads just under ₹50,000 and cross-border payouts to ordinary countries. Payout
beneficiaries include a few names that are spelling variants of the synthetic sanctions list.

Written::

    books/accounts/accounts.parquet                          ledger_accounts (snapshot)
    books/transfers/business_date=D/part-00000.parquet       ledger_transfers, one file a day
    truth/aml_cases.parquet            one row per injected case or look-alike (truth_alert_id)
    truth/aml_case_accounts.parquet    the accounts of each case, with their role
    truth/aml_case_transactions.parquet the transfers of each case
    truth/aml_screening.parquet        beneficiaries planted against the sanctions list

Money is integer paise; timestamps UTC, business dates IST.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from hisaab.calendar import IST
from pipelines.simulator import keys

RUPEE = 100
LAKH = 100_000 * RUPEE
FESTIVAL_DATES = frozenset(
    {date(2026, 3, 4), date(2026, 10, 20), date(2026, 11, 6), date(2026, 11, 8), date(2027, 3, 22)}
)  # Holi, Dussehra, Dhanteras, Diwali, Holi
HIGH_RISK_COUNTRIES = ("IR", "KP", "MM")  # FATF "call for action" jurisdictions
ORDINARY_FOREIGN_COUNTRIES = ("AE", "SG", "TH", "GB", "US")

TYPOLOGIES = (
    "structuring",
    "fan_in",
    "fan_out",
    "cycle",
    "rapid_pass_through",
    "scatter_gather",
    "dormant_reactivation",
    "round_amounts",
    "high_risk_geography",
)
LOOKALIKES = (
    "busy_merchant",
    "salary_run",
    "festival_spike",
    "friends_settling_up",
    "one_off_cash_near_cutoff",
    "ordinary_cross_border",
    "cash_rich_trader",
)

# Planted payout beneficiaries: (list reference, name as our records spell it, date of birth,
# country, is a true match). References and names are those of risk/aml/sanctions' synthetic
# list (fictional people), spelled the way an Indian bank record would.
SCREENING_PLANTS: tuple[tuple[str, str, date | None, str, bool], ...] = (
    ("QDi.901", "Mohd Yusuf Qureshi", date(1971, 3, 14), "IN", True),
    ("QDi.902", "Farukh Abdul Ramani", date(1968, 9, 2), "PK", True),
    ("QDi.904", "Shekhawat Vikram D", date(1980, 1, 25), "IN", True),  # swapped, initial
    ("QDi.901", "Mohammed Yusuf Qureshi", date(1994, 6, 30), "IN", False),  # namesake, 23 y younger
    (
        "QDi.903",
        "Rahim Baksh",
        date(1990, 5, 5),
        "IN",
        False,
    ),  # shares one name with a listed person
)

ACCOUNT_SCHEMA = {
    "account_id": pl.String,
    "owner_type": pl.String,
    "owner_id": pl.String,
    "holder_name": pl.String,
    "account_kind": pl.String,
    "vpa": pl.String,
    "ifsc": pl.String,
    "account_number": pl.String,
    "country": pl.String,
    "date_of_birth": pl.Date,
    "mcc": pl.String,
    "opened_on": pl.Date,
}
TRANSFER_SCHEMA = {
    "transfer_id": pl.String,
    "rail": pl.String,
    "payer_account_id": pl.String,
    "payee_account_id": pl.String,
    "amount_paise": pl.Int64,
    "currency": pl.String,
    "is_cash": pl.Boolean,
    "status": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "business_date": pl.Date,
    "narration": pl.String,
}

_BODY_SCHEMA = {k: v for k, v in TRANSFER_SCHEMA.items() if k != "transfer_id"}


@dataclass(frozen=True)
class AmlNetworkConfig:
    """Size and mix of the network; ``from_world`` derives it from a ``WorldConfig``."""

    seed: int
    start: date  # first world day (history comes before it)
    days: int
    history_days: int = 60
    p2p_rate_per_day: float = 0.10  # mean transfers a customer sends per day
    busy_merchants: int = 3
    busy_merchant_payers_per_day: int = 150
    employers: int = 4
    cases_per_typology: int = 4
    lookalike_scale: int = 1
    plant_screening: bool = True

    @classmethod
    def from_world(cls, cfg: object) -> AmlNetworkConfig:
        customers = int(cfg.customers)  # type: ignore[attr-defined]
        return cls(
            seed=cfg.seed,  # type: ignore[attr-defined]
            start=cfg.start,  # type: ignore[attr-defined]
            days=cfg.days,  # type: ignore[attr-defined]
            cases_per_typology=max(3, min(12, round(customers / 6_000))),
            lookalike_scale=max(1, round(customers / 10_000)),
        )

    @property
    def first_day(self) -> date:
        return self.start - timedelta(days=self.history_days)

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=self.days - 1)


@dataclass
class _Case:
    truth_alert_id: str
    typology: str
    is_suspicious: bool
    description: str
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (account_id, role)
    transfers: list[str] = field(default_factory=list)


@dataclass
class AmlNetworkSummary:
    accounts: int = 0
    transfers: int = 0
    cases: dict[str, int] = field(default_factory=dict)


def _utc(day: date, seconds_ist: float) -> datetime:
    return (datetime.combine(day, time(0), tzinfo=IST) + timedelta(seconds=seconds_ist)).astimezone(
        UTC
    )


class _Transfers:
    """Transfers collected per business date, with ids in generation order."""

    def __init__(self, seed: int) -> None:
        self.by_day: dict[date, list[pl.DataFrame]] = {}
        self.rows: dict[date, list[tuple]] = {}
        self.seed = seed
        self.counter = 0

    def next_id(self) -> str:
        self.counter += 1
        return f"trf_{self.seed % 1000:03d}{self.counter:011d}"

    def add(
        self,
        rail: str,
        payer: str,
        payee: str,
        amount_paise: int,
        at: datetime,
        narration: str = "",
        is_cash: bool = False,
    ) -> str:
        if amount_paise <= 0:
            raise ValueError("transfers move a positive amount")
        tid = self.next_id()
        day = at.astimezone(IST).date()
        self.rows.setdefault(day, []).append(
            (
                tid,
                rail,
                payer,
                payee,
                int(amount_paise),
                "INR",
                is_cash,
                "completed",
                at,
                day,
                narration,
            )
        )
        return tid

    def add_frame(self, day: date, frame: pl.DataFrame) -> None:
        n = frame.height
        if n == 0:
            return
        ids = pl.Series(
            "transfer_id",
            [
                f"trf_{self.seed % 1000:03d}{c:011d}"
                for c in range(self.counter + 1, self.counter + n + 1)
            ],
        )
        self.counter += n
        self.by_day.setdefault(day, []).append(
            frame.with_columns(ids).select(list(TRANSFER_SCHEMA))
        )

    def frame_for(self, day: date) -> pl.DataFrame:
        parts = list(self.by_day.get(day, []))
        rows = self.rows.get(day, [])
        if rows:
            parts.append(pl.DataFrame(rows, schema=TRANSFER_SCHEMA, orient="row"))
        if not parts:
            return pl.DataFrame(schema=TRANSFER_SCHEMA)
        return pl.concat(parts).cast(TRANSFER_SCHEMA).sort("created_at", "transfer_id")  # type: ignore[arg-type]


def _ids(prefix: str, seed: int, parts: list[str]) -> list[str]:
    return [keys.object_id(prefix, seed, p) for p in parts]


def build_accounts(
    cfg: AmlNetworkConfig, customers: pl.DataFrame, merchants: pl.DataFrame
) -> pl.DataFrame:
    """One wallet per customer, one account per merchant, outside bank accounts for payouts."""
    rng = np.random.default_rng([cfg.seed, 8_101])
    cust = customers.select(
        pl.Series("account_id", _ids("acc", cfg.seed, customers["customer_id"].to_list())),
        pl.lit("customer").alias("owner_type"),
        pl.col("customer_id").alias("owner_id"),
        pl.col("full_name").alias("holder_name"),
        pl.lit("wallet").alias("account_kind"),
        "vpa",
        pl.lit(None, pl.String).alias("ifsc"),
        pl.lit(None, pl.String).alias("account_number"),
        pl.lit("IN").alias("country"),
        "date_of_birth",
        pl.lit(None, pl.String).alias("mcc"),
        pl.max_horizontal(pl.col("customer_since"), pl.lit(date(2017, 1, 1))).alias("opened_on"),
    )
    merch = merchants.select(
        pl.Series("account_id", _ids("acc", cfg.seed, merchants["merchant_id"].to_list())),
        pl.lit("merchant").alias("owner_type"),
        pl.col("merchant_id").alias("owner_id"),
        pl.col("legal_name").alias("holder_name"),
        pl.lit("merchant").alias("account_kind"),
        pl.col("merchant_vpa").alias("vpa"),
        pl.col("bank_ifsc").alias("ifsc"),
        pl.col("bank_account_number").alias("account_number"),
        pl.lit("IN").alias("country"),
        pl.lit(None, pl.Date).alias("date_of_birth"),
        "mcc",
        "onboarded_on",
    ).rename({"onboarded_on": "opened_on"})
    # Outside bank accounts (loads come from them, payouts go to them): named like customers.
    n_ext = max(200, customers.height // 10)
    first = customers["first_name"].to_numpy()
    last = customers["last_name"].to_numpy()
    fi = rng.integers(0, len(first), n_ext)
    li = rng.integers(0, len(last), n_ext)
    names = [f"{first[a]} {last[b]}" for a, b in zip(fi, li, strict=True)]
    ifsc_pool = merchants["bank_ifsc"].to_list()
    ext = pl.DataFrame(
        {
            "account_id": _ids("acc", cfg.seed, [f"ext{i}" for i in range(n_ext)]),
            "owner_type": "external",
            "owner_id": None,
            "holder_name": names,
            "account_kind": "bank",
            "vpa": None,
            "ifsc": [ifsc_pool[i % len(ifsc_pool)] for i in rng.integers(0, 10**9, n_ext)],
            "account_number": [str(x) for x in rng.integers(10**11, 10**12, n_ext)],
            "country": "IN",
            "date_of_birth": None,
            "mcc": None,
            "opened_on": date(2015, 1, 1),
        },
        schema=ACCOUNT_SCHEMA,
    )
    return pl.concat([cust.cast(ACCOUNT_SCHEMA), merch.cast(ACCOUNT_SCHEMA), ext])  # type: ignore[arg-type]


def _background_day(
    cfg: AmlNetworkConfig,
    day: date,
    rng: np.random.Generator,
    cust_ids: np.ndarray,
    rates: np.ndarray,
    friends: np.ndarray,
    busy_ids: np.ndarray,
    ext_ids: np.ndarray,
    exclude: np.ndarray,
) -> pl.DataFrame:
    """Ordinary people moving ordinary money: P2P to friends, P2M, loads from banks and cash."""
    festival = day in FESTIVAL_DATES
    factor = 3.0 if festival else (1.1 if day.weekday() >= 5 else 1.0)
    n_c = len(cust_ids)
    counts = rng.poisson(rates * factor)
    counts[exclude] = 0
    payer_idx = np.repeat(np.arange(n_c), counts)
    n = len(payer_idx)
    kind = rng.random(n)
    friend_pick = friends[payer_idx, rng.integers(0, friends.shape[1], n)]
    random_pick = rng.integers(0, n_c, n)
    to_friend = kind < 0.72
    to_busy = (kind >= 0.85) & (kind < 0.95)
    payee_idx = np.where(to_friend, friend_pick, random_pick)
    payee_idx = np.where(exclude[payee_idx], (payee_idx + 1) % n_c, payee_idx)
    payee_idx = np.where(payee_idx == payer_idx, (payee_idx + 1) % n_c, payee_idx)
    payee = cust_ids[payee_idx].astype(object)
    if len(busy_ids):
        payee[to_busy] = busy_ids[rng.integers(0, len(busy_ids), int(to_busy.sum()))]
    to_ext = kind >= 0.95
    payee[to_ext] = ext_ids[rng.integers(0, len(ext_ids), int(to_ext.sum()))]
    amount = np.exp(rng.normal(np.log(700), 1.1, n)) * (1.5 if festival else 1.0)
    amount = np.clip(amount, 10, 90_000)
    rounded = rng.random(n) < 0.35
    amount_paise = (
        np.where(rounded, np.maximum(1, np.round(amount / 100)) * 100, np.round(amount, 0)).astype(
            np.int64
        )
        * RUPEE
    )
    rail = np.where(
        to_busy,
        "upi_p2m",
        np.where(to_ext, "payout", np.where(kind < 0.5, "upi_p2p", "wallet_p2p")),
    )
    seconds = rng.uniform(7 * 3600, 23.5 * 3600, n)
    out = [
        pl.DataFrame(
            {
                "rail": rail,
                "payer_account_id": cust_ids[payer_idx],
                "payee_account_id": payee.astype(str),
                "amount_paise": amount_paise,
                "seconds": seconds,
            }
        )
    ]
    # Money coming in: loads from the customer's bank and, now and then, cash at an agent point.
    for rail_name, rate, lo, hi in (
        ("bank_load", 0.03, 500, 25_000),
        ("cash_load", 0.004, 500, 49_900),
    ):
        m = rng.random(n_c) < rate * factor
        m &= ~exclude
        k = int(m.sum())
        amt = np.round(rng.uniform(lo, hi, k) / 100) * 100
        out.append(
            pl.DataFrame(
                {
                    "rail": np.full(k, rail_name),
                    "payer_account_id": ext_ids[rng.integers(0, len(ext_ids), k)]
                    if rail_name == "bank_load"
                    else np.full(k, CASH_POINT_ACCOUNT),
                    "payee_account_id": cust_ids[m],
                    "amount_paise": amt.astype(np.int64) * RUPEE,
                    "seconds": rng.uniform(8 * 3600, 21 * 3600, k),
                }
            )
        )
    frame = pl.concat(out)
    base = datetime.combine(day, time(0), tzinfo=IST).astimezone(UTC)
    return frame.select(
        "rail",
        "payer_account_id",
        "payee_account_id",
        "amount_paise",
        pl.lit("INR").alias("currency"),
        (pl.col("rail") == "cash_load").alias("is_cash"),
        pl.lit("completed").alias("status"),
        (pl.lit(base) + pl.duration(microseconds=(pl.col("seconds") * 1e6).cast(pl.Int64))).alias(
            "created_at"
        ),
        pl.lit(day).alias("business_date"),
        pl.lit("").alias("narration"),
    )


CASH_POINT_ACCOUNT = "acc_cashpoint_agents"  # the agent network's cash pool, one account
NODAL_ACCOUNT = "acc_nodal_escrow"  # our nodal (escrow) account merchants are settled from


def build_aml_network(
    cfg: AmlNetworkConfig,
    customers: pl.DataFrame,
    merchants: pl.DataFrame,
    write_day: Callable[[date, pl.DataFrame], None],
) -> tuple[pl.DataFrame, list[_Case], list[tuple], AmlNetworkSummary]:
    """Generate the network; each day's transfers go to ``write_day`` in date order.

    Returns the accounts, the cases (injected and look-alikes), the planted screening rows and a
    summary.
    """
    rng = np.random.default_rng([cfg.seed, 8_102])
    accounts = build_accounts(cfg, customers, merchants)
    cust_accounts = accounts.filter(pl.col("owner_type") == "customer")
    cust_ids = cust_accounts["account_id"].to_numpy().astype(str)
    cust_owner = cust_accounts["owner_id"].to_numpy().astype(str)
    merch_accounts = accounts.filter(pl.col("owner_type") == "merchant")
    ext_ids = (
        accounts.filter(pl.col("owner_type") == "external")["account_id"].to_numpy().astype(str)
    )
    n_c = len(cust_ids)
    rates = rng.gamma(0.8, cfg.p2p_rate_per_day / 0.8, n_c)
    friends = rng.integers(0, n_c, (n_c, 5))
    exclude = np.zeros(n_c, dtype=bool)  # accounts reserved as dormant: no background at all

    t = _Transfers(cfg.seed)
    cases: list[_Case] = []
    extra_accounts: list[dict] = []
    world_days = [cfg.start + timedelta(days=i) for i in range(cfg.days)]
    used: set[int] = set()

    def case_id(typology: str, i: int) -> str:
        return keys.object_id("amltruth", cfg.seed, typology, i)

    def pick_customer() -> int:
        while True:
            i = int(rng.integers(0, n_c))
            if i not in used:
                used.add(i)
                return i

    def new_account(owner: str | None, owner_type: str, name: str, tag: str, **kw: object) -> str:
        acc = keys.object_id("acc", cfg.seed, "extra", tag)
        row = dict.fromkeys(ACCOUNT_SCHEMA)
        row.update(
            account_id=acc,
            owner_type=owner_type,
            owner_id=owner,
            holder_name=name,
            account_kind="bank" if owner_type == "external" else "wallet",
            country="IN",
            opened_on=date(2016, 4, 1),
        )
        row.update(kw)
        extra_accounts.append(row)
        return acc

    def at(day: date, hour: float) -> datetime:
        return _utc(day, hour * 3600 + float(rng.uniform(0, 600)))

    def case_day(span: int) -> date:
        last = max(0, cfg.days - span)
        return world_days[int(rng.integers(0, last + 1))]

    # --- look-alikes ---------------------------------------------------------------------------
    by_volume = merch_accounts.join(
        merchants.select(pl.col("merchant_id").alias("owner_id"), "volume_weight"), on="owner_id"
    ).sort("volume_weight", descending=True)
    busy = by_volume.head(cfg.busy_merchants * cfg.lookalike_scale)
    busy_ids = busy["account_id"].to_numpy().astype(str)
    busy_bank = {
        a: new_account(o, "external", n, f"busybank{a}", ifsc=i, account_number=num)
        for a, o, n, i, num in busy.select(
            "account_id", "owner_id", "holder_name", "ifsc", "account_number"
        ).iter_rows()
    }
    for k, a in enumerate(busy_ids):
        cases.append(
            _Case(
                case_id("busy_merchant", k),
                "busy_merchant",
                False,
                "A busy merchant: a hundred and more payers a day, one payout of the takings each morning.",
                [(str(a), "merchant")],
            )
        )
    employers = by_volume.slice(len(busy_ids), cfg.employers * cfg.lookalike_scale)
    payroll: list[tuple[str, int, list[tuple[int, int]]]] = []
    for k, (emp,) in enumerate(employers.select("account_id").iter_rows()):
        staff = [pick_customer() for _ in range(int(rng.integers(20, 60)))]
        salaries = [int(rng.integers(15, 80)) * 1_000 * RUPEE for _ in staff]
        pay_dom = world_days[k % len(world_days)].day
        payroll.append((emp, pay_dom, list(zip(staff, salaries, strict=True))))
        cases.append(
            _Case(
                case_id("salary_run", k),
                "salary_run",
                False,
                f"Salary run on day {pay_dom} of every month to {len(staff)} employees (round amounts).",
                [(emp, "employer")] + [(str(cust_ids[s]), "employee") for s in staff],
            )
        )
    festival_days = sorted(d for d in FESTIVAL_DATES if cfg.start <= d <= cfg.last_day)
    if festival_days:
        cases.append(
            _Case(
                case_id("festival_spike", 0),
                "festival_spike",
                False,
                "Festival day(s) "
                + ", ".join(d.isoformat() for d in festival_days)
                + ": three times the usual transfers, gifts 1.5 times larger.",
            )
        )

    # --- injected typologies -------------------------------------------------------------------
    def ext_account(tag: str, country: str = "IN") -> str:
        first = customers["first_name"][int(rng.integers(0, customers.height))]
        last = customers["last_name"][int(rng.integers(0, customers.height))]
        return new_account(
            None,
            "external",
            f"{first} {last}",
            tag,
            country=country,
            account_number=str(int(rng.integers(10**11, 10**12))),
        )

    for i in range(cfg.cases_per_typology):
        # Structuring: one person, three connected accounts, cash loads just under ₹50,000.
        c = case_id("structuring", i)
        owner_i = pick_customer()
        owner = str(cust_owner[owner_i])
        name = str(cust_accounts["holder_name"][owner_i])
        accs = [str(cust_ids[owner_i])] + [
            new_account(owner, "customer", name, f"struct{i}-{j}", account_kind="wallet")
            for j in range(2)
        ]
        case = _Case(
            c,
            "structuring",
            True,
            "Cash loads of ₹45,000–₹49,900 split over three accounts of one person, keeping each under the ₹50,000 PAN cut-off and the month under ₹10 lakh.",
            [(a, "subject") for a in accs],
        )
        span = min(cfg.days, 5)
        d0 = case_day(span)
        total = 0
        for d in range(span):
            for _ in range(int(rng.integers(2, 4))):
                amount = int(rng.integers(450, 500)) * 100 * RUPEE
                if total + amount >= 10 * LAKH - 50_000 * RUPEE:
                    break
                total += amount
                case.transfers.append(
                    t.add(
                        "cash_load",
                        CASH_POINT_ACCOUNT,
                        accs[int(rng.integers(0, 3))],
                        amount,
                        at(d0 + timedelta(days=d), float(rng.uniform(10, 19))),
                        "cash deposit",
                        True,
                    )
                )
        cases.append(case)

        # Fan-in: a mule collects from many strangers in two days, then moves it on.
        c = case_id("fan_in", i)
        mule = str(cust_ids[pick_customer()])
        sink = ext_account(f"fanin-sink{i}")
        case = _Case(
            c,
            "fan_in",
            True,
            "A mule account collects from 15–30 strangers in two days and sends the lot on.",
            [(mule, "subject"), (sink, "beneficiary")],
        )
        d0 = case_day(2)
        got = 0
        for _ in range(int(rng.integers(15, 30))):
            payer = str(cust_ids[int(rng.integers(0, n_c))])
            amount = int(rng.integers(50, 490)) * 100 * RUPEE
            got += amount
            day = d0 + timedelta(days=int(rng.integers(0, min(2, cfg.days))))
            case.transfers.append(
                t.add("upi_p2p", payer, mule, amount, at(day, float(rng.uniform(8, 20))))
            )
            case.accounts.append((payer, "payer"))
        last_day = min(d0 + timedelta(days=1), cfg.last_day)
        case.transfers.append(t.add("payout", mule, sink, got * 97 // 100, at(last_day, 22.5)))
        cases.append(case)

        # Fan-out: one large credit spread over many new payees in two days.
        c = case_id("fan_out", i)
        hub = str(cust_ids[pick_customer()])
        src = ext_account(f"fanout-src{i}")
        case = _Case(
            c,
            "fan_out",
            True,
            "One large credit from outside spread over 12–25 new payees within two days.",
            [(hub, "subject"), (src, "originator")],
        )
        d0 = case_day(2)
        n_pay = int(rng.integers(12, 25))
        amounts = [int(rng.integers(200, 900)) * 100 * RUPEE for _ in range(n_pay)]
        case.transfers.append(t.add("bank_load", src, hub, sum(amounts) + 5_000 * RUPEE, at(d0, 9)))
        for amount in amounts:
            payee = str(cust_ids[int(rng.integers(0, n_c))])
            day = d0 + timedelta(days=int(rng.integers(0, min(2, cfg.days))))
            case.transfers.append(
                t.add("upi_p2p", hub, payee, amount, at(day, float(rng.uniform(10, 22))))
            )
            case.accounts.append((payee, "payee"))
        cases.append(case)

        # Cycle: money goes round three to five accounts and comes home, a little shaved each hop.
        c = case_id("cycle", i)
        ring = [str(cust_ids[pick_customer()]) for _ in range(int(rng.integers(3, 6)))]
        case = _Case(
            c,
            "cycle",
            True,
            f"₹2–8 lakh passes through {len(ring)} accounts and returns to where it began within days.",
            [(a, "subject") for a in ring],
        )
        span = min(cfg.days, len(ring))
        d0 = case_day(span)
        amount = int(rng.integers(2, 8)) * LAKH + int(rng.integers(0, 99_999)) * RUPEE
        hour = 10.0
        day = d0
        for h in range(len(ring)):
            payer, payee = ring[h], ring[(h + 1) % len(ring)]
            case.transfers.append(
                t.add("wallet_p2p" if h % 2 else "upi_p2p", payer, payee, amount, at(day, hour))
            )
            amount = amount * int(rng.integers(97, 100)) // 100
            hour += float(rng.uniform(2, 6))
            if hour > 21:
                hour = 9.0
                day = min(day + timedelta(days=1), cfg.last_day)
        cases.append(case)

        # Rapid pass-through: in from outside, out to outside within hours, again and again.
        c = case_id("rapid_pass_through", i)
        acct = str(cust_ids[pick_customer()])
        src, dst = ext_account(f"rpt-src{i}"), ext_account(f"rpt-dst{i}")
        case = _Case(
            c,
            "rapid_pass_through",
            True,
            "₹1.5–5 lakh arrives from outside and leaves for another outside account within one to four hours, two or three times.",
            [(acct, "subject"), (src, "originator"), (dst, "beneficiary")],
        )
        for _ in range(int(rng.integers(2, 4))):
            day = case_day(1)
            amount = int(rng.integers(150, 500)) * 1_000 * RUPEE + int(rng.integers(0, 999)) * RUPEE
            hour = float(rng.uniform(9, 15))
            case.transfers.append(t.add("bank_load", src, acct, amount, at(day, hour)))
            case.transfers.append(
                t.add(
                    "payout",
                    acct,
                    dst,
                    amount * 98 // 100,
                    at(day, hour + float(rng.uniform(1, 4))),
                )
            )
        cases.append(case)

        # Scatter-gather: a source splits money over mules who all forward it to one sink.
        c = case_id("scatter_gather", i)
        source = str(cust_ids[pick_customer()])
        sink = str(cust_ids[pick_customer()])
        mules = [str(cust_ids[pick_customer()]) for _ in range(int(rng.integers(6, 11)))]
        case = _Case(
            c,
            "scatter_gather",
            True,
            f"A source scatters ₹40,000–₹90,000 each to {len(mules)} mules who all forward it to one sink within two days.",
            [(source, "subject"), (sink, "subject")] + [(m, "mule") for m in mules],
        )
        d0 = case_day(2)
        for m in mules:
            amount = int(rng.integers(400, 900)) * 100 * RUPEE
            hour = float(rng.uniform(9, 14))
            case.transfers.append(t.add("upi_p2p", source, m, amount, at(d0, hour)))
            day2 = min(d0 + timedelta(days=int(rng.integers(0, 2))), cfg.last_day)
            hour2 = hour + float(rng.uniform(1, 6)) if day2 == d0 else float(rng.uniform(9, 20))
            case.transfers.append(t.add("wallet_p2p", m, sink, amount * 98 // 100, at(day2, hour2)))
        cases.append(case)

        # Dormant reactivation: an old account silent for months suddenly moves lakhs.
        c = case_id("dormant_reactivation", i)
        owner_i = pick_customer()
        owner = str(cust_owner[owner_i])
        dormant = new_account(
            owner,
            "customer",
            str(cust_accounts["holder_name"][owner_i]),
            f"dormant{i}",
            account_kind="wallet",
            opened_on=date(2019, 7, 1),
        )
        src, dst = ext_account(f"dorm-src{i}"), ext_account(f"dorm-dst{i}")
        case = _Case(
            c,
            "dormant_reactivation",
            True,
            "An account opened years ago and silent for the whole history receives ₹3–9 lakh and sends it out within two days.",
            [(dormant, "subject"), (src, "originator"), (dst, "beneficiary")],
        )
        d0 = case_day(2)
        amount = int(rng.integers(3, 9)) * LAKH + int(rng.integers(0, 9_999)) * RUPEE
        case.transfers.append(t.add("bank_load", src, dormant, amount, at(d0, 11)))
        d1 = min(d0 + timedelta(days=1), cfg.last_day)
        case.transfers.append(t.add("payout", dormant, dst, amount - 2_000 * RUPEE, at(d1, 16)))
        cases.append(case)

        # Round amounts: exact multiples of ₹50,000 with new counterparties.
        c = case_id("round_amounts", i)
        acct = str(cust_ids[pick_customer()])
        case = _Case(
            c,
            "round_amounts",
            True,
            "Four to seven transfers of exact multiples of ₹50,000 with counterparties never seen before.",
            [(acct, "subject")],
        )
        for r in range(int(rng.integers(4, 8))):
            day = case_day(1)
            other = ext_account(f"round{i}-{r}")
            amount = int(rng.integers(1, 8)) * 50_000 * RUPEE
            if r % 2:
                case.transfers.append(
                    t.add("bank_load", other, acct, amount, at(day, float(rng.uniform(9, 20))))
                )
            else:
                case.transfers.append(
                    t.add("payout", acct, other, amount, at(day, float(rng.uniform(9, 20))))
                )
            case.accounts.append((other, "counterparty"))
        cases.append(case)

        # High-risk geography: payouts abroad to FATF call-for-action jurisdictions.
        c = case_id("high_risk_geography", i)
        acct = str(cust_ids[pick_customer()])
        country = HIGH_RISK_COUNTRIES[i % len(HIGH_RISK_COUNTRIES)]
        abroad = ext_account(f"hrg{i}", country=country)
        case = _Case(
            c,
            "high_risk_geography",
            True,
            f"Cross-border payouts to an account in {country}, a FATF call-for-action jurisdiction.",
            [(acct, "subject"), (abroad, "beneficiary")],
        )
        for _ in range(int(rng.integers(1, 3))):
            day = case_day(1)
            amount = int(rng.integers(20, 300)) * 1_000 * RUPEE
            case.transfers.append(
                t.add("cross_border", acct, abroad, amount, at(day, float(rng.uniform(10, 18))))
            )
        cases.append(case)

    # --- small look-alikes that live beside the typologies --------------------------------------
    for k in range(6 * cfg.lookalike_scale):
        trio = [str(cust_ids[pick_customer()]) for _ in range(3)]
        case = _Case(
            case_id("friends_settling_up", k),
            "friends_settling_up",
            False,
            "Three friends settle a shared trip: money goes round, in small amounts.",
            [(a, "friend") for a in trio],
        )
        day = case_day(1)
        amount = int(rng.integers(5, 50)) * 100 * RUPEE
        for h in range(3):
            case.transfers.append(
                t.add("upi_p2p", trio[h], trio[(h + 1) % 3], amount, at(day, 12 + h))
            )
        cases.append(case)
    for k in range(8 * cfg.lookalike_scale):
        acct = str(cust_ids[pick_customer()])
        case = _Case(
            case_id("one_off_cash_near_cutoff", k),
            "one_off_cash_near_cutoff",
            False,
            "One cash load just under ₹50,000 (a wedding gift banked), once.",
            [(acct, "subject")],
        )
        case.transfers.append(
            t.add(
                "cash_load",
                CASH_POINT_ACCOUNT,
                acct,
                int(rng.integers(460, 500)) * 100 * RUPEE,
                at(case_day(1), 12),
                "cash deposit",
                True,
            )
        )
        cases.append(case)
    traders = [pick_customer() for _ in range(2 * cfg.lookalike_scale)]
    for k, tr in enumerate(traders):
        acct = str(cust_ids[tr])
        case = _Case(
            case_id("cash_rich_trader", k),
            "cash_rich_trader",
            False,
            "A wholesale trader banks ₹1.2–3.5 lakh of cash three times a week: well over ₹10 lakh a "
            "month, reported in the CTR, not hidden under it.",
            [(acct, "subject")],
        )
        d = cfg.first_day
        while d <= cfg.last_day:
            if d.weekday() in (0, 2, 4):
                case.transfers.append(
                    t.add(
                        "cash_load",
                        CASH_POINT_ACCOUNT,
                        acct,
                        int(rng.integers(1_200, 3_500)) * 100 * RUPEE,
                        at(d, float(rng.uniform(17, 19))),
                        "cash deposit",
                        True,
                    )
                )
            d += timedelta(days=1)
        cases.append(case)
    travel = merch_accounts.filter(pl.col("mcc") == "4722")
    for k in range(min(4, travel.height) * cfg.lookalike_scale):
        acct = str(travel["account_id"][k % travel.height])
        country = ORDINARY_FOREIGN_COUNTRIES[k % len(ORDINARY_FOREIGN_COUNTRIES)]
        abroad = ext_account(f"travel{k}", country=country)
        case = _Case(
            case_id("ordinary_cross_border", k),
            "ordinary_cross_border",
            False,
            f"A travel agency pays a hotel in {country}.",
            [(acct, "merchant"), (abroad, "beneficiary")],
        )
        case.transfers.append(
            t.add(
                "cross_border",
                acct,
                abroad,
                int(rng.integers(50, 400)) * 1_000 * RUPEE,
                at(case_day(1), 13),
            )
        )
        cases.append(case)

    # --- planted payout beneficiaries for sanctions screening -----------------------------------
    screening: list[tuple] = []
    if cfg.plant_screening:
        payers = busy_ids if len(busy_ids) else cust_ids[:1]
        for k, (ref, name, dob, country, true_match) in enumerate(SCREENING_PLANTS):
            acc = new_account(
                None,
                "external",
                name,
                f"screen{k}",
                country=country,
                date_of_birth=dob,
                account_number=str(int(rng.integers(10**11, 10**12))),
            )
            payer = str(payers[k % len(payers)])
            tid = t.add(
                "payout",
                payer,
                acc,
                int(rng.integers(20, 90)) * 1_000 * RUPEE,
                at(case_day(1), 15),
                "vendor payment",
            )
            screening.append((acc, name, dob, country, ref, true_match, tid))

    # --- the background, day by day --------------------------------------------------------------
    # Dormant accounts are extra accounts: no background is generated for them.
    summary = AmlNetworkSummary()
    all_accounts = pl.concat([accounts, pl.DataFrame(extra_accounts, schema=ACCOUNT_SCHEMA)])
    merchant_ids = merch_accounts["account_id"].to_numpy().astype(str)
    merchant_volume = (
        merch_accounts.join(
            merchants.select(pl.col("merchant_id").alias("owner_id"), "volume_weight"),
            on="owner_id",
            how="left",
        )["volume_weight"]
        .fill_null(0.0)
        .to_numpy()
    )
    day = cfg.first_day
    takings: dict[str, int] = {}
    while day <= cfg.last_day:
        frame = _background_day(cfg, day, rng, cust_ids, rates, friends, busy_ids, ext_ids, exclude)
        t.add_frame(day, frame)
        # Every merchant's account is credited its card and netbanking settlement each
        # business day from our nodal account (so no merchant account looks dormant).
        if day.weekday() != 6:
            base = datetime.combine(day, time(0), tzinfo=IST).astimezone(UTC)
            scale = merchant_volume * cfg.p2p_rate_per_day * n_c * 40
            amounts = (
                np.maximum(
                    (np.exp(rng.normal(np.log(np.maximum(scale, 1_000)), 0.4)) // 1).astype(
                        np.int64
                    ),
                    1_000,
                )
                * RUPEE
            )
            t.add_frame(
                day,
                pl.DataFrame(
                    {
                        "rail": "payout",
                        "payer_account_id": NODAL_ACCOUNT,
                        "payee_account_id": merchant_ids,
                        "amount_paise": amounts,
                        "currency": "INR",
                        "is_cash": False,
                        "status": "completed",
                        "created_at": base + timedelta(hours=11),
                        "business_date": day,
                        "narration": "settlement",
                    },
                    schema=_BODY_SCHEMA,
                ),
            )
        # Busy merchants: P2M from many payers, and yesterday's takings paid out each morning.
        for a in busy_ids:
            if takings.get(a):
                t.add(
                    "payout",
                    str(a),
                    busy_bank[str(a)],
                    takings[a],
                    at(day, 9.5),
                    "settlement of takings",
                )
            n = int(
                rng.poisson(
                    cfg.busy_merchant_payers_per_day * (2.5 if day in FESTIVAL_DATES else 1)
                )
            )
            payers = cust_ids[rng.integers(0, n_c, n)]
            amounts = (np.round(np.exp(rng.normal(np.log(450), 0.8, n))) * RUPEE).astype(np.int64)
            amounts = np.maximum(amounts, RUPEE)
            base = datetime.combine(day, time(0), tzinfo=IST).astimezone(UTC)
            secs = rng.uniform(8 * 3600, 22 * 3600, n)
            t.add_frame(
                day,
                pl.DataFrame(
                    {
                        "rail": "upi_p2m",
                        "payer_account_id": payers,
                        "payee_account_id": str(a),
                        "amount_paise": amounts,
                        "currency": "INR",
                        "is_cash": False,
                        "status": "completed",
                        "created_at": [base + timedelta(seconds=float(s)) for s in secs],
                        "business_date": day,
                        "narration": "",
                    },
                    schema=_BODY_SCHEMA,
                ),
            )
            takings[a] = int(amounts.sum())
        # Salary runs: funded the evening before, paid on the pay day to the same staff.
        for emp, pay_dom, staff in payroll:
            total = sum(s for _, s in staff)
            if (day + timedelta(days=1)).day == pay_dom:
                t.add(
                    "bank_load",
                    busy_bank.get(emp) or ext_ids[0],
                    emp,
                    total,
                    at(day, 19),
                    "payroll funding",
                )
            if day.day == pay_dom:
                for s, salary in staff:
                    t.add("payout", emp, str(cust_ids[s]), salary, at(day, 10), "salary")
        day_frame = t.frame_for(day)
        write_day(day, day_frame)
        summary.transfers += day_frame.height
        t.by_day.pop(day, None)
        t.rows.pop(day, None)
        day += timedelta(days=1)
    cash_point = pl.DataFrame(
        [
            {
                **dict.fromkeys(ACCOUNT_SCHEMA),
                "account_id": CASH_POINT_ACCOUNT,
                "owner_type": "external",
                "holder_name": "Agent network cash pool",
                "account_kind": "cash",
                "country": "IN",
                "opened_on": date(2015, 1, 1),
            }
        ],
        schema=ACCOUNT_SCHEMA,
    )
    nodal = cash_point.with_columns(
        pl.lit(NODAL_ACCOUNT).alias("account_id"),
        pl.lit("Hisaab Payments nodal escrow account").alias("holder_name"),
        pl.lit("bank").alias("account_kind"),
    )
    all_accounts = pl.concat([all_accounts, cash_point, nodal])
    summary.accounts = all_accounts.height
    for c in cases:
        summary.cases[c.typology] = summary.cases.get(c.typology, 0) + 1
    return all_accounts, cases, screening, summary


def write_aml_world(
    cfg: AmlNetworkConfig,
    customers: pl.DataFrame,
    merchants: pl.DataFrame,
    books: Path,
    truth: Path,
) -> AmlNetworkSummary:
    """Build the network and write books (accounts, transfers) and truth files."""

    def write_day(day: date, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        path = books / "transfers" / f"business_date={day.isoformat()}" / "part-00000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="zstd", statistics=True)

    accounts, cases, screening, summary = build_aml_network(cfg, customers, merchants, write_day)
    (books / "accounts").mkdir(parents=True, exist_ok=True)
    accounts.sort("account_id").write_parquet(
        books / "accounts" / "accounts.parquet", compression="zstd"
    )
    truth.mkdir(parents=True, exist_ok=True)
    case_frame, account_frame, txn_frame = cases_frames(cases)
    case_frame.write_parquet(truth / "aml_cases.parquet")
    account_frame.write_parquet(truth / "aml_case_accounts.parquet")
    txn_frame.write_parquet(truth / "aml_case_transactions.parquet")
    pl.DataFrame(
        screening,
        schema={
            "account_id": pl.String,
            "holder_name": pl.String,
            "date_of_birth": pl.Date,
            "country": pl.String,
            "list_reference": pl.String,
            "is_true_match": pl.Boolean,
            "transfer_id": pl.String,
        },
        orient="row",
    ).write_parquet(truth / "aml_screening.parquet")
    return summary


def cases_frames(cases: list[_Case]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    case_frame = pl.DataFrame(
        [
            (c.truth_alert_id, c.typology, c.is_suspicious, c.description, len(c.transfers))
            for c in cases
        ],
        schema={
            "truth_alert_id": pl.String,
            "typology": pl.String,
            "is_suspicious": pl.Boolean,
            "description": pl.String,
            "transactions": pl.Int64,
        },
        orient="row",
    )
    account_frame = pl.DataFrame(
        [(c.truth_alert_id, c.typology, a, role) for c in cases for a, role in c.accounts],
        schema={
            "truth_alert_id": pl.String,
            "typology": pl.String,
            "account_id": pl.String,
            "role": pl.String,
        },
        orient="row",
    ).unique(maintain_order=True)
    txn_frame = pl.DataFrame(
        [(c.truth_alert_id, c.typology, tid) for c in cases for tid in c.transfers],
        schema={"truth_alert_id": pl.String, "typology": pl.String, "transfer_id": pl.String},
        orient="row",
    )
    return case_frame, account_frame, txn_frame
