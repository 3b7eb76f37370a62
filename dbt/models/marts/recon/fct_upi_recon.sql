-- One row per UPI transaction through our own PSP: our ledger against the NPCI switch by RRN,
-- with how deemed (RB) transactions resolved (TCC: credited; RET: returned to the payer).
with ledger as (
    select * from {{ ref('stg_ledger__payments') }} where gateway = 'upi_psp'
),

switch_records as {{ inline_cte() }} (
    select * from {{ ref('stg_upi_switch__transactions') }}
),

-- A retried switch record counts once (the first). Retries are rare: rank only the RRNs that
-- have them, found on the RRN alone (a window over every record cost more than the rest).
retried_rrns as (
    select rrn from switch_records group by rrn having count(*) > 1
),

switch as (
    select s.rrn, s.upi_txn_id, s.status, s.response_code, s.amount_paise, s.business_date
    from switch_records s
    left join retried_rrns r on r.rrn = s.rrn
    where r.rrn is null

    union all

    select rrn, upi_txn_id, status, response_code, amount_paise, business_date
    from (
        select
            s.*,
            row_number() over (partition by s.rrn order by s.txn_at, s.upi_txn_id) as nth
        from switch_records s
        join retried_rrns r on r.rrn = s.rrn
    ) x
    where nth = 1
),

adjustments as (
    select * from (
        select a.*, row_number() over (partition by rrn order by adj_date desc, adj_type) as nth
        from {{ ref('stg_upi_switch__adjustments') }} a
    ) x
    where nth = 1
),

as_of as (
    select as_of_date from {{ ref('int_recon_as_of') }}
),

joined as (
    select
        coalesce(l.rrn, s.rrn) as rrn,
        l.payment_id,
        l.merchant_id,
        l.status as ledger_status,
        l.amount_paise as ledger_amount_paise,
        coalesce(l.business_date, s.business_date) as business_date,
        s.upi_txn_id,
        s.status as switch_status,
        s.response_code,
        s.amount_paise as switch_amount_paise,
        a.adj_type,
        a.adj_date
    from ledger l
    full outer join switch s on s.rrn = l.rrn
    left join adjustments a on a.rrn = coalesce(l.rrn, s.rrn)
)

select
    j.*,
    case
        when j.ledger_status is null and j.switch_status in ('SUCCESS', 'DEEMED') then 'missing_in_ledger'
        when j.ledger_status is null then 'not_captured'
        when j.switch_status is null and j.ledger_status = 'captured' then 'missing_in_switch'
        when j.switch_status is null then 'not_captured'
        when j.ledger_status = 'captured' and j.switch_status = 'FAILURE' then 'status_mismatch'
        when j.ledger_status <> 'captured' and j.switch_status in ('SUCCESS', 'DEEMED') then 'status_mismatch'
        when j.ledger_status <> 'captured' then 'not_captured'
        when j.switch_status = 'DEEMED' and j.adj_type = 'RET' then 'deemed_returned'
        when j.switch_status = 'DEEMED' and j.adj_type is null
            and as_of.as_of_date > {{ dbt.dateadd('day', var('upi_deemed_resolution_days'), 'j.business_date') }}
            then 'deemed_unresolved'
        when j.switch_status = 'DEEMED' and j.adj_type is null then 'deemed_pending'
        when j.switch_amount_paise <> j.ledger_amount_paise then 'amount_mismatch'
        else 'matched'
    end as match_status
from joined j
cross join as_of
