{#- PostgreSQL plans a join over a CTE or view it has no statistics for as if it held one row, and
    picks nested loops that compare every row with every other: stock_jumps took 63 s on the
    2,000-product bench, 2.4 s without them. The marts and quality models are batch analytics with
    no use for nested loops, so their transaction turns them off (`set local`: that model only).
    DuckDB plans these joins well and needs nothing. -#}
{% macro analytical_planner_settings() -%}
    {{ return(adapter.dispatch('analytical_planner_settings')()) }}
{%- endmacro %}

{% macro default__analytical_planner_settings() -%}
{%- endmacro %}

{% macro postgres__analytical_planner_settings() -%}
    set local enable_nestloop = off
{%- endmacro %}
