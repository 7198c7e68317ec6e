{#- True for a row of a stock snapshot (raw table = loader resource `resource`) whose run the loader
    did not report as incomplete: no `resource_outcomes` row of that account and data load says the
    resource was skipped or failed. A resource that failed mid-pagination may have committed some
    pages; those rows are not a snapshot and stay out of the stock models (dlt still marks the load
    completed). Installs from before the loaders wrote outcomes have none: nothing is left out. -#}
{% macro loaded_completely(marketplace, resource, account, load_id) -%}
    not exists (
        select 1
        from {{ ref('stg_' ~ marketplace ~ '__resource_outcomes') }} as incomplete_outcomes
        where
            incomplete_outcomes.status <> 'ok'
            and incomplete_outcomes.resource = '{{ resource }}'
            and incomplete_outcomes.account = {{ account }}
            and incomplete_outcomes.data_load_id = {{ load_id }}
    )
{%- endmacro %}

{#- The rows of the staging model of `resource` (stg_<marketplace>__<resource>) that come from a load
    dlt completed and that the loader did not report incomplete for that resource: the complete
    snapshots. A subquery: `from ({{ completed_snapshot_rows('ozon', 'analytics_stocks') }}) as stocks`. -#}
{% macro completed_snapshot_rows(marketplace, resource) -%}
    select snapshot_rows.*
    from {{ ref('stg_' ~ marketplace ~ '__' ~ resource) }} as snapshot_rows
    inner join {{ ref('stg_' ~ marketplace ~ '__loads') }} as loads
        on snapshot_rows.load_id = loads.load_id
    where
        loads.is_completed
        and {{ loaded_completely(marketplace, resource, 'snapshot_rows.account', 'snapshot_rows.load_id') }}
{%- endmacro %}

{#- The columns every marketplace's `report_requests` log shares (one row per asynchronous report the
    loader requested; loaders/report_outcomes.py sets outcome, rows and rows_quarantined). -#}
{% macro report_request_columns() -%}
    requested_at,
    finished_at,
    status as api_status,
    outcome,
    error,
    polls,
    rows as rows_loaded,
    rows_quarantined
{%- endmacro %}
