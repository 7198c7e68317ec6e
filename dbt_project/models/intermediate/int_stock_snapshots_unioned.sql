-- Stock snapshots of every marketplace and account, summed per product, warehouse and stock type
-- (several spellings of one warehouse add up), with `is_latest` marking each account's newest
-- completed snapshot of each source: that is the stock now. A load that repeats a snapshot time
-- of its account and source (a rerun at the same LOADER_NOW) is the same snapshot read again: only
-- the first load of each snapshot time is kept, so a repeat leaves the stock history as it was.
-- Incremental (macros/incremental.sql): a run adds the loads after its watermark and rewrites the
-- rows of the loads that were the latest of their account and source until then (is_latest).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='load_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_reset('stock') }}",
    post_hook=["{{ incremental_record('stock') }}", "{{ incremental_index('load_id') }}"],
) }}
{%- set watermark = incremental_watermark('stock') %}

with unioned as (
    select *
    from (
        {{ union_marketplaces({'ozon': 'int_ozon_stock_snapshots', 'wildberries': 'int_wildberries_stock_snapshots'}) }}
    ) as snapshots
    {%- if watermark is not none %}
    where load_id > '{{ watermark }}'
    {%- endif %}
),

first_loads as (
    -- the first load of each snapshot time (several when a run repeated a LOADER_NOW)
    select
        marketplace,
        account,
        snapshot_source,
        snapshot_at,
        min(load_id) as load_id
    from unioned
    group by marketplace, account, snapshot_source, snapshot_at
),

summed as (
    select
        unioned.marketplace,
        unioned.account,
        unioned.product_key,
        unioned.warehouse_key,
        unioned.stock_type,
        unioned.snapshot_source,
        unioned.snapshot_at,
        unioned.load_id,
        sum(unioned.available_quantity) as available_quantity,
        sum(unioned.reserved_quantity) as reserved_quantity,
        sum(unioned.in_transit_quantity) as in_transit_quantity
    from unioned
    inner join first_loads
        on
            unioned.marketplace = first_loads.marketplace
            and unioned.account = first_loads.account
            and unioned.snapshot_source = first_loads.snapshot_source
            and unioned.snapshot_at = first_loads.snapshot_at
            and unioned.load_id = first_loads.load_id
    {%- if watermark is not none %}
    where not exists (
        select 1
        from {{ this }} as previous
        where
            previous.marketplace = unioned.marketplace
            and previous.account = unioned.account
            and previous.snapshot_source = unioned.snapshot_source
            and previous.snapshot_at = unioned.snapshot_at
    )
    {%- endif %}
    group by
        unioned.marketplace,
        unioned.account,
        unioned.product_key,
        unioned.warehouse_key,
        unioned.stock_type,
        unioned.snapshot_source,
        unioned.snapshot_at,
        unioned.load_id
),

candidates as (
    select * from summed
    {%- if watermark is not none %}
    union all
    -- the rows that were the latest of a source that has a newer load now
    select
        previous.marketplace,
        previous.account,
        previous.product_key,
        previous.warehouse_key,
        previous.stock_type,
        previous.snapshot_source,
        previous.snapshot_at,
        previous.load_id,
        previous.available_quantity,
        previous.reserved_quantity,
        previous.in_transit_quantity
    from {{ this }} as previous
    where
        previous.is_latest
        and exists (
            select 1
            from summed
            where
                summed.marketplace = previous.marketplace
                and summed.account = previous.account
                and summed.snapshot_source = previous.snapshot_source
        )
    {%- endif %}
),

latest as (
    {{ newest_loads('candidates') }}
)

select
    candidates.*,
    latest.load_id is not null as is_latest
from candidates
left join latest
    on {{ same_source_load('candidates', 'latest') }}
