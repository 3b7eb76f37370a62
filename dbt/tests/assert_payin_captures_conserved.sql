-- Reconciliation invariant (gateway routes): every payment our ledger captured on Razorpay, PayU
-- or CCAvenue is accounted for exactly once, in count and in paise:
--
--   captured = matched + in breaks + pending
--
--   captured  : stg_ledger__payments, gateway <> 'upi_psp', status = 'captured' (the ledger itself)
--   matched   : fct_payin_recon rows with match_status = 'matched'
--   in breaks : fct_recon_breaks rows of recon 'payin' and kind missing_in_gateway or
--               amount_mismatch, at their ledger_amount_paise (the whole captured amount, not the
--               amount at risk) — the only pay-in break kinds a captured payment can have
--   pending   : fct_payin_recon rows with match_status = 'pending_settlement' (inside T+N + grace)
--
-- Returns a row (fails) when either side differs. Fee/tax breaks are about matched payments and
-- duplicates about extra gateway lines, so neither is part of this identity.
with captured as (
    select count(*) as items, {{ sum_paise('amount_paise') }} as paise
    from {{ ref('stg_ledger__payments') }}
    where gateway <> 'upi_psp' and status = 'captured'
),

matched as (
    select count(*) as items, {{ sum_paise('ledger_amount_paise') }} as paise
    from {{ ref('fct_payin_recon') }}
    where match_status = 'matched'
),

pending as (
    select count(*) as items, {{ sum_paise('ledger_amount_paise') }} as paise
    from {{ ref('fct_payin_recon') }}
    where match_status = 'pending_settlement'
),

in_breaks as (
    select count(*) as items, {{ sum_paise('ledger_amount_paise') }} as paise
    from {{ ref('fct_recon_breaks') }}
    where recon = 'payin' and kind in ('missing_in_gateway', 'amount_mismatch')
)

select
    c.items as captured_items,
    m.items as matched_items,
    b.items as break_items,
    p.items as pending_items,
    c.paise as captured_paise,
    m.paise as matched_paise,
    b.paise as break_paise,
    p.paise as pending_paise
from captured c
cross join matched m
cross join pending p
cross join in_breaks b
where c.items <> m.items + b.items + p.items
   or c.paise <> m.paise + b.paise + p.paise
