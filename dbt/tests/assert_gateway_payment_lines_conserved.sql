-- Reconciliation invariant (gateway side): every payment line the gateways settled is accounted
-- for exactly once, in paise: the first copy of each line in fct_payin_recon (matched to the
-- ledger or not), every further copy in a duplicate break's amount at risk.
--
--   sum(all payment lines) = sum(fct_payin_recon.gateway_amount_paise) + sum(duplicate amount_at_risk)
with lines as (
    select count(*) as items, {{ sum_paise('amount_paise') }} as paise
    from {{ ref('int_gateway_lines') }}
    where line_type = 'payment'
),

recon as (
    select count(*) as items, {{ sum_paise('gateway_amount_paise') }} as paise
    from {{ ref('fct_payin_recon') }}
    where gateway_line_id is not null
),

duplicates as (
    select {{ sum_paise('amount_at_risk_paise') }} as paise
    from {{ ref('fct_recon_breaks') }}
    where kind = 'duplicate'
)

select l.items as line_items, r.items as recon_items, l.paise as line_paise,
       r.paise as recon_paise, d.paise as duplicate_paise
from lines l
cross join recon r
cross join duplicates d
where l.paise <> r.paise + d.paise
