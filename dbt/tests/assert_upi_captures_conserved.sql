-- Reconciliation invariant (our UPI PSP): every UPI payment our ledger captured appears once in
-- fct_upi_recon (the RRN join neither drops nor fans out), and every row there in a breaking state
-- is exactly one break of recon 'upi' in fct_recon_breaks:
--
--   captured (ledger, upi_psp) = captured rows of fct_upi_recon            (count and paise)
--   rows in deemed_returned, deemed_unresolved, missing_in_switch, missing_in_ledger,
--     status_mismatch, amount_mismatch = breaks with recon 'upi'            (count and paise at risk)
with ledger as (
    select count(*) as items, {{ sum_paise('amount_paise') }} as paise
    from {{ ref('stg_ledger__payments') }}
    where gateway = 'upi_psp' and status = 'captured'
),

recon as (
    select count(*) as items, {{ sum_paise('ledger_amount_paise') }} as paise
    from {{ ref('fct_upi_recon') }}
    where ledger_status = 'captured'
),

breaking as (
    select count(*) as items,
           {{ sum_paise('coalesce(ledger_amount_paise, switch_amount_paise)') }} as paise
    from {{ ref('fct_upi_recon') }}
    where match_status in ('deemed_returned', 'deemed_unresolved', 'missing_in_switch',
                           'missing_in_ledger', 'status_mismatch', 'amount_mismatch')
),

breaks as (
    select count(*) as items, {{ sum_paise('amount_at_risk_paise') }} as paise
    from {{ ref('fct_recon_breaks') }}
    where recon = 'upi'
)

select l.items as ledger_items, r.items as recon_items, l.paise as ledger_paise,
       r.paise as recon_paise, g.items as breaking_items, b.items as break_items,
       g.paise as breaking_paise, b.paise as break_paise
from ledger l
cross join recon r
cross join breaking g
cross join breaks b
where l.items <> r.items or l.paise <> r.paise or g.items <> b.items or g.paise <> b.paise
