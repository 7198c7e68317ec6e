-- Every product × warehouse × stock type at every snapshot of its account and source since it first
-- appeared, with 0 where a snapshot no longer lists it: the APIs omit empty rows, so a row that
-- disappears means the stock ran out, and history must say so.
-- Incremental (macros/incremental.sql): a run adds the snapshots after its watermark; the series
-- known before are those at each source's last snapshot up to the watermark (every series appears
-- at every snapshot of its source once it has appeared).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='load_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_reset('stock') }}",
    post_hook=["{{ incremental_record('stock') }}", "{{ incremental_index('load_id') }}"],
) }}
{%- set watermark = incremental_watermark('stock') %}

with snapshots as (
    select
        {{ stock_cell_columns() }},
        load_id,
        snapshot_at,
        available_quantity,
        reserved_quantity,
        in_transit_quantity
    from {{ ref('int_stock_snapshots_unioned') }}
    {%- if watermark is not none %}
    where load_id > '{{ watermark }}'
    {%- endif %}
),

snapshot_runs as (
    select distinct
        marketplace,
        account,
        snapshot_source,
        load_id,
        snapshot_at
    from snapshots
),

first_sightings as (
    select
        {{ stock_cell_columns() }},
        min(snapshot_at) as first_snapshot_at
    from snapshots
    group by {{ stock_cell_columns() }}
),

series as (
    select
        {{ stock_cell_columns() }},
        min(first_snapshot_at) as first_snapshot_at
    from (
        select * from first_sightings
        {%- if watermark is not none %}
        union all
        -- the series known before: those at each source's last snapshot up to the watermark
        select
            {{ stock_cell_columns('previous') }},
            previous.snapshot_at as first_snapshot_at
        from ({{ newest_snapshot_rows(this) }}) as previous
        {%- endif %}
    ) as sightings
    group by {{ stock_cell_columns() }}
)

select
    series.marketplace,
    series.account,
    series.snapshot_source,
    series.product_key,
    series.warehouse_key,
    series.stock_type,
    snapshot_runs.load_id,
    snapshot_runs.snapshot_at,
    snapshots.load_id is not null as is_listed,
    coalesce(snapshots.available_quantity, 0) as available_quantity,
    coalesce(snapshots.reserved_quantity, 0) as reserved_quantity,
    coalesce(snapshots.in_transit_quantity, 0) as in_transit_quantity
from series
inner join snapshot_runs
    on
        series.marketplace = snapshot_runs.marketplace
        and series.account = snapshot_runs.account
        and series.snapshot_source = snapshot_runs.snapshot_source
        and series.first_snapshot_at <= snapshot_runs.snapshot_at
left join snapshots
    on
        series.product_key = snapshots.product_key
        and series.warehouse_key = snapshots.warehouse_key
        and series.stock_type = snapshots.stock_type
        and snapshot_runs.load_id = snapshots.load_id
