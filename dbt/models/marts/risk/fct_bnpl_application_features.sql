-- One row per BNPL application: what the applicant declared and the bureau returned, joined to
-- the customer's payment behaviour in our books strictly before the application date (no
-- look-ahead): volume, failed attempts, refunds, chargebacks, tenure and velocity.
--
-- The payments are first folded to one row per customer and day (a customer pays on a few days
-- of the window), with the merchants first paid that day and the refunds and chargebacks that
-- count from that day on; each application then adds up its customer's days before its date.
-- Joining every application to every earlier payment instead, then grouping those rows by
-- (application, day) and (application, merchant) for the distinct counts, took most of the
-- time of a recon build (a customer applies up to once a month: several rows per payment).
with applications as (
    select * from {{ ref('stg_ledger__bnpl_applications') }}
),

customers as (
    select * from {{ ref('stg_ledger__customers') }}
),

payments as (
    select payment_id, customer_id, merchant_id, status, amount_paise, business_date
    from {{ ref('stg_ledger__payments') }}
    where customer_id is not null and business_date is not null
),

-- A merchant counts from the first day the customer paid it.
first_paid_merchants as (
    select customer_id, min(business_date) as business_date
    from payments
    where merchant_id is not null
    group by customer_id, merchant_id
),

-- A refund or chargeback counts once both it and its payment are before the application.
refunds as (
    select
        p.customer_id,
        case when r.business_date > p.business_date then r.business_date else p.business_date end
            as business_date
    from {{ ref('stg_ledger__refunds') }} r
    join payments p on p.payment_id = r.payment_id
    where r.business_date is not null
),

chargebacks as (
    select
        p.customer_id,
        case when c.business_date > p.business_date then c.business_date else p.business_date end
            as business_date
    from {{ ref('stg_ledger__chargebacks') }} c
    join payments p on p.payment_id = c.payment_id
    where c.business_date is not null
),

day_parts as (
    select
        customer_id,
        business_date,
        count(*) as attempts,
        sum(case when status = 'failed' then 1 else 0 end) as failed,
        sum(case when status = 'captured' then 1 else 0 end) as captured,
        sum(case when status = 'captured' then amount_paise else 0 end) as captured_paise,
        0 as new_merchants,
        0 as refunds,
        0 as chargebacks
    from payments
    group by customer_id, business_date

    union all

    select customer_id, business_date, 0, 0, 0, 0, count(*), 0, 0
    from first_paid_merchants
    group by customer_id, business_date

    union all

    select customer_id, business_date, 0, 0, 0, 0, 0, count(*), 0
    from refunds
    group by customer_id, business_date

    union all

    select customer_id, business_date, 0, 0, 0, 0, 0, 0, count(*)
    from chargebacks
    group by customer_id, business_date
),

customer_days as (
    select
        customer_id,
        business_date,
        sum(attempts) as attempts,
        sum(failed) as failed,
        sum(captured) as captured,
        sum(captured_paise) as captured_paise,
        sum(new_merchants) as new_merchants,
        sum(refunds) as refunds,
        sum(chargebacks) as chargebacks
    from day_parts
    group by customer_id, business_date
),

behaviour as (
    select
        a.application_id,
        cast(sum(d.attempts) as bigint) as payment_attempts,
        cast(sum(d.failed) as bigint) as failed_attempts,
        cast(sum(d.captured) as bigint) as captured_payments,
        cast(sum(d.captured_paise) as bigint) as captured_amount_paise,
        cast(sum(case when d.attempts > 0 then 1 else 0 end) as bigint) as active_days,
        cast(sum(d.new_merchants) as bigint) as distinct_merchants,
        cast(max(d.attempts) as bigint) as max_attempts_in_a_day,
        cast(sum(d.refunds) as bigint) as refunds,
        cast(sum(d.chargebacks) as bigint) as chargebacks,
        max(case when d.attempts > 0 then d.business_date end) as last_payment_date
    from applications a
    join customer_days d
        on d.customer_id = a.customer_id
        and d.business_date < a.applied_on
    group by a.application_id
)

select
    a.application_id,
    a.customer_id,
    a.applied_at,
    a.applied_on,
    a.application_period,
    a.requested_amount_paise,
    a.tenor_months,
    a.monthly_income_paise,
    a.existing_emi_paise,
    a.applicant_age_years,
    a.employment_type,
    a.bureau_score,
    a.bureau_enquiries_6m,
    a.delinquencies_24m,
    a.open_credit_lines,
    c.gender,
    c.city_tier,
    cast({{ dbt.datediff('c.customer_since', 'a.applied_on', 'day') }} as integer) as tenure_days,
    coalesce(pb.payment_attempts, 0) as payment_attempts,
    coalesce(pb.failed_attempts, 0) as failed_attempts,
    coalesce(pb.captured_payments, 0) as captured_payments,
    coalesce(pb.captured_amount_paise, 0) as captured_amount_paise,
    coalesce(pb.active_days, 0) as active_days,
    coalesce(pb.distinct_merchants, 0) as distinct_merchants,
    coalesce(pb.max_attempts_in_a_day, 0) as max_attempts_in_a_day,
    coalesce(pb.refunds, 0) as refunds,
    coalesce(pb.chargebacks, 0) as chargebacks,
    cast({{ dbt.datediff('pb.last_payment_date', 'a.applied_on', 'day') }} as integer) as days_since_last_payment,
    a.is_defaulted
from applications a
left join customers c on c.customer_id = a.customer_id
left join behaviour pb on pb.application_id = a.application_id
