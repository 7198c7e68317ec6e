-- Warehouse spellings that neither the seed `warehouses` nor `warehouse_aliases` knows. Their stock
-- is kept in the marts under an `ozon:unresolved:...` warehouse; add the name or an alias to the
-- seeds to resolve it. The warning test on this model fires while it has rows.
select
    warehouse_names.marketplace,
    warehouse_names.raw_warehouse_name,
    warehouse_names.normalized_name,
    warehouse_names.warehouse_key,
    count(distinct stocks.account) as account_count,
    min(stocks.synced_at) as first_seen_at,
    max(stocks.synced_at) as last_seen_at
from {{ ref('int_warehouse_names_resolved') }} as warehouse_names
inner join {{ ref('stg_ozon__analytics_stocks') }} as stocks
    on warehouse_names.raw_warehouse_name = stocks.raw_warehouse_name
where
    warehouse_names.marketplace = 'ozon'
    and not warehouse_names.is_resolved
group by
    warehouse_names.marketplace,
    warehouse_names.raw_warehouse_name,
    warehouse_names.normalized_name,
    warehouse_names.warehouse_key
