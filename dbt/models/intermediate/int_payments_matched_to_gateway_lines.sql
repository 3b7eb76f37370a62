-- Pay-in matching: each ledger payment (gateway routes) against the gateway's payment lines.
-- Pass 1: exact gateway payment id. Pass 2: our own payment reference carried by the gateway
-- (receipt / txnid / order no). Pass 3: same gateway and amount within 10 minutes, when exactly
-- one candidate exists on each side. Each match records its rule and a confidence.
with ledger as (
    select * from {{ ref('stg_ledger__payments') }}
    where gateway <> 'upi_psp'
),

lines as (
    select *
    from (
        select
            l.*,
            row_number() over (
                partition by gateway, gateway_payment_id
                order by settlement_date, file_sha256, source_row
            ) as nth
        from {{ ref('int_gateway_lines') }} l
        where line_type = 'payment'
    ) x
    where nth = 1
),

pass1 as (
    select l.payment_id as ledger_payment_id, g.gateway_line_id, 'gateway_payment_id' as match_rule,
           cast(1.0 as decimal(4, 2)) as match_confidence
    from ledger l
    join lines g on g.gateway = l.gateway and g.gateway_payment_id = l.gateway_payment_id
),

-- Unmatched sides are anti-joins (left join … is null): NOT IN over a subquery is slow at scale.
ledger_after_1 as (
    select l.*
    from ledger l
    left join pass1 p on p.ledger_payment_id = l.payment_id
    where p.ledger_payment_id is null
),

lines_after_1 as (
    select g.*
    from lines g
    left join pass1 p on p.gateway_line_id = g.gateway_line_id
    where p.gateway_line_id is null
),

pass2 as (
    select l.payment_id as ledger_payment_id, g.gateway_line_id, 'merchant_reference' as match_rule,
           cast(0.95 as decimal(4, 2)) as match_confidence
    from ledger_after_1 l
    join lines_after_1 g on g.gateway = l.gateway and g.payment_id = l.payment_id
),

matched_12 as (
    select * from pass1 union all select * from pass2
),

ledger_after_2 as (
    select l.*
    from ledger_after_1 l
    left join pass2 p on p.ledger_payment_id = l.payment_id
    where p.ledger_payment_id is null and l.status = 'captured'
),

lines_after_2 as (
    select g.*
    from lines_after_1 g
    left join pass2 p on p.gateway_line_id = g.gateway_line_id
    where p.gateway_line_id is null
),

candidates as (
    select l.payment_id as ledger_payment_id, g.gateway_line_id
    from ledger_after_2 l
    join lines_after_2 g
        on g.gateway = l.gateway
        and g.amount_paise = l.amount_paise
        and g.created_at between {{ dbt.dateadd('minute', -10, 'l.created_at') }}
                             and {{ dbt.dateadd('minute', 10, 'l.created_at') }}
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

matches as (
    select * from matched_12 union all select * from pass3
)

select
    l.payment_id,
    l.gateway,
    l.merchant_id,
    l.method,
    l.status as ledger_status,
    l.business_date,
    l.created_at,
    l.amount_paise as ledger_amount_paise,
    l.mdr_bps,
    l.fee_paise as ledger_fee_paise,
    l.gst_paise as ledger_gst_paise,
    coalesce(l.gateway_payment_id, g.gateway_payment_id) as gateway_payment_id,
    g.gateway_line_id,
    g.amount_paise as gateway_amount_paise,
    g.fee_paise as gateway_fee_paise,
    g.tax_paise as gateway_tax_paise,
    g.settlement_id,
    g.settlement_utr,
    g.settlement_date,
    g.due_date as gateway_due_date,
    g.copies as gateway_copies,
    m.match_rule,
    m.match_confidence,
    coalesce(g.gateway, l.gateway) as route
from ledger l
left join matches m on m.ledger_payment_id = l.payment_id
left join lines g on g.gateway_line_id = m.gateway_line_id

union all

-- Gateway payment lines no ledger payment claims.
select
    g.payment_id,
    g.gateway,
    cast(null as {{ dbt.type_string() }}) as merchant_id,
    g.method,
    cast(null as {{ dbt.type_string() }}) as ledger_status,
    g.business_date,
    g.created_at,
    cast(null as bigint) as ledger_amount_paise,
    cast(null as integer) as mdr_bps,
    cast(null as bigint) as ledger_fee_paise,
    cast(null as bigint) as ledger_gst_paise,
    g.gateway_payment_id,
    g.gateway_line_id,
    g.amount_paise,
    g.fee_paise,
    g.tax_paise,
    g.settlement_id,
    g.settlement_utr,
    g.settlement_date,
    g.due_date,
    g.copies,
    cast(null as {{ dbt.type_string() }}) as match_rule,
    cast(null as decimal(4, 2)) as match_confidence,
    g.gateway as route
from lines g
left join matches m on m.gateway_line_id = g.gateway_line_id
where m.gateway_line_id is null
