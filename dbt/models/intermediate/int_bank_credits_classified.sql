-- What each escrow credit is: a gateway settlement (by UTR), the daily UPI settlement, a payout
-- coming back, or something nobody can explain.
with credits as (
    select * from {{ ref('stg_bank__statement_entries') }} where direction = 'CR'
),

settlement_utrs as (
    select distinct settlement_utr from {{ ref('int_settlements') }}
),

payout_utrs as (
    select distinct utr from {{ ref('stg_ledger__payouts') }}
)

select
    c.*,
    case
        when c.utr in (select settlement_utr from settlement_utrs) then 'gateway_settlement'
        when upper(c.narration) like 'UPI SETTLEMENT%' then 'upi_settlement'
        when c.utr in (select utr from payout_utrs) then 'payout_return'
        else 'unmatched'
    end as credit_class
from credits c
