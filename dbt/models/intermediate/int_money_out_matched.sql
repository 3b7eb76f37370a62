-- Refunds and chargebacks on the gateways' files against our ledger's. Exact id first (Razorpay
-- refund id, PayU refund/chargeback reference, Razorpay dispute id); otherwise the payment and
-- amount when exactly one candidate exists (CCAvenue carries no id of its own).
with lines as (
    select * from {{ ref('int_gateway_lines') }}
    where line_type in ('refund', 'chargeback')
),

ledger as (
    select 'refund' as line_type, refund_id as ledger_id, refund_id as id_a,
           cast(null as {{ dbt.type_string() }}) as id_b, payment_id, merchant_id, gateway, amount_paise,
           business_date
    from {{ ref('stg_ledger__refunds') }}
    union all
    select 'chargeback', chargeback_id, chargeback_id, gateway_dispute_id, payment_id,
           merchant_id, gateway, amount_paise, business_date
    from {{ ref('stg_ledger__chargebacks') }}
),

-- Exact reference: one equi-join per (line reference, ledger id) pair, never an OR join
-- (an OR condition forces a nested-loop join over every refund of a gateway).
line_refs as (
    select gateway_line_id, line_type, gateway, refund_id as ref from lines where refund_id is not null
    union all
    select gateway_line_id, line_type, gateway, dispute_id from lines where dispute_id is not null
),

ledger_refs as (
    select ledger_id, line_type, gateway, id_a as ref from ledger where id_a is not null
    union all
    select ledger_id, line_type, gateway, id_b from ledger where id_b is not null
),

by_id as (
    select distinct r.gateway_line_id, l.ledger_id, 'gateway_reference' as match_rule
    from line_refs r
    join ledger_refs l
        on l.line_type = r.line_type
        and l.gateway = r.gateway
        and l.ref = r.ref
),

unmatched_lines as (
    select g.*
    from lines g
    left join by_id b on b.gateway_line_id = g.gateway_line_id
    where b.gateway_line_id is null
),

unmatched_ledger as (
    select l.*
    from ledger l
    left join by_id b on b.ledger_id = l.ledger_id
    where b.ledger_id is null
),

candidates as (
    select g.gateway_line_id, l.ledger_id
    from unmatched_lines g
    join unmatched_ledger l
        on l.line_type = g.line_type
        and l.gateway = g.gateway
        and l.payment_id = g.payment_id
        and l.amount_paise = g.amount_paise
),

by_payment as (
    select gateway_line_id, ledger_id, 'payment_and_amount' as match_rule
    from (
        select c.*,
               count(*) over (partition by gateway_line_id) as n_line,
               count(*) over (partition by ledger_id) as n_ledger
        from candidates c
    ) x
    where n_line = 1 and n_ledger = 1
),

matches as (
    select * from by_id union all select * from by_payment
)

select
    g.line_type,
    g.gateway,
    g.gateway_line_id,
    g.gateway_entity_id,
    g.payment_id,
    g.refund_id as gateway_refund_id,
    g.dispute_id as gateway_dispute_id,
    g.amount_paise as gateway_amount_paise,
    g.settlement_id,
    g.settlement_date,
    g.business_date,
    m.ledger_id,
    m.match_rule,
    l.amount_paise as ledger_amount_paise,
    l.merchant_id,
    case when m.ledger_id is null then 'missing_in_ledger' else 'matched' end as match_status
from lines g
left join matches m on m.gateway_line_id = g.gateway_line_id
left join ledger l on l.ledger_id = m.ledger_id
