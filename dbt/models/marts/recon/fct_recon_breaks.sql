-- The break queue: one row per thing that does not reconcile, with a stable id (hash of kind and
-- keys, so an analyst's decision survives rebuilds), severity, amount at risk, age, both sides'
-- ids and amounts, and the analyst's status joined in from the workflow table.
with payin as (
    select * from {{ ref('fct_payin_recon') }}
),

as_of as (
    select as_of_date from {{ ref('int_recon_as_of') }}
),

raw_breaks as (
    -- Pay-ins: ledger vs gateway file.
    select
        match_status as kind,
        'payin' as recon,
        gateway,
        merchant_id,
        gateway || '|' || coalesce(gateway_payment_id, payment_id) as break_key,
        case
            when match_status = 'amount_mismatch' then abs(gateway_amount_paise - ledger_amount_paise)
            else coalesce(ledger_amount_paise, gateway_amount_paise)
        end as amount_at_risk_paise,
        case
            when match_status = 'missing_in_gateway' then expected_settlement_date
            else coalesce(settlement_date, business_date)
        end as first_seen_date,
        payment_id,
        gateway_payment_id,
        cast(null as varchar) as refund_id,
        settlement_id,
        settlement_utr,
        cast(null as varchar) as payout_id,
        cast(null as varchar) as bank_utr,
        cast(null as varchar) as rrn,
        ledger_amount_paise,
        gateway_amount_paise as external_amount_paise,
        'ledger ' || coalesce(ledger_status, 'absent') || ', gateway line '
            || coalesce(gateway_line_id, 'absent') as detail
    from payin
    where match_status in ('missing_in_gateway', 'missing_in_ledger', 'status_mismatch', 'amount_mismatch')

    union all

    -- The same payment settled more than once.
    select
        'duplicate', 'payin', gateway, max(merchant_id),
        gateway || '|' || gateway_entity_id,
        cast(sum(amount_paise) - max(amount_paise) as bigint),
        min(settlement_date),
        max(payment_id), max(gateway_payment_id), cast(null as varchar), max(settlement_id),
        max(settlement_utr), cast(null as varchar), cast(null as varchar), cast(null as varchar),
        cast(null as bigint), cast(sum(amount_paise) as bigint),
        cast(count(*) as varchar) || ' copies of the same line'
    from {{ ref('int_gateway_lines') }}
    where line_type = 'payment'
    group by gateway, gateway_entity_id
    having count(*) > 1

    union all

    -- Fees and GST charged against the contract.
    select
        case when is_fee_mismatch then 'fee_mismatch' else 'tax_mismatch' end,
        'fee_audit', gateway, merchant_id,
        gateway || '|' || gateway_payment_id,
        case when is_fee_mismatch then abs(fee_difference_paise) else abs(tax_difference_paise) end,
        business_date,
        payment_id, gateway_payment_id, cast(null as varchar), settlement_id, cast(null as varchar),
        cast(null as varchar), cast(null as varchar), cast(null as varchar),
        case when is_fee_mismatch then expected_fee_paise else expected_tax_paise end,
        case when is_fee_mismatch then charged_fee_paise else charged_tax_paise end,
        'contracted ' || cast(contracted_mdr_bps as varchar) || ' bps'
    from {{ ref('fct_fee_audit') }}
    where is_fee_mismatch or is_tax_mismatch

    union all

    -- Settlement batches: late, or credited short/excess.
    select
        'settlement_delayed', 'settlement', gateway, merchant_id, settlement_id, net_paise,
        due_date, cast(null as varchar), cast(null as varchar), cast(null as varchar),
        settlement_id, settlement_utr, cast(null as varchar), cast(null as varchar),
        cast(null as varchar), net_paise, net_paise,
        'due ' || cast(due_date as varchar) || ', settled ' || cast(settlement_date as varchar)
    from {{ ref('fct_settlement_recon') }}
    where is_delayed

    union all

    select
        case when bank_match_status = 'excess' then 'settlement_excess' else 'settlement_short' end,
        'settlement', gateway, merchant_id, settlement_id, abs(bank_difference_paise),
        coalesce(bank_booking_date, settlement_date), cast(null as varchar), cast(null as varchar),
        cast(null as varchar), settlement_id, settlement_utr, cast(null as varchar), settlement_utr,
        cast(null as varchar), net_paise, bank_amount_paise, bank_match_status
    from {{ ref('fct_settlement_recon') }}
    where bank_match_status in ('short', 'excess', 'bank_credit_missing')

    union all

    -- Money in the escrow account nobody can explain.
    select
        'unmatched_bank_credit', 'bank', cast(null as varchar), cast(null as varchar),
        bank_entry_id, amount_paise, booking_date, cast(null as varchar), cast(null as varchar),
        cast(null as varchar), cast(null as varchar), cast(null as varchar), cast(null as varchar),
        utr, cast(null as varchar), cast(null as bigint), amount_paise, narration
    from {{ ref('int_bank_credits_classified') }}
    where credit_class = 'unmatched'

    union all

    -- Refunds and chargebacks the gateway took that our ledger does not know.
    select
        line_type || '_unreconciled', line_type, gateway, merchant_id,
        gateway || '|' || gateway_line_id, gateway_amount_paise, settlement_date, payment_id,
        cast(null as varchar), coalesce(gateway_refund_id, gateway_dispute_id), settlement_id,
        cast(null as varchar), cast(null as varchar), cast(null as varchar), cast(null as varchar),
        ledger_amount_paise, gateway_amount_paise, gateway_entity_id
    from {{ ref('int_money_out_matched') }}
    where match_status = 'missing_in_ledger'

    union all

    -- UPI through our own PSP.
    select
        case
            when match_status in ('deemed_returned', 'deemed_unresolved') then 'upi_deemed_unresolved'
            when match_status = 'missing_in_switch' then 'missing_in_gateway'
            else match_status
        end,
        'upi', 'upi_psp', merchant_id, 'upi_psp|' || rrn,
        coalesce(ledger_amount_paise, switch_amount_paise), business_date, payment_id,
        upi_txn_id, cast(null as varchar), cast(null as varchar), cast(null as varchar),
        cast(null as varchar), cast(null as varchar), rrn, ledger_amount_paise,
        switch_amount_paise, coalesce(switch_status, 'absent') || ' ' || coalesce(adj_type, '')
    from {{ ref('fct_upi_recon') }}
    where match_status in ('deemed_returned', 'deemed_unresolved', 'missing_in_ledger',
                           'missing_in_switch', 'status_mismatch', 'amount_mismatch')

    union all

    -- Payouts that came back or never left.
    select
        case when match_status = 'returned' then 'payout_returned' else 'payout_' || match_status end,
        'payout', cast(null as varchar), merchant_id, payout_id, amount_paise,
        coalesce(return_date, payout_date), cast(null as varchar), cast(null as varchar),
        cast(null as varchar), cast(null as varchar), cast(null as varchar), payout_id, utr,
        cast(null as varchar), amount_paise, coalesce(return_paise, bank_debit_paise),
        coalesce(return_narration, match_status)
    from {{ ref('fct_payout_recon') }}
    where match_status in ('returned', 'missing_in_bank', 'amount_mismatch')
),

calendar as (
    select * from {{ ref('business_calendar') }}
),

with_ids as (
    select
        {{ stable_hash(['b.kind', 'b.break_key']) }} as break_id,
        b.*,
        case
            when b.kind in ('settlement_short', 'unmatched_bank_credit', 'payout_returned',
                            'missing_in_ledger') or b.amount_at_risk_paise >= 10000000 then 'high'
            when b.amount_at_risk_paise >= 1000000 then 'medium'
            else 'low'
        end as severity,
        greatest(0, ca.business_day_index - cf.business_day_index) as age_business_days
    from raw_breaks b
    cross join as_of
    left join calendar cf on cf.calendar_date = b.first_seen_date
    left join calendar ca on ca.calendar_date = as_of.as_of_date
),

workflow as (
    select * from {{ source('workflow', 'break_status') }}
)

select
    w.break_id,
    w.kind,
    w.recon,
    w.severity,
    cast(w.amount_at_risk_paise as bigint) as amount_at_risk_paise,
    w.first_seen_date,
    cast(w.age_business_days as integer) as age_business_days,
    w.gateway,
    w.merchant_id,
    w.payment_id,
    w.gateway_payment_id,
    w.refund_id,
    w.settlement_id,
    w.settlement_utr,
    w.payout_id,
    w.bank_utr,
    w.rrn,
    cast(w.ledger_amount_paise as bigint) as ledger_amount_paise,
    cast(w.external_amount_paise as bigint) as external_amount_paise,
    w.detail,
    case
        when s.status in ('resolved', 'written_off')
            and s.amount_at_risk_paise <> w.amount_at_risk_paise then 'open'
        else coalesce(s.status, 'open')
    end as status,
    s.reason as status_reason,
    s.assignee,
    s.updated_at as status_updated_at,
    case
        when s.status in ('resolved', 'written_off')
            and s.amount_at_risk_paise <> w.amount_at_risk_paise then true
        else false
    end as is_reopened
from with_ids w
left join workflow s on s.break_id = w.break_id
