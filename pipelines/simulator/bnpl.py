"""BNPL applicants of the simulated world: what a risk analyst trains credit models on.

Serves the risk analyst (issue 7): a credit model needs applicants whose repayment depends on
things we can see. Applicants are the world's own customers after the payment window: in each
monthly cohort a paying customer applies with chance ``APPLY_RATE`` (BNPL at checkout, so most
people apply more than once in six months). A person keeps their employment, income and bureau
standing between applications; each application has its own bureau pull (score, enquiries,
delinquencies), EMIs, amount and tenor, and a repayment outcome drawn from a latent probability
of default (PD) that depends on those attributes **and on the customer's payment behaviour in our books** (failed attempts,
refunds, chargebacks, volume, tenure). The model never sees the latent PD; the ground truth keeps
it, so a model's AUC can be compared with the oracle's on the same applicants.

Writes::

    books/bnpl_applications/bnpl_applications.parquet   applications + observed outcome (90+ DPD)
    truth/bnpl_applicants.parquet                       latent PD, outcome, period, drift flag

Applications fall in ``PERIODS`` monthly cohorts starting the day after the payment window.
``WorldConfig.bnpl_drift`` > 0 shifts the applicant mix of the last ``DRIFT_PERIODS`` cohorts
(lower bureau scores, more enquiries, younger applicants, more students): the population moves,
the PD function stays, so PSI has something to find and a correct model stays calibrated.

Money is integer paise (income, EMIs, requested amount); the PD is a probability, not money.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.simulator import keys
from pipelines.simulator.config import WorldConfig

PERIODS = 6  # monthly application cohorts after the payment window
PERIOD_DAYS = 30
DRIFT_PERIODS = 2  # the last cohorts drift when bnpl_drift > 0
# BNPL is offered at checkout: in each monthly cohort a paying customer applies with this chance
# (at most once a month). 200k payments a week come from 25k customers, so the default world has
# about 75k applications, 12.5k a month (about 1.4% of a month's payments): a two-month hold-out
# then has ~2,500 applicants per PD decile, so a decile's observed default rate has a sampling
# error near 1 point (the 2-point calibration target of issue 7 is measurable).
APPLY_RATE = 0.5
BUREAU_SD_PERSON = 60.0  # a person's bureau standing
BUREAU_SD_PULL = 25.0  # noise between two bureau pulls of the same person
EMPLOYMENT = ("salaried", "self_employed", "gig_worker", "student")
EMPLOYMENT_SHARES = np.array([0.55, 0.22, 0.13, 0.10])
EMPLOYMENT_LOGIT = {"salaried": 0.0, "self_employed": 0.25, "gig_worker": 0.45, "student": 0.6}
BASE_LOGIT = -2.0

APPLICATION_SCHEMA: dict[str, pl.DataType] = {
    "application_id": pl.String(),
    "customer_id": pl.String(),
    "applied_at": pl.Datetime("us", "UTC"),
    "applied_on": pl.Date(),
    "application_period": pl.String(),
    "requested_amount_paise": pl.Int64(),
    "tenor_months": pl.Int8(),
    "monthly_income_paise": pl.Int64(),
    "existing_emi_paise": pl.Int64(),
    "applicant_age_years": pl.Int16(),
    "employment_type": pl.String(),
    "bureau_score": pl.Int16(),
    "bureau_enquiries_6m": pl.Int16(),
    "delinquencies_24m": pl.Int16(),
    "open_credit_lines": pl.Int16(),
    "is_defaulted": pl.Boolean(),
}


def customer_behaviour(books: Path) -> pl.DataFrame:
    """Per-customer payment behaviour from our books, as the warehouse mart computes it."""
    payments = pl.scan_parquet(books / "payments" / "**" / "*.parquet")
    per_customer = payments.group_by("customer_id").agg(
        payment_attempts=pl.len().cast(pl.Int64),
        failed_attempts=(pl.col("status") == "failed").sum().cast(pl.Int64),
        captured_payments=(pl.col("status") == "captured").sum().cast(pl.Int64),
        captured_amount_paise=pl.when(pl.col("status") == "captured")
        .then(pl.col("amount_paise"))
        .otherwise(0)
        .sum()
        .cast(pl.Int64),
    )
    pay_customer = payments.select("payment_id", "customer_id")
    counts = [per_customer]
    for table, col in (("refunds", "refunds"), ("chargebacks", "chargebacks")):
        files = sorted((books / table).rglob("*.parquet"))
        if files:
            c = (
                pl.scan_parquet(files)
                .join(pay_customer, on="payment_id")
                .group_by("customer_id")
                .agg(pl.len().cast(pl.Int64).alias(col))
            )
        else:
            c = pl.LazyFrame(schema={"customer_id": pl.String, col: pl.Int64})
        counts.append(c)
    out = counts[0]
    for c in counts[1:]:
        out = out.join(c, on="customer_id", how="left")
    return out.fill_null(0).sort("customer_id").collect()


def latent_pd(frame: pl.DataFrame) -> np.ndarray:
    """The simulator's own probability of default: additive in log-odds, monotone per driver."""
    f = {c: frame[c].to_numpy().astype(np.float64) for c in frame.columns if c in _NUMERIC}
    income = np.maximum(f["monthly_income_paise"], 1.0)
    dti = (f["existing_emi_paise"] + f["requested_amount_paise"] / f["tenor_months"]) / income
    failed_ratio = f["failed_attempts"] / np.maximum(f["payment_attempts"], 1.0)
    refund_ratio = f["refunds"] / np.maximum(f["captured_payments"], 1.0)
    employment = frame["employment_type"].to_list()
    logit = (
        BASE_LOGIT
        - 0.013 * (f["bureau_score"] - 720.0)
        + 0.28 * f["bureau_enquiries_6m"]
        + 0.75 * np.minimum(f["delinquencies_24m"], 4.0)
        + 2.2 * np.clip(dti - 0.3, -0.3, 1.0)
        + 2.5 * (failed_ratio - 0.25)
        + 1.2 * np.minimum(refund_ratio, 1.0)
        + 0.9 * np.minimum(f["chargebacks"], 3.0)
        - 0.35 * np.log1p(f["captured_payments"])
        - 0.22 * np.log1p(f["tenure_days"] / 30.0)
        + 0.025 * np.clip(30.0 - f["applicant_age_years"], 0.0, 12.0)
        + np.array([EMPLOYMENT_LOGIT[e] for e in employment])
    )
    return 1.0 / (1.0 + np.exp(-logit))


_NUMERIC = {
    "monthly_income_paise",
    "existing_emi_paise",
    "requested_amount_paise",
    "tenor_months",
    "bureau_score",
    "bureau_enquiries_6m",
    "delinquencies_24m",
    "failed_attempts",
    "payment_attempts",
    "refunds",
    "captured_payments",
    "chargebacks",
    "tenure_days",
    "applicant_age_years",
}


def build_bnpl_applicants(cfg: WorldConfig, out_dir: Path) -> int:
    """Draw the world's BNPL applications and their outcomes; returns how many were made."""
    books, truth = out_dir / "books", out_dir / "truth"
    behaviour = customer_behaviour(books)
    customers = pl.read_parquet(books / "customers" / "customers.parquet").select(
        "customer_id", "date_of_birth", "customer_since"
    )
    rng = np.random.default_rng([cfg.seed, 0xB4B1])
    people = behaviour.join(customers, on="customer_id", how="inner").sort("customer_id")
    # What a person is: employment, income and bureau standing carry over between applications.
    n_people = people.height
    person_employment = rng.choice(len(EMPLOYMENT), n_people, p=EMPLOYMENT_SHARES)
    person_income_rupees = np.exp(rng.normal(np.log(38_000), 0.55, n_people))
    person_bureau = rng.normal(725, BUREAU_SD_PERSON, n_people)

    # Who applies when: at most one application per person and monthly cohort.
    person, period = np.nonzero(rng.random((n_people, PERIODS)) < APPLY_RATE)
    applicants = people[person]
    n = len(person)
    window_end = np.datetime64(cfg.start + timedelta(days=cfg.days - 1), "D")

    day_in_period = rng.integers(0, PERIOD_DAYS, n)
    seconds = rng.integers(0, 86_400, n)
    drifted = (period >= PERIODS - DRIFT_PERIODS) & (cfg.bnpl_drift > 0)
    drift = np.where(drifted, cfg.bnpl_drift, 0.0)

    applied_on = window_end + (1 + period * PERIOD_DAYS + day_in_period).astype("timedelta64[D]")
    # IST date -> UTC instant: the application is made at local time `seconds` into the day.
    applied_at = (
        applied_on.astype("datetime64[us]")
        - np.timedelta64(5 * 3600 + 30 * 60, "s")
        + seconds.astype("timedelta64[s]")
    )
    dob = applicants["date_of_birth"].to_numpy().astype("datetime64[D]")
    since = applicants["customer_since"].to_numpy().astype("datetime64[D]")
    age_years = (applied_on - dob).astype(np.int64) / 365.25
    # Drift brings younger applicants: some are replaced by 19-25 year olds.
    young = rng.random(n) < 0.35 * drift
    age_years = np.where(young, rng.uniform(19, 25, n), age_years)
    tenure_days = (applied_on - since).astype(np.int64)

    # Drift brings more students: a share 0.15d / (1 + 0.15d) of drifted applications.
    student_share = 0.15 * drift / (1 + 0.15 * drift)
    emp_idx = np.where(rng.random(n) < student_share, 3, person_employment[person])
    employment = np.array(EMPLOYMENT)[emp_idx]

    income_rupees = person_income_rupees[person]
    income_rupees = np.where(employment == "student", income_rupees * 0.35, income_rupees)
    monthly_income_paise = (np.round(income_rupees / 100) * 100 * 100).astype(np.int64)
    emi_share = rng.beta(1.6, 5.0, n) * (rng.random(n) < 0.65)
    existing_emi_paise = (np.round(monthly_income_paise * emi_share / 100) * 100).astype(np.int64)
    requested_rupees = np.clip(np.exp(rng.normal(np.log(9_000), 0.7, n)), 1_000, 60_000)
    requested_amount_paise = (np.round(requested_rupees / 100) * 100 * 100).astype(np.int64)
    tenor_months = rng.choice(np.array([3, 6, 9, 12], dtype=np.int8), n, p=[0.4, 0.35, 0.1, 0.15])

    # Each application pulls the bureau afresh: the person's standing plus this pull's noise.
    bureau_score = np.clip(
        np.round(person_bureau[person] - 45 * drift + rng.normal(0, BUREAU_SD_PULL, n)), 300, 900
    )
    enquiries = rng.poisson(1.1 * (1 + 0.8 * drift))
    delinquencies = rng.poisson(0.35 * (1 + 0.5 * drift))
    open_lines = rng.poisson(2.2, n)

    frame = applicants.with_columns(
        pl.Series("applied_on", applied_on, pl.Date),
        pl.Series("applied_at", applied_at).dt.replace_time_zone("UTC"),
        pl.Series("application_period", np.array([f"P{p + 1}" for p in range(PERIODS)])[period]),
        pl.Series("age_years", age_years),
        pl.Series("applicant_age_years", np.floor(age_years).astype(np.int16)),
        pl.Series("tenure_days", tenure_days, pl.Int64),
        pl.Series("employment_type", employment.tolist(), pl.String),
        pl.Series("monthly_income_paise", monthly_income_paise),
        pl.Series("existing_emi_paise", existing_emi_paise),
        pl.Series("requested_amount_paise", requested_amount_paise),
        pl.Series("tenor_months", tenor_months, pl.Int8),
        pl.Series("bureau_score", bureau_score.astype(np.int16)),
        pl.Series("bureau_enquiries_6m", enquiries.astype(np.int16)),
        pl.Series("delinquencies_24m", delinquencies.astype(np.int16)),
        pl.Series("open_credit_lines", open_lines.astype(np.int16)),
    )
    pd_latent = latent_pd(frame)
    defaulted = rng.random(n) < pd_latent
    frame = frame.with_columns(
        pl.Series("is_defaulted", defaulted),
        pl.Series("latent_pd", pd_latent),
        pl.Series("is_drifted", drifted),
        pl.Series(
            "application_id",
            [
                keys.object_id("bnpl", cfg.seed, c, p)
                for c, p in zip(frame["customer_id"], frame["application_period"], strict=True)
            ],
            pl.String,
        ),
    ).sort("applied_at", "application_id")

    out_books = books / "bnpl_applications"
    out_books.mkdir(parents=True, exist_ok=True)
    frame.select(list(APPLICATION_SCHEMA)).cast(APPLICATION_SCHEMA).write_parquet(  # type: ignore[arg-type]
        out_books / "bnpl_applications.parquet", compression="zstd", statistics=True
    )
    frame.select(
        "application_id",
        "customer_id",
        "application_period",
        "applied_on",
        "latent_pd",
        "is_defaulted",
        "is_drifted",
    ).write_parquet(truth / "bnpl_applicants.parquet", compression="zstd", statistics=True)
    return n
