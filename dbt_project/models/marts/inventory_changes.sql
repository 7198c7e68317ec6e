-- The audit trail of stock: one row each time a snapshot shows a product × warehouse × stock type
-- with other quantities than the snapshot before it (the first sighting included), with the old
-- and new quantities and the load that saw the change.
-- Incremental (macros/incremental.sql): a run compares the snapshots after its watermark (the
-- newest load of int_stock_snapshots_filled it has seen) with each source's last snapshot before.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='load_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_reset('stock') }}",
    post_hook=[
        "{{ incremental_record('stock', ref('int_stock_snapshots_filled')) }}",
        "{{ incremental_index('load_id') }}",
    ],
) }}
{%- set watermark = incremental_watermark('stock') %}

with snapshots as (
    select *
    from {{ ref('int_stock_snapshots_filled') }}
    {%- if watermark is not none %}
    where load_id > '{{ watermark }}'
    {%- endif %}
),

compared as (
    select
        *,
        true as is_new
    from snapshots
    {%- if watermark is not none %}
    union all
    -- each source's last snapshot up to the watermark: what the first new one is compared with
    select
        previous.*,
        false as is_new
    from ({{ newest_snapshot_rows(ref('int_stock_snapshots_filled'), watermark) }}) as previous
    {%- endif %}
),

filled as (
    select
        *,
        lag(available_quantity) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_available_quantity,
        lag(reserved_quantity) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_reserved_quantity,
        lag(in_transit_quantity) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_in_transit_quantity,
        lag(snapshot_at) over (
            partition by product_key, warehouse_key, stock_type, snapshot_source order by snapshot_at
        ) as previous_snapshot_at
    from compared
)

select
    product_key,
    warehouse_key,
    stock_type,
    marketplace,
    account,
    snapshot_at as changed_at,
    previous_snapshot_at,
    previous_available_quantity,
    available_quantity,
    available_quantity - coalesce(previous_available_quantity, 0) as available_change,
    previous_reserved_quantity,
    reserved_quantity,
    previous_in_transit_quantity,
    in_transit_quantity,
    load_id
from filled
where
    is_new
    and (
        previous_snapshot_at is null
        or available_quantity <> previous_available_quantity
        or reserved_quantity <> previous_reserved_quantity
        or in_transit_quantity <> previous_in_transit_quantity
    )
