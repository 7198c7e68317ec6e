-- Every Wildberries warehouse name as sent (stock report, orders and sales from WB warehouses),
-- with where and when it was seen (no name by id: WB names every warehouse it sends). The report's
-- pseudo-warehouses and seller warehouses are not warehouse names to resolve.
{%- set feeds = [
    ('stg_wildberries__warehouse_remains', 'is_pseudo_warehouse'),
    ('stg_wildberries__orders', 'is_seller_warehouse'),
    ('stg_wildberries__sales', 'is_seller_warehouse'),
] %}
{%- for feed, not_a_warehouse in feeds %}
    {%- if not loop.first %}
        union all
    {%- endif %}
    select
        'wildberries' as marketplace,
        account,
        raw_warehouse_name,
        cast(null as varchar) as name_by_id,
        cast(null as varchar) as warehouse_id,
        synced_at as seen_at
    from {{ ref(feed) }}
    where not {{ not_a_warehouse }}
{%- endfor %}
