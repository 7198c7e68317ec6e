-- One row per Ozon product of every account. Archived: as /v3/product/info/list says, else as
-- /v3/product/list says (its `archived`, or the visibility pass that listed the product), both
-- fields being optional; a product neither tells about counts as active. A SKU no catalogued
-- product names (every SKU of an account without a catalogue, a product whose info was not read;
-- int_ozon_product_skus) is a product of its own, status not_in_catalogue: article and name as the
-- newest line the marts count sent them (a line with an error-level quality issue is left out of
-- them), else as its newest /v1/analytics/stocks row sent them, else the article of its newest
-- /v4/product/info/stocks entry (a product stocked only at the seller's warehouse; none when none
-- gives one); its price the newest counted line's in roubles; active, as nothing says it is archived.
-- A product's SKU (int_ozon_product_skus decides which SKUs name it): its own `sku` when that names
-- it, else the smallest of the SKUs that do (its sources', /v3/product/info/list sending `sku` as an
-- optional field, 0 when left at its default); null when none does.

-- the SKU each catalogued product shows
with shown_skus as (
    select
        skus.account,
        skus.product_id,
        coalesce(max(case when skus.sku = products.sku then skus.sku end), min(skus.sku)) as sku
    from {{ ref('int_ozon_product_skus') }} as skus
    inner join {{ ref('stg_ozon__products') }} as products
        on
            skus.account = products.account
            and skus.product_id = products.product_id
    group by skus.account, skus.product_id
),

catalogued as (
    select
        products.account,
        {{ product_key("'ozon'", 'products.account', 'products.product_id') }} as product_key,
        cast(products.product_id as varchar) as marketplace_product_id,
        products.offer_id as seller_article,
        cast(shown_skus.sku as varchar) as sku,
        products.product_name,
        coalesce(products.is_archived, list_items.is_archived, false) as is_archived,
        products.status,
        products.price,
        products.currency_code,
        products.created_at,
        products.updated_at,
        products.synced_at
    from {{ ref('stg_ozon__products') }} as products
    left join {{ ref('stg_ozon__product_list_items') }} as list_items
        on
            products.account = list_items.account
            and products.product_id = list_items.product_id
    left join shown_skus
        on
            products.account = shown_skus.account
            and products.product_id = shown_skus.product_id
    -- a product sent without a whole-number id is none (missing_product, int_ozon_quality_issues)
    where products.product_id is not null
),

sightings as (
    {%- for scheme in ['fbo', 'fbs'] %}
        select
            account,
            sku,
            synced_at
        from {{ ref('stg_ozon__posting_lines_' ~ scheme) }}
        union all
    {%- endfor %}
    select
        account,
        sku,
        synced_at
    from {{ ref('stg_ozon__analytics_stocks') }}
    union all
    select
        account,
        sku,
        synced_at
    from {{ ref('stg_ozon__product_stocks') }}
),

-- the SKUs no catalogued product names, each a product (int_ozon_product_skus) as long as an
-- order line or stock row (analytics or /v4) names it, a line the marts leave out too; synced_at: when the newest was
-- read
uncatalogued_skus as (
    select
        account,
        sku,
        skus.product_ref,
        max(sightings.synced_at) as synced_at
    from {{ ref('int_ozon_product_skus') }} as skus
    inner join sightings using (account, sku)
    where skus.product_id is null
    group by account, sku, skus.product_ref
),

-- The newest line of each such SKU the marts count (int_ozon_order_lines): a line with an
-- error-level issue, such as invalid_date, gives no article, name or price. nulls last:
-- PostgreSQL would sort a null first in a descending order, DuckDB last.
ranked_lines as (
    select
        account,
        sku,
        offer_id,
        product_name,
        unit_price,
        currency_code,
        row_number() over (
            partition by account, sku
            order by created_at desc nulls last, posting_number desc
        ) as recency
    from (
        {%- for scheme in ['fbo', 'fbs'] %}
            select
                {{ scheme }}.account,
                {{ scheme }}.sku,
                {{ scheme }}.offer_id,
                {{ scheme }}.product_name,
                {{ scheme }}.unit_price,
                {{ scheme }}.currency_code,
                {{ scheme }}.created_at,
                {{ scheme }}.posting_number
            from {{ ref('int_ozon_product_skus') }} as skus
            inner join {{ ref('stg_ozon__posting_lines_' ~ scheme) }} as {{ scheme }}
                on
                    skus.account = {{ scheme }}.account
                    and skus.sku = {{ scheme }}.sku
            where skus.product_id is null and {{ ozon_order_line_passes_checks(scheme) }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as counted_lines
),

-- the stock rows of every SKU: /v1/analytics/stocks (feed 1) and /v4/product/info/stocks (feed 2,
-- which sends no name)
stock_rows as (
    select
        1 as feed,
        account,
        sku,
        offer_id,
        product_name,
        synced_at,
        load_id
    from {{ ref('stg_ozon__analytics_stocks') }}
    union all
    select
        2 as feed,
        account,
        sku,
        offer_id,
        cast(null as varchar) as product_name,
        synced_at,
        load_id
    from {{ ref('stg_ozon__product_stocks') }}
),

-- the newest stock row of each such SKU per feed: the article and name of its newest analytics row
-- when no counted line gives them, else the article of its newest /v4 entry
ranked_stock_rows as (
    select
        skus.account,
        skus.sku,
        stocks.feed,
        stocks.offer_id,
        stocks.product_name,
        row_number() over (
            partition by skus.account, skus.sku, stocks.feed
            order by stocks.synced_at desc, stocks.load_id desc, stocks.offer_id desc, stocks.product_name desc
        ) as recency
    from {{ ref('int_ozon_product_skus') }} as skus
    inner join stock_rows as stocks
        using (account, sku)
    where skus.product_id is null
),

uncatalogued as (
    select
        skus.account,
        {{ product_key("'ozon'", 'skus.account', 'skus.product_ref') }} as product_key,
        cast(null as varchar) as marketplace_product_id,
        coalesce(newest_line.offer_id, newest_stock_row.offer_id, newest_product_stock_row.offer_id)
            as seller_article,
        cast(skus.sku as varchar) as sku,
        coalesce(newest_line.product_name, newest_stock_row.product_name) as product_name,
        false as is_archived,
        'not_in_catalogue' as status,
        {{ price_in_roubles('newest_line.unit_price', 'newest_line.currency_code') }} as price,
        'RUB' as currency_code,
        cast(null as timestamp with time zone) as created_at,
        cast(null as timestamp with time zone) as updated_at,
        skus.synced_at
    from uncatalogued_skus as skus
    left join ranked_lines as newest_line
        on
            skus.account = newest_line.account
            and skus.sku = newest_line.sku
            and newest_line.recency = 1
    left join ranked_stock_rows as newest_stock_row
        on
            skus.account = newest_stock_row.account
            and skus.sku = newest_stock_row.sku
            and newest_stock_row.feed = 1
            and newest_stock_row.recency = 1
    left join ranked_stock_rows as newest_product_stock_row
        on
            skus.account = newest_product_stock_row.account
            and skus.sku = newest_product_stock_row.sku
            and newest_product_stock_row.feed = 2
            and newest_product_stock_row.recency = 1
),

products as (
    select * from catalogued
    union all
    select * from uncatalogued
)

select
    'ozon' as marketplace,
    account,
    product_key,
    marketplace_product_id,
    seller_article,
    sku,
    product_name,
    is_archived,
    false as is_trashed,
    status,
    price,
    currency_code,
    created_at,
    updated_at,
    synced_at
from products
