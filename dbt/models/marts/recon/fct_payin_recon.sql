-- One row per ledger payment on a gateway route (and per gateway line no ledger payment claims),
-- with its gateway match, its settlement and bank match, and what is wrong with it.
with matched as (
    select * from {{ ref('int_payments_matched_to_gateway_lines') }}
),

merchants as (
    select merchant_id, settlement_cycle_days from {{ ref('stg_ledger__merchants') }}
),

calendar as (
    select * from {{ ref('business_calendar') }}
),

as_of as (
    select as_of_date from {{ ref('int_recon_as_of') }}
),

settlements as (
    select settlement_id, bank_match_status, bank_utr from {{ ref('int_settlements_matched_to_bank_credits') }}
),

with_due as (
    select
        m.*,
        due.calendar_date as expected_settlement_date,
        due.business_day_index as due_index
    from matched m
    left join merchants mer on mer.merchant_id = m.merchant_id
    left join calendar c on c.calendar_date = m.business_date
    left join calendar due
        on due.is_business_day
        and due.business_day_index = c.business_day_index
            + case when c.is_business_day then 0 else 1 end
            + mer.settlement_cycle_days
),

classified as (
    select
        w.*,
        case
            when w.ledger_status is null then 'missing_in_ledger'
            when w.ledger_status <> 'captured' and w.gateway_line_id is not null then 'status_mismatch'
            when w.ledger_status <> 'captured' then 'not_captured'
            when w.gateway_line_id is null
                and aod.business_day_index >= w.due_index + {{ var('missing_grace_business_days') }}
                then 'missing_in_gateway'
            when w.gateway_line_id is null then 'pending_settlement'
            when w.gateway_amount_paise <> w.ledger_amount_paise then 'amount_mismatch'
            else 'matched'
        end as match_status
    from with_due w
    cross join as_of
    left join calendar aod on aod.calendar_date = as_of.as_of_date
)

select
    c.payment_id,
    c.gateway,
    c.merchant_id,
    c.method,
    c.ledger_status,
    c.business_date,
    c.ledger_amount_paise,
    c.ledger_fee_paise,
    c.ledger_gst_paise,
    c.gateway_payment_id,
    c.gateway_line_id,
    c.gateway_amount_paise,
    c.gateway_fee_paise,
    c.gateway_tax_paise,
    c.gateway_copies,
    c.match_rule,
    c.match_confidence,
    c.match_status,
    c.expected_settlement_date,
    c.settlement_id,
    c.settlement_utr,
    c.settlement_date,
    case
        when c.settlement_date is not null and c.settlement_date > c.expected_settlement_date
            then true
        else false
    end as is_settled_late,
    s.bank_match_status,
    s.bank_utr
from classified c
left join settlements s on s.settlement_id = c.settlement_id
