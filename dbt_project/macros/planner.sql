{#- PostgreSQL plans a join over a CTE or view it has no statistics for as if it held one row, and
    picks nested loops that compare every row with every other: stock_jumps took 63 s on the
    2,000-product bench, 2.4 s without them. The marts and quality models are batch analytics with
    no use for nested loops, so their transaction turns them off (`set local`: that model only).
    The pipeline's own steps (the runner, `make build`) go further and start dbt with
    PGOPTIONS="-c enable_nestloop=off" (scripts/steps.py), which reaches the tests too: with
    statistics (below) the planner chose a nested loop for a test of int_ozon_stock_snapshots that
    then ran for minutes. DuckDB plans these joins well and needs nothing. -#}
{% macro analytical_planner_settings() -%}
    {{ return(adapter.dispatch('analytical_planner_settings')()) }}
{%- endmacro %}

{% macro default__analytical_planner_settings() -%}
{%- endmacro %}

{% macro postgres__analytical_planner_settings() -%}
    set local enable_nestloop = off
{%- endmacro %}

{#- PostgreSQL plans from the statistics ANALYZE gathers, which autovacuum (when it is on) takes a
    while to get to and dlt never does: the loaders' tables reach a build without them, and so does
    every table a build creates. Planning blind, at 100,000 products, it estimated 25 million rows
    for the join of 69,000 card sizes with their 73,000 cards and spilled: dim_products took 184 s
    and a unique test of int_wildberries_products 120 s, against 4 s for the same view analysed.
    So on PostgreSQL a build first analyzes every raw table changed since its last analysis
    (`on-run-start`), and every table model once it is built (`post-hook`). DuckDB keeps its own
    statistics and needs neither. -#}
{% macro analyze_changed_raw_tables() -%}
    {{ return(adapter.dispatch('analyze_changed_raw_tables')()) }}
{%- endmacro %}

{% macro default__analyze_changed_raw_tables() -%}
{%- endmacro %}

{% macro postgres__analyze_changed_raw_tables() -%}
    {%- if execute -%}
        {%- set schemas = graph.sources.values() | map(attribute='schema') | unique | list -%}
        {%- set changed = run_query(
            "select quote_ident(schemaname) || '.' || quote_ident(relname) from pg_stat_user_tables"
            ~ " where schemaname in ('" ~ (schemas | join("', '")) ~ "')"
            ~ " and (n_mod_since_analyze > 0 or coalesce(last_analyze, last_autoanalyze) is null)"
            ~ " order by 1"
        ) -%}
        {%- if changed.rows | length > 0 -%}
            analyze {{ changed.columns[0].values() | join(', ') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro analyze_built_table() -%}
    {{ return(adapter.dispatch('analyze_built_table')()) }}
{%- endmacro %}

{% macro default__analyze_built_table() -%}
{%- endmacro %}

{% macro postgres__analyze_built_table() -%}
    {%- if model.config.materialized == 'table' -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
