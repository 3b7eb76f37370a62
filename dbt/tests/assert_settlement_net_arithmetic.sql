-- Every settlement batch's net is its gross less fees, GST, refunds and chargebacks, to the paisa:
--   net = gross − fee − GST − refunds − chargebacks
-- (net is the sum of the gateway's own per-line nets; the components are summed by line type).
select
    gateway,
    settlement_id,
    gross_paise,
    fee_paise,
    tax_paise,
    refunds_paise,
    chargebacks_paise,
    net_paise,
    gross_paise - fee_paise - tax_paise - refunds_paise - chargebacks_paise - net_paise
        as difference_paise
from {{ ref('fct_settlement_recon') }}
where net_paise <> gross_paise - fee_paise - tax_paise - refunds_paise - chargebacks_paise
