-- Gateway settlement batches built from their lines: gross - fee - GST - refunds - chargebacks = net,
-- and the date the batch was due (T+N of its latest line's business date for its merchant).
with lines as (
    select * from {{ ref('int_gateway_lines') }}
)

select
    gateway,
    settlement_id,
    settlement_utr,
    min(settlement_date) as settlement_date,
    max(merchant_id) as merchant_id,
    {{ sum_paise("case when line_type = 'payment' then amount_paise end") }} as gross_paise,
    {{ sum_paise("case when line_type = 'payment' then fee_paise end") }} as fee_paise,
    {{ sum_paise("case when line_type = 'payment' then tax_paise end") }} as tax_paise,
    {{ sum_paise("case when line_type = 'refund' then amount_paise end") }} as refunds_paise,
    {{ sum_paise("case when line_type = 'chargeback' then amount_paise end") }} as chargebacks_paise,
    {{ sum_paise("net_paise") }} as net_paise,
    count(*) as line_count,
    max(due_date) as due_date
from lines
group by gateway, settlement_id, settlement_utr
