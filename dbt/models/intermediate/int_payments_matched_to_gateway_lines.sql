{{ config(materialized="view") }}

-- Pay-in matching: each ledger payment (gateway routes) against the gateway's payment lines.
-- Pass 1: exact gateway payment id. Pass 2: our own payment reference carried by the gateway
-- (receipt / txnid / order no). Pass 3: same gateway and amount within 10 minutes, when exactly
-- one candidate exists on each side. Each match records its rule and a confidence.
--
-- Pass 1 runs twice as a full outer join, both times streamed, never stored: first on the join
-- keys and the few columns passes 2 and 3 need, to find what it leaves on either side (a few
-- percent of the payments); then with every column, to build the rows. Passes 2 and 3 only
-- ever see those small remainders. (Storing one wide join for both uses spills: it is bigger
-- than DuckDB's memory limit at 10M payments.) A view: fct_payin_recon, its only reader,
-- materialises it.
{%- set no_str = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
with ledger as {{ inline_cte() }} (
    select
        payment_id, gateway, merchant_id, method, status, business_date, created_at, amount_paise,
        mdr_bps, fee_paise, gst_paise, gateway_payment_id
    from {{ ref('stg_ledger__payments') }}
    where gateway <> 'upi_psp'
),

payment_lines as {{ inline_cte() }} (
    select * from {{ ref('int_gateway_lines') }} where line_type = 'payment'
),

-- Only the first copy of a duplicated line takes part (duplicates are breaks of their own).
-- Duplicates are rare: find them on the two key columns, rank only them.
duplicated as (
    select gateway, gateway_payment_id, count(*) as copies
    from payment_lines
    group by gateway, gateway_payment_id
    having count(*) > 1
),

later_copies as (
    select gateway_line_id
    from (
        select
            g.gateway_line_id,
            row_number() over (
                partition by g.gateway, g.gateway_payment_id
                order by g.settlement_date, g.file_sha256, g.source_row
            ) as nth
        from payment_lines g
        join duplicated d
            on d.gateway = g.gateway and d.gateway_payment_id = g.gateway_payment_id
    ) x
    where nth > 1
),

lines as {{ inline_cte() }} (
    select g.*, coalesce(d.copies, 1) as copies
    from payment_lines g
    left join duplicated d
        on d.gateway = g.gateway and d.gateway_payment_id = g.gateway_payment_id
    left join later_copies c on c.gateway_line_id = g.gateway_line_id
    where c.gateway_line_id is null
),

-- Pass 1 on keys: what it leaves unmatched on either side.
unmatched_after_1 as (
    select
        l.payment_id as l_payment_id, l.gateway as l_gateway, l.status as l_status,
        l.amount_paise as l_amount_paise, l.created_at as l_created_at,
        g.gateway_line_id as g_gateway_line_id, g.gateway as g_gateway,
        g.payment_id as g_payment_id, g.amount_paise as g_amount_paise,
        g.created_at as g_created_at
    from ledger l
    full outer join lines g
        on g.gateway = l.gateway and g.gateway_payment_id = l.gateway_payment_id
    where l.payment_id is null or g.gateway_line_id is null
),

ledger_after_1 as (
    select l_payment_id, l_gateway, l_status, l_amount_paise, l_created_at
    from unmatched_after_1
    where g_gateway_line_id is null
),

lines_after_1 as (
    select g_gateway_line_id, g_gateway, g_payment_id, g_amount_paise, g_created_at
    from unmatched_after_1
    where l_payment_id is null
),

pass2 as (
    select l.l_payment_id as ledger_payment_id, g.g_gateway_line_id as gateway_line_id,
           'merchant_reference' as match_rule, cast(0.95 as decimal(4, 2)) as match_confidence
    from ledger_after_1 l
    join lines_after_1 g on g.g_gateway = l.l_gateway and g.g_payment_id = l.l_payment_id
),

-- Unmatched sides are anti-joins (left join … is null): NOT IN over a subquery is slow at scale.
ledger_after_2 as (
    select l.*
    from ledger_after_1 l
    left join pass2 p on p.ledger_payment_id = l.l_payment_id
    where p.ledger_payment_id is null and l.l_status = 'captured'
),

lines_after_2 as (
    select g.*
    from lines_after_1 g
    left join pass2 p on p.gateway_line_id = g.g_gateway_line_id
    where p.gateway_line_id is null
),

candidates as (
    select l.l_payment_id as ledger_payment_id, g.g_gateway_line_id as gateway_line_id
    from ledger_after_2 l
    join lines_after_2 g
        on g.g_gateway = l.l_gateway
        and g.g_amount_paise = l.l_amount_paise
        and g.g_created_at between {{ dbt.dateadd('minute', -10, 'l.l_created_at') }}
                               and {{ dbt.dateadd('minute', 10, 'l.l_created_at') }}
),

pass3 as (
    select ledger_payment_id, gateway_line_id, 'amount_time_window' as match_rule,
           cast(0.8 as decimal(4, 2)) as match_confidence
    from (
        select
            c.*,
            count(*) over (partition by ledger_payment_id) as per_ledger,
            count(*) over (partition by gateway_line_id) as per_line
        from candidates c
    ) x
    where per_ledger = 1 and per_line = 1
),

late_matches as (
    select * from pass2 union all select * from pass3
),

-- The gateway lines passes 2 and 3 matched, with every column.
late_lines as (
    select m.ledger_payment_id, m.match_rule, m.match_confidence, g.*
    from late_matches m
    join lines g on g.gateway_line_id = m.gateway_line_id
),

-- Pass 1 again, with every column: a ledger-only row takes the line passes 2 and 3 found for it,
-- a line-only row they claimed goes.
paired as (
    select
        l.payment_id as l_payment_id, l.gateway as l_gateway, l.merchant_id as l_merchant_id,
        l.method as l_method, l.status as l_status, l.business_date as l_business_date,
        l.created_at as l_created_at, l.amount_paise as l_amount_paise, l.mdr_bps as l_mdr_bps,
        l.fee_paise as l_fee_paise, l.gst_paise as l_gst_paise,
        l.gateway_payment_id as l_gateway_payment_id,
        g.gateway_line_id as g_gateway_line_id, g.gateway as g_gateway,
        g.gateway_payment_id as g_gateway_payment_id, g.payment_id as g_payment_id,
        g.method as g_method, g.business_date as g_business_date, g.created_at as g_created_at,
        g.amount_paise as g_amount_paise, g.fee_paise as g_fee_paise, g.tax_paise as g_tax_paise,
        g.settlement_id as g_settlement_id, g.settlement_utr as g_settlement_utr,
        g.settlement_date as g_settlement_date, g.due_date as g_due_date, g.copies as g_copies
    from ledger l
    full outer join lines g
        on g.gateway = l.gateway and g.gateway_payment_id = l.gateway_payment_id
)

-- One row per ledger payment and one per gateway line no payment claims. A line-only row takes
-- its own id, gateway, method, date and time.
select
    coalesce(p.l_payment_id, p.g_payment_id) as payment_id,
    coalesce(p.l_gateway, p.g_gateway) as gateway,
    p.l_merchant_id as merchant_id,
    coalesce(p.l_method, p.g_method) as method,
    p.l_status as ledger_status,
    coalesce(p.l_business_date, p.g_business_date) as business_date,
    coalesce(p.l_created_at, p.g_created_at) as created_at,
    p.l_amount_paise as ledger_amount_paise,
    p.l_mdr_bps as mdr_bps,
    p.l_fee_paise as ledger_fee_paise,
    p.l_gst_paise as ledger_gst_paise,
    coalesce(p.l_gateway_payment_id, p.g_gateway_payment_id, late.gateway_payment_id)
        as gateway_payment_id,
    coalesce(p.g_gateway_line_id, late.gateway_line_id) as gateway_line_id,
    coalesce(p.g_amount_paise, late.amount_paise) as gateway_amount_paise,
    coalesce(p.g_fee_paise, late.fee_paise) as gateway_fee_paise,
    coalesce(p.g_tax_paise, late.tax_paise) as gateway_tax_paise,
    coalesce(p.g_settlement_id, late.settlement_id) as settlement_id,
    coalesce(p.g_settlement_utr, late.settlement_utr) as settlement_utr,
    coalesce(p.g_settlement_date, late.settlement_date) as settlement_date,
    coalesce(p.g_due_date, late.due_date) as gateway_due_date,
    coalesce(p.g_copies, late.copies) as gateway_copies,
    case
        when p.l_payment_id is not null and p.g_gateway_line_id is not null
            then 'gateway_payment_id'
        else late.match_rule
    end as match_rule,
    case
        when p.l_payment_id is not null and p.g_gateway_line_id is not null
            then cast(1.0 as decimal(4, 2))
        else late.match_confidence
    end as match_confidence,
    coalesce(p.g_gateway, late.gateway, p.l_gateway) as route
from paired p
left join late_lines late
    on late.ledger_payment_id = p.l_payment_id and p.g_gateway_line_id is null
left join late_matches claimed
    on claimed.gateway_line_id = p.g_gateway_line_id and p.l_payment_id is null
where claimed.gateway_line_id is null
