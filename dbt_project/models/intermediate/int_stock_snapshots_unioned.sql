-- Stock snapshots of every marketplace and account, summed per product, warehouse and stock type
-- (several spellings of one warehouse add up), with `is_latest` marking each account's newest
-- completed snapshot of each source: that is the stock now.
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

summed as (
    select
        marketplace,
        account,
        product_key,
        warehouse_key,
        stock_type,
        snapshot_source,
        snapshot_at,
        load_id,
        sum(available_quantity) as available_quantity,
        sum(reserved_quantity) as reserved_quantity,
        sum(in_transit_quantity) as in_transit_quantity
    from unioned
    group by
        marketplace,
        account,
        product_key,
        warehouse_key,
        stock_type,
        snapshot_source,
        snapshot_at,
        load_id
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
    select
        marketplace,
        account,
        snapshot_source,
        -- dlt load ids are Unix times as text of fixed integer width: text order is time order.
        max(load_id) as load_id
    from candidates
    group by marketplace, account, snapshot_source
)

select
    candidates.*,
    latest.load_id is not null as is_latest
from candidates
left join latest
    on
        candidates.marketplace = latest.marketplace
        and candidates.account = latest.account
        and candidates.snapshot_source = latest.snapshot_source
        and candidates.load_id = latest.load_id
