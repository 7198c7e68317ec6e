-- A table, not a view: every order and stock model of the marketplace filters through it.
{{ config(materialized='table') }}

-- Every Wildberries row a data quality rule flags, once per rule (see int_ozon_quality_issues for
-- the Ozon side; the rules and severities match where the data does). Severity error: left out of
-- the marts (macro passes_quality_checks in the int_wildberries_* models); warn: kept but suspect;
-- info: expected, kept. Rules:
--   quantity_out_of_range     error  a stock report quantity < 0 or > var max_plausible_quantity
--   invalid_date              error  order time missing, unparseable or after the load's synced_at
--                                    + 1 day (offending value: the text as sent); warn for a sale
--   product_not_in_catalogue  warn   an order's or stock row's nmID is neither among the cards listed
--                                    nor among those ever read from the trash (a card WB deleted
--                                    before the loader read the trash): the row flows, the size
--                                    becomes an archived product in dim_products
--   missing_product           error  an order sent without nmID: no product to count it for; a card
--                                    sent without a whole-number nmID (the value sent is in a variant
--                                    column, quality.raw_type_mismatches): no product to list
--   duplicate_key             warn   a natural key more than once in one load (srid, saleID, size ×
--                                    warehouse of a report; the marts keep the latest order state)
--   unknown_warehouse         warn   a WB warehouse name no seed resolves (kept under unresolved:…)
--   unknown_status            warn   a sale whose saleID starts with neither S nor R
--   sale_without_order        warn   a sale (S…) whose srid no loaded order has, although the orders
--                                    in raw reach back 30 days before it (WB leaves orders of
--                                    unconfirmed payment out of /supplier/orders): a buyout the
--                                    marts do not count as demand
--   money_pending             info   a sale with money fields 0 within 48 h of the sale (WB fills
--                                    them within about a day); warn when still 0 later
--   quarantined_by_loader     error  a statistics or report row the loader could not store; a
--                                   statistics row waits (warn) while the loader reads its window
--                                   again, and is no issue once a later read quarantined nothing
--                                   (macro quarantine_waiting)
with cards as (
    select
        account,
        nm_id
    from {{ ref('stg_wildberries__cards') }}
    union
    select
        account,
        nm_id
    from {{ ref('stg_wildberries__trashed_cards') }}
),

orders as (
    select
        'orders' as source_table,
        account,
        srid as natural_key,
        nm_id,
        case when not is_seller_warehouse then raw_warehouse_name end as raw_warehouse_name,
        ordered_at,
        ordered_at_msk as ordered_at_as_sent,
        synced_at,
        load_id
    from {{ ref('stg_wildberries__orders') }}
),

sales as (
    select
        'sales' as source_table,
        account,
        sale_id as natural_key,
        sale_kind,
        sale_id,
        srid,
        for_pay,
        finished_price,
        price_with_discount,
        sold_at,
        sold_at_msk as sold_at_as_sent,
        synced_at,
        load_id
    from {{ ref('stg_wildberries__sales') }}
),

remains as (
    select
        'warehouse_remains' as source_table,
        remains.account,
        {{ wildberries_remains_natural_key('remains') }} as natural_key,
        remains.nm_id,
        remains.raw_warehouse_name,
        remains.quantity,
        remains.synced_at,
        remains.load_id
    from {{ ref('stg_wildberries__warehouse_remains') }} as remains
    where not remains.is_pseudo_warehouse
),

quantity_out_of_range as (
    select
        {{ issue_columns(
            'quantity_out_of_range', 'error', labelled_values([('quantity', 'quantity')])
        ) }}
    from remains
    where quantity is null or {{ is_implausible_quantity('quantity') }}
),

invalid_date as (
    select
        {{ issue_columns('invalid_date', 'error', "coalesce(ordered_at_as_sent, 'missing')") }}
    from orders
    where ordered_at is null or ordered_at > {{ add_interval('synced_at', 1, 'day') }}
    union all
    -- the marts use a sale for its order's status, not for its time: a warning
    select
        {{ issue_columns('invalid_date', 'warn', "coalesce(sold_at_as_sent, 'missing')") }}
    from sales
    where sold_at is null or sold_at > {{ add_interval('synced_at', 1, 'day') }}
),

not_in_catalogue as (
    {{ not_in_catalogue_issues('warn', 'nm_id', 'nmID', ['orders', 'remains'], 'cards') }}
),

cards_without_nm_id as (
    select
        'cards' as source_table,
        account,
        'cards:' || card_row_id as natural_key,
        synced_at,
        load_id
    from {{ ref('stg_wildberries__cards') }}
    where nm_id is null
),

missing_product as (
    select
        {{ issue_columns('missing_product', 'error', "'no nmId'") }}
    from orders
    where nm_id is null
    union all
    select
        {{ issue_columns('missing_product', 'error', "'no whole-number nmID'") }}
    from cards_without_nm_id
),

duplicate_key as (
    {{ duplicate_key_issues(['orders', 'sales', 'remains']) }}
),

unknown_warehouse as (
    {{ unknown_warehouse_issues('wildberries', ['orders', 'remains']) }}
),

unknown_status as (
    select
        {{ issue_columns('unknown_status', 'warn', "coalesce(sale_id, 'null')") }}
    from sales
    where sale_kind = 'other'
),

orders_reach as (
    select
        account,
        min(ordered_at) as first_ordered_at
    from orders
    group by account
),

sale_without_order as (
    select
        {{ issue_columns('sale_without_order', 'warn', "coalesce(sales.srid, 'no srid')", 'sales') }}
    from sales
    inner join orders_reach as reach
        on
            sales.account = reach.account
            and sales.sold_at >= {{ add_interval('reach.first_ordered_at', 30, 'day') }}
    where
        sales.sale_kind = 'sale'
        and not exists (
            select 1
            from orders
            where
                orders.account = sales.account
                and orders.natural_key = sales.srid
        )
),

money_pending as (
    select
        {{ issue_columns(
            'money_pending',
            "case when synced_at <= " ~ add_interval('sold_at', 48, 'hour') ~ " then 'info' else 'warn' end",
            labelled_values(
                [('forPay', 'for_pay'), ('finishedPrice', 'finished_price'), ('priceWithDisc', 'price_with_discount')]
            )
        ) }}
    from sales
    where for_pay = 0 or finished_price = 0 or price_with_discount = 0
),

statistics_quarantine_waiting as (
    {{ quarantine_waiting(ref('stg_wildberries__statistics_quarantine'), ref('stg_wildberries__resource_outcomes')) }}
),

quarantined as (
    select
        q.source_table,
        q.account,
        'statistics_quarantine:' || q.quarantine_row_id as natural_key,
        'quarantined_by_loader' as rule_name,
        case when w.is_waiting then 'warn' else 'error' end as severity,
        q.reason as offending_value,
        q.load_id,
        q.synced_at as detected_at
    from {{ ref('stg_wildberries__statistics_quarantine') }} as q
    inner join statistics_quarantine_waiting as w on q.quarantine_row_id = w.quarantine_row_id
    where not w.is_cleared
    union all
    select
        'warehouse_remains' as source_table,
        account,
        task_id || ':' || cast(report_row_number as varchar) as natural_key,
        'quarantined_by_loader' as rule_name,
        'error' as severity,
        reason as offending_value,
        load_id,
        synced_at as detected_at
    from {{ ref('stg_wildberries__warehouse_remains_quarantine') }}
),

issues as (
    select * from quantity_out_of_range
    union all
    select * from invalid_date
    union all
    select * from not_in_catalogue
    union all
    select * from missing_product
    union all
    select * from duplicate_key
    union all
    select * from unknown_warehouse
    union all
    select * from unknown_status
    union all
    select * from sale_without_order
    union all
    select * from money_pending
    union all
    select * from quarantined
)

{{ issues_once_per_row('wildberries') }}
