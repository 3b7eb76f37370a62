-- Each gateway settlement against the escrow bank's entry with its UTR (one bank credit may carry
-- many settlement lines; several settlements never share a UTR in our world, but are summed if so).
with settlements as (
    select * from {{ ref('int_settlements') }}
),

bank as (
    select utr, min(bank_source) as bank_source, min(booking_date) as booking_date,
           {{ sum_paise('signed_amount_paise') }} as bank_amount_paise, count(*) as bank_entries
    from {{ ref('stg_bank__statement_entries') }}
    where utr is not null
    group by utr
),

per_utr as (
    select settlement_utr, {{ sum_paise('net_paise') }} as utr_net_paise
    from settlements
    group by settlement_utr
),

as_of as (
    select as_of_date from {{ ref('int_recon_as_of') }}
)

select
    s.*,
    b.bank_source,
    b.booking_date as bank_booking_date,
    b.bank_amount_paise,
    s.settlement_utr as bank_utr,
    case
        when b.utr is null and s.settlement_date <= as_of.as_of_date then 'bank_credit_missing'
        when b.utr is null then 'pending'
        when b.bank_amount_paise = p.utr_net_paise then 'matched'
        when b.bank_amount_paise < p.utr_net_paise then 'short'
        else 'excess'
    end as bank_match_status,
    coalesce(b.bank_amount_paise, 0) - p.utr_net_paise as bank_difference_paise,
    case when s.settlement_date > s.due_date then true else false end as is_delayed
from settlements s
cross join as_of
join per_utr p on p.settlement_utr = s.settlement_utr
left join bank b on b.utr = s.settlement_utr
