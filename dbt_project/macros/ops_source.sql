{#- The run-log table `ops.<table_name>` (written by scripts/run.py), or an empty relation with its
    documented columns while no run has created it yet: a plain `dbt build` works on a fresh database. -#}
{% macro ops_source(table_name) -%}
    {%- set relation = source('ops', table_name) -%}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {%- set columns = graph.sources['source.' ~ project_name ~ '.ops.' ~ table_name]['columns'].values() -%}
        (
            select
                {% for column in columns -%}
                    cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
                {% endfor -%}
            where 1 = 0
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The current time as a UTC timestamp without zone, like the run log's columns. -#}
{% macro utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- Seconds from `earlier` to `later` (two timestamps). -#}
{% macro seconds_between(earlier, later) -%}
    extract(epoch from ({{ later }} - {{ earlier }}))
{%- endmacro %}
