"""The SQL behind each rule kind, on DuckDB, for the compliance officer's daily monitoring batch.

Every kind reads the same prepared tables (``monitoring.prepare``): ``aml_acct`` (accounts with
an integer key ``ix``), ``aml_edge`` (completed transfers between ``payer`` and ``payee`` keys,
over the evaluated days and at least the week before them, the longest window of a kind that
reads single transfers, and the month's cash for the monthly CTR rule), ``aml_acct_day`` (per
account and day over the whole look-back: money in and out, counts, distinct counterparties) and
``aml_pair_first`` (the first day in the look-back each account dealt with each counterparty it
dealt with in the last week, either way); the last two come from the per payer, payee and day
groups (stored per business date, ``risk.aml.history``), not the transfers. Each kind returns one row per entity
and day it fires on, for days in ``[start, end]``:

    ix | owner_id, business_date, value, amount_paise, detail, transfer_ids

Thresholds come from validated rule files (numbers only), so inlining them is safe; dates are
inlined as ``DATE 'YYYY-MM-DD'`` literals built from ``date`` objects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from risk.aml.rulebook import Rule

EVIDENCE_LIMIT = 50  # transfers kept as evidence per hit


def _d(x: date) -> str:
    return f"DATE '{x.isoformat()}'"


def _n(x: float | int) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def structuring_cutoff(r: Rule, s: date, e: date) -> str:
    band = float(r.t("band"))
    near = " or ".join(
        f"(e.amount_paise >= {int(c * (1 - band))} and e.amount_paise < {int(c)})"
        for c in r.t("cutoffs_paise")
    )
    w = r.window_days - 1
    return f"""
    with near as (
        select a.owner_id, e.business_date, e.transfer_id, e.amount_paise
        from aml_edge e join aml_acct a on a.ix = e.payee
        where e.is_cash and a.owner_type <> 'external' and ({near})
    ), days as (
        select distinct owner_id, business_date as d from near
        where business_date between {_d(s)} and {_d(e)}
    )
    select days.owner_id, days.d as business_date, count(*)::double as value,
        sum(n.amount_paise)::bigint as amount_paise,
        format('{{}} cash deposits just under a cut-off in {r.window_days} days', count(*)) as detail,
        list(n.transfer_id order by n.transfer_id)[1:{EVIDENCE_LIMIT}] as transfer_ids
    from days join near n on n.owner_id = days.owner_id
        and n.business_date between days.d - {w} and days.d
    group by all having count(*) >= {int(r.t("min_count"))}
    """


def structuring_monthly(r: Rule, s: date, e: date) -> str:
    thr = int(r.t("monthly_threshold_paise"))
    lo = int(thr * (1 - float(r.t("band"))))
    return f"""
    with cash as (
        select a.owner_id, e.business_date, e.transfer_id, e.amount_paise
        from aml_edge e join aml_acct a on a.ix = e.payee
        where e.is_cash and a.owner_type <> 'external'
    ), days as (
        -- judged on the month's last day, when the month's total is known
        select distinct owner_id, last_day(business_date) as d from cash
        where last_day(business_date) between {_d(s)} and {_d(e)}
    )
    select days.owner_id, days.d as business_date, sum(c.amount_paise)::double as value,
        sum(c.amount_paise)::bigint as amount_paise,
        format('cash this month {{}} paise in {{}} deposits, under the {thr} paise CTR threshold',
               sum(c.amount_paise)::bigint, count(*)) as detail,
        list(c.transfer_id order by c.transfer_id)[1:{EVIDENCE_LIMIT}] as transfer_ids
    from days join cash c on c.owner_id = days.owner_id
        and c.business_date between date_trunc('month', days.d)::date and days.d
    group by all
    having sum(c.amount_paise) >= {lo} and sum(c.amount_paise) < {thr}
        and count(*) >= {int(r.t("min_count"))}
    """


def _day_evidence(hits: str, direction: str = "both") -> str:
    """Attach the day's transfers of each hit (ix, business_date) as evidence.

    Each side is an equality join from the few hits into the transfers; "both" takes the union
    of the two (a transfer to oneself counts once), never one join on ``payer = ix or payee = ix``,
    which cannot use a hash join and compares every hit with every transfer.
    """
    sides = {"both": ("payer", "payee"), "in": ("payee",), "out": ("payer",)}[direction]
    legs = " union ".join(
        f"""select h.ix, h.business_date, e.transfer_id, e.amount_paise from h
        join aml_edge e on e.{side} = h.ix and e.business_date = h.business_date"""
        for side in sides
    )
    return f"""
    with h as materialized ({hits}), legs as ({legs})
    select h.ix, h.business_date, any_value(h.value) as value,
        any_value(h.amount_paise) as amount_paise, any_value(h.detail) as detail,
        list(l.transfer_id order by l.amount_paise desc, l.transfer_id)[1:{EVIDENCE_LIMIT}]
            as transfer_ids
    from h join legs l on l.ix = h.ix and l.business_date = h.business_date
    group by h.ix, h.business_date
    """


def velocity_spike(r: Rule, s: date, e: date) -> str:
    lb = r.lookback_days
    hits = f"""
    with today as (
        select ix, business_date, in_paise + out_paise as flow, in_n + out_n as n
        from aml_acct_day where business_date between {_d(s)} and {_d(e)}
    ), d as (
        select t.ix, t.business_date, any_value(t.flow) as flow, any_value(t.n) as n,
            coalesce(sum(h.in_paise + h.out_paise), 0) / {lb}.0 as baseline
        from today t left join aml_acct_day h on h.ix = t.ix
            and h.business_date between t.business_date - {lb} and t.business_date - 1
        group by t.ix, t.business_date
    )
    select ix, business_date, flow / greatest(baseline, 1) as value, flow::bigint as amount_paise,
        format('moved {{}} paise today against a {lb}-day daily average of {{}} paise',
               flow::bigint, baseline::bigint) as detail
    from d where business_date between {_d(s)} and {_d(e)}
        and flow >= {_n(r.t("multiple"))} * baseline and flow >= {int(r.t("min_paise"))}
        and n >= {int(r.t("min_count"))}
    """
    return _day_evidence(hits)


def rapid_pass_through(r: Rule, s: date, e: date) -> str:
    h = int(r.t("hours"))
    return f"""
    with inflow as (
        select payee as ix, transfer_id, amount_paise, created_at, business_date from aml_edge
        where amount_paise >= {int(r.t("min_inflow_paise"))}
            and business_date between {_d(s)} and {_d(e)}
    ), outs as (
        select payer as ix, transfer_id, amount_paise, created_at from aml_edge
        where business_date between {_d(s)} and {_d(e)} + 1
    ), passed as (
        select i.ix, i.business_date, i.transfer_id as in_id, any_value(i.amount_paise) as in_paise,
            sum(o.amount_paise) as out_paise, list(o.transfer_id) as out_ids
        from inflow i join outs o on o.ix = i.ix and o.created_at > i.created_at
            and o.created_at <= i.created_at + interval {h} hour
        group by i.ix, i.business_date, i.transfer_id
        having sum(o.amount_paise) >= {_n(r.t("min_out_ratio"))} * any_value(i.amount_paise)
    )
    select ix, business_date, max(out_paise / in_paise)::double as value,
        sum(in_paise)::bigint as amount_paise,
        format('{{}} credit(s) of {{}} paise passed on within {h} hours', count(*),
               sum(in_paise)::bigint) as detail,
        flatten(list(list_prepend(in_id, out_ids)))[1:{EVIDENCE_LIMIT}] as transfer_ids
    from passed group by ix, business_date
    """


def _fan(r: Rule, s: date, e: date, direction: str) -> str:
    me, other = ("payee", "payer") if direction == "in" else ("payer", "payee")
    per_day = "payers" if direction == "in" else "payees"
    w, lb = r.window_days - 1, r.lookback_days
    word = "payers" if direction == "in" else "payees"
    return f"""
    with legs as (
        select {me} as ix, {other} as cp, business_date, transfer_id, amount_paise from aml_edge
        where business_date between {_d(s)} - {w} and {_d(e)}
    ), days as (
        select distinct ix, business_date as d from legs
        where business_date between {_d(s)} and {_d(e)}
    ), win as (
        select days.ix, days.d, l.cp, l.transfer_id, l.amount_paise, f.first_d
        from days join legs l on l.ix = days.ix and l.business_date between days.d - {w} and days.d
        join aml_pair_first f on f.ix = l.ix and f.cp = l.cp
    ), agg as (
        select ix, d as business_date, count(distinct cp) as n,
            count(distinct cp) filter (where first_d >= d - {w}) as n_new,
            sum(amount_paise)::bigint as amount_paise,
            list(transfer_id order by amount_paise desc, transfer_id)[1:{EVIDENCE_LIMIT}]
                as transfer_ids
        from win group by ix, d
        having count(distinct cp) >= {int(r.t("min_counterparties"))}
    ), base as (
        select a.ix, a.business_date,
            coalesce((select sum(x.{per_day}) from aml_acct_day x where x.ix = a.ix
                and x.business_date between a.business_date - {lb + w} and a.business_date - {w + 1}),
                0) / {lb}.0 as baseline
        from agg a
    )
    select agg.ix, agg.business_date, agg.n::double as value, agg.amount_paise,
        format('{{}} {word} ({{}} new) in {r.window_days} days; usual {{}} a day',
               agg.n, agg.n_new, round(base.baseline, 1)) as detail,
        agg.transfer_ids
    from agg join base using (ix, business_date)
    where agg.n_new >= {_n(r.t("min_new_share"))} * agg.n
        and agg.n >= {_n(r.t("baseline_multiple"))} * base.baseline
    """


def fan_in(r: Rule, s: date, e: date) -> str:
    return _fan(r, s, e, "in")


def fan_out(r: Rule, s: date, e: date) -> str:
    return _fan(r, s, e, "out")


def cycle(r: Rule, s: date, e: date) -> str:
    w = r.window_days - 1
    ratio = _n(r.t("min_hop_ratio"))
    big = f"""select transfer_id, payer, payee, amount_paise, created_at, business_date
        from aml_edge where amount_paise >= {int(r.t("min_paise"))} and not is_cash
        and business_date between {_d(s)} - {w} and {_d(e)}"""
    paths = []
    for length in range(int(r.t("min_length")), int(r.t("max_length")) + 1):
        hops = [f"h{i}" for i in range(length)]
        joins = [f"big {hops[0]}"]
        conds = []
        for i in range(1, length):
            a, b = hops[i - 1], hops[i]
            joins.append(
                f"join big {b} on {b}.payer = {a}.payee and {b}.created_at > {a}.created_at "
                f"and {b}.created_at <= {hops[0]}.created_at + interval {r.window_days} day "
                f"and {b}.amount_paise between {ratio} * {a}.amount_paise and {a}.amount_paise"
            )
        conds.append(f"{hops[-1]}.payee = {hops[0]}.payer")
        members = [f"{h}.payer" for h in hops]
        conds.append(f"list_unique([{', '.join(members)}]) = {length}")
        conds.append(f"{hops[-1]}.business_date between {_d(s)} and {_d(e)}")
        paths.append(
            f"""select [{", ".join(members)}] as members,
                [{", ".join(h + ".transfer_id" for h in hops)}] as transfer_ids,
                {hops[-1]}.business_date as business_date, {hops[0]}.amount_paise as amount_paise,
                {length} as length
            from {" ".join(joins)} where {" and ".join(conds)}"""
        )
    return f"""
    with big as ({big}), paths as ({" union all ".join(paths)}),
    members as (select unnest(members) as ix, business_date, amount_paise, length, transfer_ids
                from paths)
    select ix, business_date, max(length)::double as value, max(amount_paise)::bigint as amount_paise,
        format('money returned to its origin through a cycle of {{}} accounts', max(length))
            as detail,
        list_distinct(flatten(list(transfer_ids)))[1:{EVIDENCE_LIMIT}] as transfer_ids
    from members group by ix, business_date
    """


def scatter_gather(r: Rule, s: date, e: date) -> str:
    w = r.window_days - 1
    h = int(r.t("hours"))
    ratio = _n(r.t("min_leg_ratio"))
    return f"""
    with big as (
        select transfer_id, payer, payee, amount_paise, created_at, business_date from aml_edge
        where amount_paise >= {int(r.t("min_leg_paise"))} and not is_cash
            and business_date between {_d(s)} - {w} and {_d(e)}
    ), sg as (
        select sc.payer as src, ga.payee as sink, sc.payee as mid, sc.transfer_id as t1,
            ga.transfer_id as t2, sc.amount_paise, ga.business_date
        from big sc join big ga on ga.payer = sc.payee and ga.created_at > sc.created_at
            and ga.created_at <= sc.created_at + interval {h} hour
            and ga.amount_paise between {ratio} * sc.amount_paise and sc.amount_paise
            and ga.payee <> sc.payer
    ), pairs as (
        select src, sink, max(business_date) as business_date, count(distinct mid) as n,
            sum(amount_paise)::bigint as amount_paise, list(t1) || list(t2) as transfer_ids
        from sg group by src, sink having count(distinct mid) >= {int(r.t("min_intermediaries"))}
    ), ends as (
        select src as ix, * exclude (src, sink) from pairs
        union all select sink as ix, * exclude (src, sink) from pairs
    )
    select ix, business_date, max(n)::double as value, max(amount_paise)::bigint as amount_paise,
        format('scattered over and gathered from {{}} intermediaries', max(n)) as detail,
        flatten(list(transfer_ids))[1:{EVIDENCE_LIMIT}] as transfer_ids
    from ends where business_date between {_d(s)} and {_d(e)} group by ix, business_date
    """


def dormant_reactivation(r: Rule, s: date, e: date) -> str:
    dd, w = int(r.t("dormant_days")), r.window_days - 1
    age = int(r.t("min_account_age_days"))
    hits = f"""
    with recent as (
        select ix, business_date, in_paise + out_paise as flow from aml_acct_day
        where business_date >= {_d(s)} - {w}
    ), earlier as (
        -- the last active day before the days a wake-up can touch: one row per account, so
        -- the history needs no sort, only the few recent days do
        select ix, max(business_date) as last_d from aml_acct_day
        where business_date < {_d(s)} - {w} group by ix
    ), ad as materialized (
        select r.ix, r.business_date, r.flow, coalesce(
                lag(r.business_date) over (partition by r.ix order by r.business_date), e.last_d
            ) as prev_d
        from recent r left join earlier e using (ix)
    ), wake as (
        select ad.ix, ad.business_date as woke_on, ad.prev_d from ad join aml_acct a using (ix)
        where (ad.prev_d is null or ad.prev_d < ad.business_date - {dd})
            and a.opened_on <= ad.business_date - {age}
    )
    select wake.ix, ad.business_date, sum(ad2.flow)::double as value,
        sum(ad2.flow)::bigint as amount_paise,
        format('woke on {{}} after {{}} quiet days; {{}} paise moved since',
               wake.woke_on, coalesce((wake.woke_on - wake.prev_d)::varchar, 'more than {dd}'),
               sum(ad2.flow)::bigint) as detail
    from wake join ad on ad.ix = wake.ix
        and ad.business_date between wake.woke_on and wake.woke_on + {w}
    join ad ad2 on ad2.ix = wake.ix and ad2.business_date between wake.woke_on and ad.business_date
    where ad.business_date between {_d(s)} and {_d(e)}
    group by wake.ix, wake.woke_on, wake.prev_d, ad.business_date
    having sum(ad2.flow) >= {int(r.t("min_paise"))}
    """
    return _day_evidence(hits)


def round_amounts(r: Rule, s: date, e: date) -> str:
    w = r.window_days - 1
    unit = int(r.t("unit_paise"))
    new_only = "and f.first_d >= days.d - " + str(w) if r.t("new_counterparties_only") else ""
    return f"""
    with legs as (
        select payer as ix, payee as cp, business_date, transfer_id, amount_paise from aml_edge
        where amount_paise % {unit} = 0 and amount_paise >= {int(r.t("min_paise"))}
            and business_date between {_d(s)} - {w} and {_d(e)}
        union all
        select payee, payer, business_date, transfer_id, amount_paise from aml_edge
        where amount_paise % {unit} = 0 and amount_paise >= {int(r.t("min_paise"))}
            and business_date between {_d(s)} - {w} and {_d(e)}
    ), days as (
        select distinct ix, business_date as d from legs
        where business_date between {_d(s)} and {_d(e)}
    )
    select days.ix, days.d as business_date, count(*)::double as value,
        sum(l.amount_paise)::bigint as amount_paise,
        format('{{}} transfers in exact multiples of {unit} paise in {r.window_days} days', count(*))
            as detail,
        list(l.transfer_id order by l.transfer_id)[1:{EVIDENCE_LIMIT}] as transfer_ids
    from days join legs l on l.ix = days.ix and l.business_date between days.d - {w} and days.d
    join aml_pair_first f on f.ix = l.ix and f.cp = l.cp
    where true {new_only}
    group by all having count(*) >= {int(r.t("min_count"))}
    """


def high_risk_counterparty(r: Rule, s: date, e: date) -> str:
    countries = ", ".join(f"'{c}'" for c in r.t("countries") if str(c).isalpha())
    mccs = ", ".join(f"'{m}'" for m in r.t("mccs") if str(m).isdigit())
    return f"""
    with legs as (
        select payer as ix, payee as cp, business_date, transfer_id, amount_paise from aml_edge
        where business_date between {_d(s)} and {_d(e)}
        union all
        select payee, payer, business_date, transfer_id, amount_paise from aml_edge
        where business_date between {_d(s)} and {_d(e)}
    ), flagged as (
        select l.*, c.country, c.mcc,
            sum(l.amount_paise) filter (where c.mcc in ({mccs or "''"})) over (
                partition by l.ix, l.business_date) as mcc_day_paise
        from legs l join aml_acct c on c.ix = l.cp
        where c.country in ({countries or "''"}) or c.mcc in ({mccs or "''"})
    )
    select ix, business_date, count(*)::double as value, sum(amount_paise)::bigint as amount_paise,
        'with ' || string_agg(distinct coalesce(
            case when country in ({countries or "''"}) then 'a counterparty in ' || country end,
            'a merchant with MCC ' || mcc), ', ') as detail,
        list(transfer_id order by transfer_id)[1:{EVIDENCE_LIMIT}] as transfer_ids
    from flagged
    where country in ({countries or "''"}) or mcc_day_paise >= {int(r.t("min_mcc_paise"))}
    group by ix, business_date
    """


KINDS: dict[str, Callable[[Rule, date, date], str]] = {
    "structuring_cutoff": structuring_cutoff,
    "structuring_monthly": structuring_monthly,
    "velocity_spike": velocity_spike,
    "rapid_pass_through": rapid_pass_through,
    "fan_in": fan_in,
    "fan_out": fan_out,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "dormant_reactivation": dormant_reactivation,
    "round_amounts": round_amounts,
    "high_risk_counterparty": high_risk_counterparty,
}
