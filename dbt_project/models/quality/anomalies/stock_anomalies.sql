-- Every stock anomaly in one list, for monitoring and alerts: stock jumps, frozen feeds and source
-- disagreements, each with what was expected, what was observed and a line of text. `is_latest`
-- marks anomalies seen in the newest load of their source (what the last run brought: alerts read
-- those); the older ones stay as history. `anomaly_key` is unique; `condition_key` names the
-- condition (the alerts' cool-down key): a jump is one event per load, a frozen stretch one per
-- start, a disagreement one per comparison × product, whichever loads repeat it.
with latest_loads as (
    -- from the stock history, which has the snapshots that listed nothing too: the jumps to 0 of an
    -- empty answer are the newest load's (int_stock_snapshots_unioned has no row of it)
    {{ newest_loads(ref('int_stock_snapshots_filled')) }}
),

jumps as (
    select
        'stock_jump:' || jumps.marketplace || ':' || jumps.account || ':' || jumps.snapshot_source || ':'
        || coalesce(jumps.product_key, '*') || ':' || jumps.warehouse_key || ':' || jumps.stock_type || ':'
        || jumps.load_id as anomaly_key,
        'stock_jump:' || jumps.marketplace || ':' || jumps.account || ':' || jumps.snapshot_source || ':'
        || coalesce(jumps.product_key, '*') || ':' || jumps.warehouse_key || ':' || jumps.stock_type || ':'
        || jumps.load_id as condition_key,
        'stock_jump' as kind,
        jumps.jump_level as anomaly_level,
        jumps.marketplace,
        jumps.account,
        jumps.snapshot_source,
        jumps.product_key,
        jumps.warehouse_key,
        jumps.stock_type,
        jumps.load_id,
        jumps.snapshot_at as detected_at,
        'available_quantity' as measure,
        cast(case
            when jumps.direction = 'drop' then jumps.previous_available_quantity - jumps.units_ordered
            else jumps.previous_available_quantity + jumps.units_supplied
        end as bigint) as expected,
        cast(jumps.available_quantity as bigint) as observed,
        cast(jumps.unexplained_share as double precision) as share,  -- noqa: RF04
        'available ' || jumps.direction || ' from ' || cast(jumps.previous_available_quantity as varchar)
        || ' to ' || cast(jumps.available_quantity as varchar) || ' with '
        || cast(jumps.units_ordered as varchar) || ' unit(s) ordered and '
        || cast(jumps.units_supplied as varchar) || ' supplied since the sync before: '
        || cast(jumps.unexplained_units as varchar) || ' unexplained' as detail
    from {{ ref('stock_jumps') }} as jumps
),

frozen as (
    select
        'frozen_feed:' || frozen.marketplace || ':' || frozen.account || ':' || frozen.snapshot_source || ':'
        || cast(frozen.frozen_since as varchar) as anomaly_key,
        'frozen_feed:' || frozen.marketplace || ':' || frozen.account || ':' || frozen.snapshot_source || ':'
        || cast(frozen.frozen_since as varchar) as condition_key,
        'frozen_feed' as kind,
        'source' as anomaly_level,
        frozen.marketplace,
        frozen.account,
        frozen.snapshot_source,
        cast(null as varchar) as product_key,
        cast(null as varchar) as warehouse_key,
        cast(null as varchar) as stock_type,
        frozen.load_id,
        frozen.last_snapshot_at as detected_at,
        'identical_snapshots' as measure,
        cast({{ var('frozen_feed_syncs') }} - 1 as bigint) as expected,
        cast(frozen.identical_snapshots as bigint) as observed,
        cast(null as double precision) as share,  -- noqa: RF04
        cast(frozen.identical_snapshots as varchar) || ' identical snapshots of ' || frozen.snapshot_source
        || ' (' || cast(frozen.stock_rows as varchar) || ' stock rows) since '
        || cast(frozen.frozen_since as varchar) || ' while ' || cast(frozen.units_ordered as varchar)
        || ' unit(s) were ordered at its warehouses' as detail
    from {{ ref('frozen_feeds') }} as frozen
),

disagreements as (
    select
        'source_disagreement:' || marketplace || ':' || account || ':' || comparison || ':'
        || coalesce(product_key, '*') || ':' || load_id as anomaly_key,
        'source_disagreement:' || marketplace || ':' || account || ':' || comparison || ':'
        || coalesce(product_key, '*') as condition_key,
        'source_disagreement' as kind,
        comparison_level as anomaly_level,
        marketplace,
        account,
        comparison as snapshot_source,
        product_key,
        cast(null as varchar) as warehouse_key,
        cast(null as varchar) as stock_type,
        load_id,
        snapshot_at as detected_at,
        'available_quantity' as measure,
        cast(expected_quantity as bigint) as expected,
        cast(observed_quantity as bigint) as observed,
        cast(difference_share as double precision) as share,  -- noqa: RF04
        comparison || ': ' || cast(expected_quantity as varchar) || ' vs ' || cast(observed_quantity as varchar)
        || ' unit(s) in the same load' as detail,
        is_latest_load as is_latest
    from {{ ref('source_disagreements') }}
),

stock_based as (
    select * from jumps
    union all
    select * from frozen
)

select
    stock_based.*,
    latest_loads.load_id is not null as is_latest
from stock_based
left join latest_loads
    on {{ same_source_load('stock_based', 'latest_loads') }}
union all
select * from disagreements
