-- Every Ozon warehouse name as sent (stock rows and FBO postings), with where and when it was seen
-- (a row sent without one is named by staging: macro warehouse_name_as_sent), and for a row sent
-- without a name the name Ozon gives its warehouse id elsewhere (the cluster list, other stock rows
-- or postings; the newest), which resolves it. The warehouse id goes with each sighting: a name
-- Ozon renamed resolves by the id (int_warehouse_names_resolved).
with sightings as (
    select
        account,
        warehouse_id,
        raw_warehouse_name,
        synced_at
    from {{ ref('stg_ozon__analytics_stocks') }}
    union all
    select
        account,
        warehouse_id,
        raw_warehouse_name,
        synced_at
    from {{ ref('stg_ozon__posting_lines_fbo') }}
),

named_ids as (
    select
        warehouse_id,
        raw_warehouse_name as warehouse_name,
        synced_at
    from {{ ref('stg_ozon__cluster_warehouses') }}
    where trim(raw_warehouse_name) <> ''
    union all
    select
        warehouse_id,
        raw_warehouse_name as warehouse_name,
        synced_at
    from sightings
    where raw_warehouse_name not in ({{ unnamed_warehouse('warehouse_id') }}, 'склад не указан')
),

newest_names as (
    select
        warehouse_id,
        warehouse_name,
        row_number() over (partition by warehouse_id order by synced_at desc, warehouse_name asc) as recency
    from named_ids
    where warehouse_id is not null
)

select
    'ozon' as marketplace,
    sightings.account,
    sightings.raw_warehouse_name,
    newest_names.warehouse_name as name_by_id,
    cast(sightings.warehouse_id as varchar) as warehouse_id,
    sightings.synced_at as seen_at
from sightings
left join newest_names
    on
        sightings.warehouse_id = newest_names.warehouse_id
        and sightings.raw_warehouse_name = {{ unnamed_warehouse('sightings.warehouse_id') }}
        and newest_names.recency = 1
