-- The break queue: one row per thing that does not reconcile, with a stable id (hash of kind and
-- natural key, so an analyst's decision survives rebuilds), severity, amount at risk, age, both
-- sides' ids and amounts, and the analyst's status joined in from the workflow table.
{%- set str = dbt.type_string() %}
{%- set no_str = 'cast(null as ' ~ str ~ ')' %}
{%- set no_paise = 'cast(null as bigint)' %}
with payin as (
    select * from {{ ref('fct_payin_recon') }}
),

as_of as (
    select as_of_date from {{ ref('int_recon_as_of') }}
),

-- Which payment lines were filed more than once, found on the two key columns alone: grouping
-- every line with all the columns a break shows costs far more, and duplicates are rare.
duplicated_payment_lines as (
    select gateway, gateway_entity_id
    from {{ ref('int_gateway_lines') }}
    where line_type = 'payment'
    group by gateway, gateway_entity_id
    having count(*) > 1
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
        {{ no_str }} as refund_id,
        settlement_id,
        settlement_utr,
        {{ no_str }} as payout_id,
        {{ no_str }} as bank_utr,
        {{ no_str }} as rrn,
        ledger_amount_paise,
        gateway_amount_paise as external_amount_paise,
        'ledger ' || coalesce(ledger_status, 'absent') || ', gateway line '
            || coalesce(gateway_line_id, 'absent') as detail
    from payin
    where match_status in ('missing_in_gateway', 'missing_in_ledger', 'status_mismatch', 'amount_mismatch')

    union all

    -- The same payment line settled more than once: the copies beyond the first are at risk.
    select
        'duplicate' as kind,
        'payin' as recon,
        l.gateway,
        max(l.merchant_id) as merchant_id,
        l.gateway || '|' || l.gateway_entity_id as break_key,
        cast(sum(l.amount_paise) - max(l.amount_paise) as bigint) as amount_at_risk_paise,
        min(l.settlement_date) as first_seen_date,
        max(l.payment_id) as payment_id,
        max(l.gateway_payment_id) as gateway_payment_id,
        {{ no_str }} as refund_id,
        max(l.settlement_id) as settlement_id,
        max(l.settlement_utr) as settlement_utr,
        {{ no_str }} as payout_id,
        {{ no_str }} as bank_utr,
        {{ no_str }} as rrn,
        {{ no_paise }} as ledger_amount_paise,
        cast(sum(l.amount_paise) as bigint) as external_amount_paise,
        cast(count(*) as {{ str }}) || ' copies of the same line' as detail
    from {{ ref('int_gateway_lines') }} l
    join duplicated_payment_lines d
        on d.gateway = l.gateway and d.gateway_entity_id = l.gateway_entity_id
    where l.line_type = 'payment'
    group by l.gateway, l.gateway_entity_id

    union all

    -- Fees and GST charged against the contract (a line with both wrong is a fee_mismatch: the
    -- GST follows the fee charged, so the fee is the root cause).
    select
        case when is_fee_mismatch then 'fee_mismatch' else 'tax_mismatch' end as kind,
        'fee_audit' as recon,
        gateway,
        merchant_id,
        gateway || '|' || gateway_payment_id as break_key,
        case
            when is_fee_mismatch then abs(fee_difference_paise)
            else abs(tax_difference_paise)
        end as amount_at_risk_paise,
        business_date as first_seen_date,
        payment_id,
        gateway_payment_id,
        {{ no_str }} as refund_id,
        settlement_id,
        {{ no_str }} as settlement_utr,
        {{ no_str }} as payout_id,
        {{ no_str }} as bank_utr,
        {{ no_str }} as rrn,
        case when is_fee_mismatch then expected_fee_paise else expected_tax_paise end
            as ledger_amount_paise,
        case when is_fee_mismatch then charged_fee_paise else charged_tax_paise end
            as external_amount_paise,
        'contracted ' || cast(contracted_mdr_bps as {{ str }}) || ' bps' as detail
    from {{ ref('fct_fee_audit') }}
    where is_fee_mismatch or is_tax_mismatch

    union all

    -- Settlement batches: late against their T+N cycle ...
    select
        'settlement_delayed' as kind,
        'settlement' as recon,
        gateway,
        merchant_id,
        settlement_id as break_key,
        net_paise as amount_at_risk_paise,
        due_date as first_seen_date,
        {{ no_str }} as payment_id,
        {{ no_str }} as gateway_payment_id,
        {{ no_str }} as refund_id,
        settlement_id,
        settlement_utr,
        {{ no_str }} as payout_id,
        {{ no_str }} as bank_utr,
        {{ no_str }} as rrn,
        net_paise as ledger_amount_paise,
        net_paise as external_amount_paise,
        'due ' || cast(due_date as {{ str }}) || ', settled ' || cast(settlement_date as {{ str }})
            as detail
    from {{ ref('fct_settlement_recon') }}
    where is_delayed

    union all

    -- ... or credited short / in excess by the bank (no credit at all past its date: short by all).
    select
        case when bank_match_status = 'excess' then 'settlement_excess' else 'settlement_short' end
            as kind,
        'settlement' as recon,
        gateway,
        merchant_id,
        settlement_id as break_key,
        abs(bank_difference_paise) as amount_at_risk_paise,
        coalesce(bank_booking_date, settlement_date) as first_seen_date,
        {{ no_str }} as payment_id,
        {{ no_str }} as gateway_payment_id,
        {{ no_str }} as refund_id,
        settlement_id,
        settlement_utr,
        {{ no_str }} as payout_id,
        settlement_utr as bank_utr,
        {{ no_str }} as rrn,
        net_paise as ledger_amount_paise,
        bank_amount_paise as external_amount_paise,
        bank_match_status as detail
    from {{ ref('fct_settlement_recon') }}
    where bank_match_status in ('short', 'excess', 'bank_credit_missing')

    union all

    -- Money in the escrow account nobody can explain.
    select
        'unmatched_bank_credit' as kind,
        'bank' as recon,
        {{ no_str }} as gateway,
        {{ no_str }} as merchant_id,
        bank_entry_id as break_key,
        amount_paise as amount_at_risk_paise,
        booking_date as first_seen_date,
        {{ no_str }} as payment_id,
        {{ no_str }} as gateway_payment_id,
        {{ no_str }} as refund_id,
        {{ no_str }} as settlement_id,
        {{ no_str }} as settlement_utr,
        {{ no_str }} as payout_id,
        utr as bank_utr,
        {{ no_str }} as rrn,
        {{ no_paise }} as ledger_amount_paise,
        amount_paise as external_amount_paise,
        narration as detail
    from {{ ref('int_bank_credits_classified') }}
    where credit_class = 'unmatched'

    union all

    -- Refunds and chargebacks the gateway took that our ledger does not know.
    select
        line_type || '_unreconciled' as kind,
        line_type as recon,
        gateway,
        merchant_id,
        gateway || '|' || gateway_line_id as break_key,
        gateway_amount_paise as amount_at_risk_paise,
        settlement_date as first_seen_date,
        payment_id,
        {{ no_str }} as gateway_payment_id,
        coalesce(gateway_refund_id, gateway_dispute_id) as refund_id,
        settlement_id,
        {{ no_str }} as settlement_utr,
        {{ no_str }} as payout_id,
        {{ no_str }} as bank_utr,
        {{ no_str }} as rrn,
        ledger_amount_paise,
        gateway_amount_paise as external_amount_paise,
        gateway_entity_id as detail
    from {{ ref('int_money_out_matched') }}
    where match_status = 'missing_in_ledger'

    union all

    -- UPI through our own PSP: deemed (RB) transactions returned (RET) or left unresolved, and
    -- the ledger-vs-switch kinds shared with the gateways.
    select
        case
            when match_status in ('deemed_returned', 'deemed_unresolved') then 'upi_deemed_unresolved'
            when match_status = 'missing_in_switch' then 'missing_in_gateway'
            else match_status
        end as kind,
        'upi' as recon,
        'upi_psp' as gateway,
        merchant_id,
        'upi_psp|' || coalesce(rrn, payment_id, upi_txn_id) as break_key,
        coalesce(ledger_amount_paise, switch_amount_paise) as amount_at_risk_paise,
        business_date as first_seen_date,
        payment_id,
        upi_txn_id as gateway_payment_id,
        {{ no_str }} as refund_id,
        {{ no_str }} as settlement_id,
        {{ no_str }} as settlement_utr,
        {{ no_str }} as payout_id,
        {{ no_str }} as bank_utr,
        rrn,
        ledger_amount_paise,
        switch_amount_paise as external_amount_paise,
        coalesce(switch_status, 'absent') || ' ' || coalesce(adj_type, '') as detail
    from {{ ref('fct_upi_recon') }}
    where match_status in ('deemed_returned', 'deemed_unresolved', 'missing_in_ledger',
                           'missing_in_switch', 'status_mismatch', 'amount_mismatch')

    union all

    -- Payouts that came back, never left, or left with another amount.
    select
        case when match_status = 'returned' then 'payout_returned' else 'payout_' || match_status end
            as kind,
        'payout' as recon,
        {{ no_str }} as gateway,
        merchant_id,
        payout_id as break_key,
        amount_paise as amount_at_risk_paise,
        coalesce(return_date, payout_date) as first_seen_date,
        {{ no_str }} as payment_id,
        {{ no_str }} as gateway_payment_id,
        {{ no_str }} as refund_id,
        {{ no_str }} as settlement_id,
        {{ no_str }} as settlement_utr,
        payout_id,
        utr as bank_utr,
        {{ no_str }} as rrn,
        amount_paise as ledger_amount_paise,
        coalesce(return_paise, bank_debit_paise) as external_amount_paise,
        coalesce(return_narration, match_status) as detail
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
    select
        cast(break_id as {{ str }}) as break_id,
        cast(status as {{ str }}) as status,
        cast(reason as {{ str }}) as reason,
        cast(assignee as {{ str }}) as assignee,
        cast(amount_at_risk_paise as bigint) as amount_at_risk_paise,
        updated_at
    from {{ source('workflow', 'break_status') }}
),

-- A resolved or written-off break whose amount at risk has changed since the decision reopens.
with_status as (
    select
        w.*,
        s.status as decided_status,
        s.reason as status_reason,
        s.assignee,
        s.updated_at as status_updated_at,
        coalesce(
            s.status in ('resolved', 'written_off')
                and s.amount_at_risk_paise <> w.amount_at_risk_paise,
            false
        ) as is_reopened
    from with_ids w
    left join workflow s on s.break_id = w.break_id
)

select
    break_id,
    break_key,
    kind,
    recon,
    severity,
    cast(amount_at_risk_paise as bigint) as amount_at_risk_paise,
    first_seen_date,
    cast(age_business_days as integer) as age_business_days,
    gateway,
    merchant_id,
    payment_id,
    gateway_payment_id,
    refund_id,
    settlement_id,
    settlement_utr,
    payout_id,
    bank_utr,
    rrn,
    cast(ledger_amount_paise as bigint) as ledger_amount_paise,
    cast(external_amount_paise as bigint) as external_amount_paise,
    detail,
    case when is_reopened then 'open' else coalesce(decided_status, 'open') end as status,
    status_reason,
    assignee,
    status_updated_at,
    is_reopened
from with_status
