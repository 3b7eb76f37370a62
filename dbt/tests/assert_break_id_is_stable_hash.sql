-- break_id is the md5 of kind and the break's natural key, nothing else (no amount, no date, no
-- run id), so the same break gets the same id on every rebuild and on every engine, and an
-- analyst's decision joined by break_id survives. Uniqueness is a generic test (and the primary
-- key of the contract); fct_recon_breaks' unit tests pin literal ids.
select break_id, kind, break_key
from {{ ref('fct_recon_breaks') }}
where break_key is null
   or break_id <> {{ stable_hash(['kind', 'break_key']) }}
