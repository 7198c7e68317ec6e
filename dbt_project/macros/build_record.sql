{#- When the marts were last built: the `built_at` of the server's answers and the dashboard's header
    (serving/queries.py reads it, nothing else does). One row, rewritten at the end of every `dbt build`
    or `dbt run` that succeeded (something built; no error, no failed test, no on-run-start hook that
    stopped it), whoever started it: a run, `make build`, dbt by hand. In the marts schema, so that on
    DuckDB the publication carries it with the marts it dates (a run whose build failed publishes the
    marts of the snapshot before, and their time); on PostgreSQL the server reads it live. -#}
{% macro record_build(results) -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail']) | list -%}
        {%- set built = results | selectattr('status', 'equalto', 'success') | list -%}
        {%- if built and not failed -%}
            {{ adapter.dispatch('record_build')() }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__record_build() -%}
    create schema if not exists marts;
    create table if not exists marts.marts_built (built_at timestamp, invocation_id varchar(100));
    delete from marts.marts_built;
    insert into marts.marts_built values ({{ utc_now() }}, '{{ invocation_id }}')
{%- endmacro %}

{#- on-run-* hooks run outside dbt's transactions: this one commits its own (psycopg2 opened one), and
    analyzes the table as the build does every table it makes (macros/planner.sql). -#}
{% macro postgres__record_build() -%}
    begin;
    {{ default__record_build() }};
    commit;
    analyze marts.marts_built
{%- endmacro %}
