-- How much of the demand ships from the buyer's own cluster, over var localisation_window_days
-- (the days before the as_of_date of the account's orders feed that served the line,
-- int_orders_as_of_dates: a feed left out ends at its last read), per product, per shipping
-- warehouse and per account (doc order_localisation). An order line is local when the cluster it
-- ships from is the buyer's:
--   Ozon: financial_data.cluster_from = cluster_to (the warehouse's cluster where cluster_from is empty)
--   Wildberries: the shipping warehouse's district (seed cluster) = the order's oblastOkrugName;
--     unknown where WB masks the warehouse (is_aggregate), as its order feed does by default
--   local_unit_share = local units / units with both clusters known (local_order_share alike)
--   units_local_if_stocked = units shipped from another cluster: local had the buyer's cluster held stock
-- Cancelled lines are left out.
with as_of as (
    select * from {{ ref('int_orders_as_of_dates') }}
),

destinations as (
    {{ union_marketplaces({
        'ozon': 'int_ozon_order_destinations',
        'wildberries': 'int_wildberries_order_destinations',
    }) }}
),

lines as (
    select
        order_lines.marketplace,
        order_lines.account,
        order_lines.order_id,
        order_lines.product_key,
        order_lines.warehouse_key,
        order_lines.quantity,
        destinations.buyer_cluster,
        coalesce(
            destinations.shipped_from_cluster,
            -- a masked name ("Склад WB РФ") stands for any warehouse: its cluster is unknown
            case when not warehouse_dim.is_aggregate then warehouse_dim.cluster_name end
        ) as shipped_from_cluster
    from {{ ref('fact_orders') }} as order_lines
    left join destinations
        on
            order_lines.marketplace = destinations.marketplace
            and order_lines.account = destinations.account
            and order_lines.order_id = destinations.order_id
    left join {{ ref('dim_warehouses') }} as warehouse_dim
        on order_lines.warehouse_key = warehouse_dim.warehouse_key
    inner join as_of
        on {{ served_by_orders_feed('order_lines', 'warehouse_dim', 'as_of') }}
    where
        order_lines.order_status <> 'cancelled'
        and order_lines.business_date < as_of.as_of_date
        and order_lines.business_date >= as_of.as_of_date - {{ var('localisation_window_days') }}
),

classified as (
    select
        *,
        case
            when buyer_cluster is not null and shipped_from_cluster is not null
                then buyer_cluster = shipped_from_cluster
        end as is_local
    from lines
),

leveled as (
    {%- for level, key in [
        ('product', 'product_key'),
        ('warehouse', 'warehouse_key'),
        ('account', "marketplace || ':' || account"),
    ] %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ level }}' as scope_level,
            {{ key }} as scope_key,
            marketplace,
            account,
            cast({{ 'product_key' if level == 'product' else 'null' }} as varchar) as product_key,
            cast({{ 'warehouse_key' if level == 'warehouse' else 'null' }} as varchar) as warehouse_key,
            count(distinct order_id) as orders,
            sum(quantity) as units,
            count(distinct case when is_local then order_id end) as local_orders,
            count(distinct case when is_local is not null then order_id end) as located_orders,
            sum(case when is_local then quantity else 0 end) as local_units,
            sum(case when is_local is not null then quantity else 0 end) as located_units
        from classified
        group by {{ key }}, marketplace, account
    {%- endfor %}
)

select
    scope_level,
    scope_key,
    marketplace,
    account,
    product_key,
    warehouse_key,
    {{ var('localisation_window_days') }} as window_days,
    orders,
    units,
    located_orders,
    located_units,
    local_orders,
    local_units,
    cast(local_orders / cast(nullif(located_orders, 0) as decimal(18, 6)) as decimal(18, 6)) as local_order_share,
    cast(local_units / cast(nullif(located_units, 0) as decimal(18, 6)) as decimal(18, 6)) as local_unit_share,
    located_units - local_units as units_local_if_stocked
from leveled
