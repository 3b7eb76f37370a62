-- The recon's "today" (IST): var as_of_date, else the latest bank booking date.
{% if var('as_of_date') %}
select cast('{{ var("as_of_date") }}' as date) as as_of_date
{% else %}
select max(booking_date) as as_of_date from {{ ref('stg_bank__statement_entries') }}
{% endif %}
