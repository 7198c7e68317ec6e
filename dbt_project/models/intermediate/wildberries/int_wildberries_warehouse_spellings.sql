-- Every Wildberries warehouse name as sent (stock report, orders and sales from WB warehouses),
-- with where and when it was seen (no name by id: WB names every warehouse it sends). The report's
-- pseudo-warehouses and seller warehouses are not warehouse names to resolve.
select
    'wildberries' as marketplace,
    account,
    raw_warehouse_name,
    cast(null as varchar) as name_by_id,
    synced_at as seen_at
from {{ ref('stg_wildberries__warehouse_remains') }}
where not is_pseudo_warehouse
{%- for feed in ['stg_wildberries__orders', 'stg_wildberries__sales'] %}
    union all
    select
        'wildberries' as marketplace,
        account,
        raw_warehouse_name,
        cast(null as varchar) as name_by_id,
        synced_at as seen_at
    from {{ ref(feed) }}
    where not is_seller_warehouse
{%- endfor %}
