-- Every gateway settlement line (Razorpay, PayU, CCAvenue) in one canonical shape, with the
-- merchant (through our ledger) and the date its T+N cycle makes it due. Copies of a payment
-- line are counted where lines are deduplicated (int_payments_matched_to_gateway_lines): a
-- window over every line here cost more than the rest of this model.
with unioned as (
    {% for m in ['stg_razorpay__settlement_lines', 'stg_payu__settlement_lines', 'stg_ccavenue__settlement_lines'] %}
    select
        gateway, line_type, gateway_entity_id, gateway_payment_id, payment_id, refund_id,
        dispute_id, amount_paise, fee_paise, tax_paise, net_paise, settlement_id,
        settlement_utr, settlement_date, created_at, business_date, method, file_sha256,
        source_row
    from {{ ref(m) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ledger as (
    select payment_id, merchant_id from {{ ref('stg_ledger__payments') }}
),

merchants as (
    select merchant_id, settlement_cycle_days from {{ ref('stg_ledger__merchants') }}
),

calendar as (
    select * from {{ ref('business_calendar') }}
),

with_merchant as (
    select
        u.*,
        l.merchant_id,
        m.settlement_cycle_days
    from unioned u
    left join ledger l on l.payment_id = u.payment_id
    left join merchants m on m.merchant_id = l.merchant_id
),

with_due as (
    select
        w.*,
        due.calendar_date as due_date
    from with_merchant w
    left join calendar c on c.calendar_date = w.business_date
    left join calendar due
        on due.is_business_day
        and due.business_day_index = c.business_day_index
            + case when c.is_business_day then 0 else 1 end
            + w.settlement_cycle_days
)

select
    {{ stable_hash(['gateway', 'file_sha256', 'source_row']) }} as gateway_line_id,
    *
from with_due
