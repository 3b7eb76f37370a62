-- Customers of our merchants: the attributes credit risk uses (tenure, location tier) and the
-- ones it only reports on (gender, for fairness slices). Contact details stay in the lake.
select
    customer_id,
    gender,
    date_of_birth,
    city,
    state,
    cast(city_tier as integer) as city_tier,
    customer_since
from {{ source('lake', 'customers') }}
