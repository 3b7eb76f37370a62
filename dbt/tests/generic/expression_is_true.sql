{#-
  Rows for which a boolean SQL expression is not true (false or null): a model-level test, or a
  column-level one where the expression follows the column (`column_name ~ ' ' ~ expression`).
  Write the expression in SQL both DuckDB and Postgres understand.
-#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ column_name ~ ' ' if column_name is not none else '' }}{{ expression }}), false)
{% endtest %}
