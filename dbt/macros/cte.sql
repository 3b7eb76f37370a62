{#
  `with x as {{ inline_cte() }} (...)`: compute the CTE where it is used instead of storing it.
  DuckDB and Postgres store a CTE that is referenced more than once; for a plain scan of a big
  table (10M payments) storing it costs more than scanning twice, and it spills past DuckDB's
  memory limit. Engines without the hint (Spark, Trino) decide for themselves.
#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'hisaab')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}{%- endmacro %}

{% macro duckdb__inline_cte() -%}not materialized{%- endmacro %}

{% macro postgres__inline_cte() -%}not materialized{%- endmacro %}
