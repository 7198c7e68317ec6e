-- Stock snapshots of every marketplace and account, summed per product, warehouse and stock type
-- (several spellings of one warehouse add up), with `is_latest` marking each account's newest
-- completed snapshot of each source: that is the stock now.
with unioned as (
    {{ union_marketplaces({'ozon': 'int_ozon_stock_snapshots', 'wildberries': 'int_wildberries_stock_snapshots'}) }}
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

latest as (
    select
        marketplace,
        account,
        snapshot_source,
        -- dlt load ids are Unix times as text of fixed integer width: text order is time order.
        max(load_id) as load_id
    from summed
    group by marketplace, account, snapshot_source
)

select
    summed.*,
    latest.load_id is not null as is_latest
from summed
left join latest
    on
        summed.marketplace = latest.marketplace
        and summed.account = latest.account
        and summed.snapshot_source = latest.snapshot_source
        and summed.load_id = latest.load_id
