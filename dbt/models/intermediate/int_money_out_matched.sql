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

by_id as (
    select g.gateway_line_id, l.ledger_id, 'gateway_reference' as match_rule
    from lines g
    join ledger l
        on l.line_type = g.line_type
        and l.gateway = g.gateway
        and (
            (g.refund_id is not null and g.refund_id in (l.id_a, l.id_b))
            or (g.dispute_id is not null and g.dispute_id in (l.id_a, l.id_b))
        )
),

candidates as (
    select g.gateway_line_id, l.ledger_id
    from lines g
    join ledger l
        on l.line_type = g.line_type
        and l.gateway = g.gateway
        and l.payment_id = g.payment_id
        and l.amount_paise = g.amount_paise
    where g.gateway_line_id not in (select gateway_line_id from by_id)
      and l.ledger_id not in (select ledger_id from by_id)
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
