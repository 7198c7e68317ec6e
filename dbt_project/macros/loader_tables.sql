{#- Staging of the tables every loader writes alike, whatever the marketplace: the same columns
    from raw_ozon and raw_wildberries. -#}

{#- What became of each resource of each loader run: ok, skipped or failed, with the HTTP status,
    endpoint and message. data_load_id is the load of the run's data rows (load_id: of these rows).
    Installs from before the loaders wrote outcomes have no raw table: no rows, every load complete. -#}
{% macro staged_resource_outcomes(marketplace) -%}
select
    account,
    resource,
    status,
    http_status,
    endpoint,
    message,
    synced_at,
    data_load_id,
    window_since,
    quarantined_rows,
    _dlt_load_id as load_id
from ({{ raw_table(marketplace, 'resource_outcomes') }}) as loader_resource_outcomes
{%- endmacro %}

{#- dlt's own record of the marketplace's loads: completed (status 0) or not. -#}
{% macro staged_loads(marketplace) -%}
select
    load_id,
    schema_name,
    status = 0 as is_completed,
    inserted_at as loaded_at
from ({{ raw_table(marketplace, '_dlt_loads') }}) as loader_dlt_loads
{%- endmacro %}
