-- One row per Wildberries product (one size of a card) of every account: the sizes of the cards
-- listed (cards/list), of the cards read from the trash (which the list leaves out, while orders
-- and stock go on naming them), and sizes that orders, sales or the stock report name but neither
-- holds (with their card's article and title when the card is known). status: in_catalogue
-- (listed), in_trash (in the trash now: the account's newest successful cards_trash read), deleted
-- (read from the trash once, neither listed nor there now: WB deletes a card 30 days after it is
-- trashed), not_in_catalogue (only named by orders or stock; a size of a card sent without sizes,
-- which WB does not require, takes its card's status). Every status but in_catalogue is archived,
-- so the history still joins; except in an account without a catalogue (its token lacks
-- the Контент category: no card was ever read, listed or trashed), whose products are all
-- not_in_catalogue and active, as nothing says they are archived. Price: the latest seller price
-- after discount (priceWithDisc) of an order of the size that passes the quality checks (one the
-- marts leave out sets no price); WB cards carry no price.
with card_size_counts as (
    select
        account,
        nm_id,
        count(*) as size_count
    from {{ ref('stg_wildberries__card_sizes') }}
    group by account, nm_id
),

sightings as (
    {%- for feed in ['stg_wildberries__orders', 'stg_wildberries__sales'] %}
        select
            account,
            nm_id,
            tech_size,
            supplier_article,
            barcode,
            synced_at
        from {{ ref(feed) }}
        where nm_id is not null
        union all
    {%- endfor %}
    select
        account,
        nm_id,
        tech_size,
        vendor_code as supplier_article,
        barcode,
        synced_at
    from {{ ref('stg_wildberries__warehouse_remains') }}
),

-- the size orders, sales and stock name the barcodes of a card's size by, where they name one only
sighted_sizes as (
    select
        barcodes.size_row_id,
        min(sightings.tech_size) as tech_size
    from {{ ref('stg_wildberries__card_barcodes') }} as barcodes
    inner join sightings
        using (account, nm_id, barcode)
    group by barcodes.size_row_id
    having count(distinct sightings.tech_size) = 1
),

-- A size sent without techSize reads "0", right for a card of one size; on a card of several it
-- takes the size that orders, sales and stock name its barcode by.
listed_sizes as (
    select
        sizes.account,
        sizes.nm_id,
        case
            when sizes.tech_size = '0' and counts.size_count > 1 then coalesce(sighted.tech_size, sizes.tech_size)
            else sizes.tech_size
        end as tech_size,
        sizes.vendor_code,
        sizes.product_name,
        barcodes.barcode,
        sizes.created_at,
        sizes.updated_at,
        sizes.synced_at
    from {{ ref('stg_wildberries__card_sizes') }} as sizes
    inner join card_size_counts as counts
        on
            sizes.account = counts.account
            and sizes.nm_id = counts.nm_id
    left join {{ ref('stg_wildberries__card_barcodes') }} as barcodes
        on sizes.size_row_id = barcodes.size_row_id
    left join sighted_sizes as sighted
        on sizes.size_row_id = sighted.size_row_id
    -- a card sent without a whole-number nmID is no product (missing_product, int_wildberries_quality_issues)
    where sizes.nm_id is not null
),

-- The trash sends no title.
trashed_sizes as (
    select
        trashed.account,
        trashed.nm_id,
        trashed.tech_size,
        trashed.vendor_code,
        cast(null as varchar) as product_name,
        trashed.barcode,
        trashed.created_at,
        trashed.trashed_at as updated_at,
        trashed.synced_at
    from {{ ref('stg_wildberries__trashed_card_sizes') }} as trashed
    where trashed.nm_id is not null and {{ wildberries_card_not_listed('listed_sizes') }}
),

catalogue as (
    select
        account,
        nm_id,
        tech_size,
        vendor_code,
        product_name,
        min(barcode) as barcode,
        min(created_at) as created_at,
        max(updated_at) as updated_at,
        max(synced_at) as synced_at
    from (
        select * from listed_sizes
        union all
        select * from trashed_sizes
    ) as sizes
    group by account, nm_id, tech_size, vendor_code, product_name
),

latest_trash_reads as (
    select
        account,
        data_load_id,
        row_number() over (partition by account order by load_id desc) as recency
    from {{ ref('stg_wildberries__resource_outcomes') }}
    where resource = 'cards_trash' and status = 'ok'
),

in_trash_now as (
    select distinct
        trashed.account,
        trashed.nm_id
    from {{ ref('stg_wildberries__trashed_cards') }} as trashed
    inner join latest_trash_reads as latest
        on
            trashed.account = latest.account
            and trashed.load_id = latest.data_load_id
            and latest.recency = 1
),

-- every card listed, with or without sizes (WB does not require a card to send them)
listed_cards as (
    select distinct
        account,
        nm_id
    from {{ ref('stg_wildberries__cards') }}
    where nm_id is not null
),

-- the status of every card listed or in the trash now
card_statuses as (
    select
        account,
        nm_id,
        case when in_trash_now.nm_id is null then 'in_catalogue' else 'in_trash' end as status
    from in_trash_now
    full outer join listed_cards
        using (account, nm_id)
),

-- A size the catalogue does not hold may be of a card it holds: a size removed from the card
-- (not_in_catalogue), or a size of a card sent without sizes, which is listed or in the trash as
-- its card is. The card's article and title stand in for the ones the orders and stock did not send.
known_cards as (
    select
        account,
        nm_id,
        max(vendor_code) as vendor_code,
        max(product_name) as product_name,
        min(created_at) as created_at,
        max(updated_at) as updated_at,
        sum(size_count) as size_count
    from (
        {%- for cards, size_count in [('catalogue', 1), (ref('stg_wildberries__cards'), 0)] %}
            select
                account,
                nm_id,
                vendor_code,
                product_name,
                created_at,
                updated_at,
                {{ size_count }} as size_count
            from {{ cards }}
            union all
        {%- endfor %}
        select
            account,
            nm_id,
            vendor_code,
            cast(null as varchar) as product_name,
            created_at,
            trashed_at as updated_at,
            0 as size_count
        from {{ ref('stg_wildberries__trashed_cards') }}
    ) as cards
    where nm_id is not null
    group by account, nm_id
),

unlisted_sizes as (
    select
        sightings.account,
        sightings.nm_id,
        sightings.tech_size,
        max(sightings.supplier_article) as supplier_article,
        min(sightings.barcode) as barcode,
        max(sightings.synced_at) as synced_at
    from sightings
    left join catalogue
        using (account, nm_id, tech_size)
    where catalogue.nm_id is null
    group by sightings.account, sightings.nm_id, sightings.tech_size
),

not_in_catalogue as (
    select
        sizes.account,
        sizes.nm_id,
        sizes.tech_size,
        coalesce(sizes.supplier_article, cards.vendor_code) as vendor_code,
        cards.product_name,
        sizes.barcode,
        case when cards.size_count = 0 then cards.created_at end as created_at,
        case when cards.size_count = 0 then cards.updated_at end as updated_at,
        sizes.synced_at,
        case
            when cards.size_count > 0 then 'not_in_catalogue'
            else coalesce(card_statuses.status, 'not_in_catalogue')
        end as status
    from unlisted_sizes as sizes
    left join known_cards as cards
        on
            sizes.account = cards.account
            and sizes.nm_id = cards.nm_id
    left join card_statuses
        on
            sizes.account = card_statuses.account
            and sizes.nm_id = card_statuses.nm_id
),

-- The price of a size: its latest order that the marts count (an order with an error-level issue,
-- such as invalid_date, is left out of them and cannot set it). nulls last: PostgreSQL would sort
-- a null first in a descending order, DuckDB last.
ranked_prices as (
    select
        orders.account,
        orders.nm_id,
        orders.tech_size,
        orders.price_with_discount,
        row_number() over (
            partition by orders.account, orders.nm_id, orders.tech_size
            order by orders.ordered_at desc nulls last, orders.srid desc
        ) as recency
    from {{ ref('stg_wildberries__orders') }} as orders
    where
        orders.price_with_discount > 0
        and {{ passes_quality_checks('wildberries', 'orders', 'orders.account', 'orders.srid', 'orders.load_id') }}
),

catalogue_with_status as (
    select
        catalogue.*,
        coalesce(card_statuses.status, 'deleted') as status
    from catalogue
    left join card_statuses
        on
            catalogue.account = card_statuses.account
            and catalogue.nm_id = card_statuses.nm_id
),

products as (
    select * from catalogue_with_status
    union all
    select * from not_in_catalogue
),

-- accounts whose token read cards: from the list, or from the trash
accounts_with_catalogue as (
    select account
    from {{ ref('stg_wildberries__cards') }}
    union
    select account
    from {{ ref('stg_wildberries__trashed_cards') }}
)

select
    'wildberries' as marketplace,
    products.account,
    {{ wildberries_product_key('products.account', 'products.nm_id', 'products.tech_size') }} as product_key,
    cast(products.nm_id as varchar) as marketplace_product_id,
    products.vendor_code as seller_article,
    products.barcode as sku,
    case
        when products.tech_size = '0' then products.product_name
        else products.product_name || ', размер ' || products.tech_size
    end as product_name,
    products.status <> 'in_catalogue' and accounts_with_catalogue.account is not null as is_archived,
    products.status = 'in_trash' as is_trashed,
    products.status,
    prices.price_with_discount as price,
    'RUB' as currency_code,
    products.created_at,
    products.updated_at,
    products.synced_at
from products
left join accounts_with_catalogue
    on products.account = accounts_with_catalogue.account
left join ranked_prices as prices
    on
        products.account = prices.account
        and products.nm_id = prices.nm_id
        and products.tech_size = prices.tech_size
        and prices.recency = 1
