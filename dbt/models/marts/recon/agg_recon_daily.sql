-- Finance's morning view: per source and business date, how much matched and how much is at risk.
with items as (
    select
        'payin:' || gateway as source, business_date,
        coalesce(ledger_amount_paise, gateway_amount_paise) as amount_paise,
        match_status in ('matched') as is_matched,
        match_status in ('pending_settlement') as is_pending
    from {{ ref('fct_payin_recon') }}
    where match_status <> 'not_captured'

    union all

    select
        'upi', business_date, coalesce(ledger_amount_paise, switch_amount_paise),
        match_status = 'matched', match_status = 'deemed_pending'
    from {{ ref('fct_upi_recon') }}
    where match_status <> 'not_captured'

    union all

    select
        'settlement:' || gateway, settlement_date, net_paise,
        bank_match_status = 'matched' and not is_delayed, bank_match_status = 'pending'
    from {{ ref('fct_settlement_recon') }}

    union all

    select
        'payout', payout_date, amount_paise, match_status = 'matched', match_status = 'pending'
    from {{ ref('fct_payout_recon') }}
),

daily as (
    select
        source,
        business_date,
        cast(count(*) as bigint) as items,
        cast(sum(case when is_matched then 1 else 0 end) as bigint) as matched_items,
        cast(sum(case when is_pending then 1 else 0 end) as bigint) as pending_items,
        {{ sum_paise('amount_paise') }} as amount_paise,
        {{ sum_paise('case when is_matched then amount_paise end') }} as matched_amount_paise,
        {{ sum_paise('case when not is_matched and not is_pending then amount_paise end') }} as unmatched_amount_paise
    from items
    group by source, business_date
)

-- match_rate = matched / (items - pending), rounded half up to 6 places in integer arithmetic
-- (then scaled exactly), so DuckDB and Postgres agree to the last digit; null when all pending.
select
    source,
    business_date,
    items,
    matched_items,
    pending_items,
    cast(
        cast({{ round_half_up_div('1000000 * matched_items', 'nullif(items - pending_items, 0)') }} as decimal(7, 0))
        * cast(0.000001 as decimal(7, 6))
        as decimal(7, 6)
    ) as match_rate,
    amount_paise,
    matched_amount_paise,
    unmatched_amount_paise
from daily
