-- Charged vs contracted MDR and GST, per gateway payment line matched to a ledger payment.
-- Contracted fee = round_half_up(gateway amount x merchant's MDR bps for the method / 10 000);
-- GST = round_half_up(charged fee x 18 / 100) — the rule in hisaab/money.py.
-- Read from the pay-in mart, which already holds every matched pair: matching again would cost
-- as much as the pay-in recon itself.
with matched as (
    select
        payment_id, gateway, merchant_id, method, gateway_payment_id, settlement_id,
        business_date, gateway_amount_paise, gateway_fee_paise, gateway_tax_paise
    from {{ ref('fct_payin_recon') }}
    where gateway_line_id is not null and ledger_status is not null
),

merchants as (
    select merchant_id, mdr_bps_upi, mdr_bps_card, mdr_bps_netbanking, mdr_bps_wallet
    from {{ ref('stg_ledger__merchants') }}
),

contracted as (
    select
        m.payment_id,
        m.gateway,
        m.merchant_id,
        m.method,
        m.gateway_payment_id,
        m.settlement_id,
        m.business_date,
        m.gateway_amount_paise,
        case m.method
            when 'upi' then mer.mdr_bps_upi
            when 'card' then mer.mdr_bps_card
            when 'netbanking' then mer.mdr_bps_netbanking
            when 'wallet' then mer.mdr_bps_wallet
        end as contracted_mdr_bps,
        m.gateway_fee_paise as charged_fee_paise,
        m.gateway_tax_paise as charged_tax_paise
    from matched m
    join merchants mer on mer.merchant_id = m.merchant_id
),

expected as (
    select
        c.*,
        {{ round_half_up_div('c.gateway_amount_paise * c.contracted_mdr_bps', '10000') }} as expected_fee_paise,
        {{ round_half_up_div('c.charged_fee_paise * 18', '100') }} as expected_tax_paise
    from contracted c
)

select
    e.*,
    e.charged_fee_paise - e.expected_fee_paise as fee_difference_paise,
    e.charged_tax_paise - e.expected_tax_paise as tax_difference_paise,
    e.charged_fee_paise <> e.expected_fee_paise as is_fee_mismatch,
    e.charged_tax_paise <> e.expected_tax_paise as is_tax_mismatch
from expected e
