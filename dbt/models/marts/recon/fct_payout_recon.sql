-- One row per payout in our books against the escrow bank's debit with its UTR, and any return.
with payouts as (
    select * from {{ ref('stg_ledger__payouts') }}
),

bank as (
    select * from {{ ref('stg_bank__statement_entries') }} where utr is not null
),

debits as (
    select utr, {{ sum_paise('amount_paise') }} as debit_paise, min(booking_date) as debit_date
    from bank where direction = 'DR' group by utr
),

returns as (
    select utr, {{ sum_paise('amount_paise') }} as return_paise, min(booking_date) as return_date,
           min(narration) as return_narration
    from bank where direction = 'CR' group by utr
),

as_of as (
    select as_of_date from {{ ref('int_recon_as_of') }}
)

select
    p.payout_id,
    p.merchant_id,
    p.bank_source,
    p.payout_date,
    p.mode,
    p.utr,
    p.amount_paise,
    p.status as ledger_status,
    d.debit_paise as bank_debit_paise,
    d.debit_date as bank_debit_date,
    r.return_paise,
    r.return_date,
    r.return_narration,
    case
        when r.utr is not null then 'returned'
        when d.utr is null and p.payout_date < as_of.as_of_date then 'missing_in_bank'
        when d.utr is null then 'pending'
        when d.debit_paise <> p.amount_paise then 'amount_mismatch'
        else 'matched'
    end as match_status
from payouts p
cross join as_of
left join debits d on d.utr = p.utr
left join returns r on r.utr = p.utr
