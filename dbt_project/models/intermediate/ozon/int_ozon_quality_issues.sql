-- A table, not a view: every order and stock model of the marketplace filters through it.
{{ config(materialized='table') }}

-- Every Ozon row a data quality rule flags, once per rule: the raw tables keep everything as sent,
-- and this is where the transform layer judges it. Severity error: the row is left out of the marts
-- (the int_ozon_* models filter with macro passes_quality_checks); warn: kept but suspect. Rules:
--   quantity_out_of_range     error  order or stock quantity < 0 or > var max_plausible_quantity
--   product_not_in_catalogue  error  an order line's or stock row's SKU / product_id is not in products
--                                    (a SKU: none of a product's, int_ozon_product_skus); warn for
--                                    a SKU kept as a product of its own (sku-<SKU>: no product
--                                    names it, e.g. its info was not read; none in an account
--                                    without a catalogue, whose products all are); a SKU that names
--                                    two products stays error (left out rather than counted twice).
--                                    A /v4 stock row (product_stocks) whose product_id the
--                                    catalogue lacks: warn when its entry's SKU names a product
--                                    (int_ozon_stock_rows_keyed_by_sku), else error
--   invalid_date              error  order time missing, unparseable or after the load's synced_at
--                                    + 1 day (offending value: the text as sent)
--   duplicate_key             warn   a natural key more than once in one load (one row per key;
--                                    every rule flags such a key once)
--   unknown_warehouse         warn   an FBO warehouse name no seed resolves (kept under unresolved:…)
--   unknown_stock_type        error  a /v4 stock type other than fbo, fbs, rfbs and fbp (Ozon adds
--                                    schemes: fbp came in 2026): its units sit nowhere known
--   unknown_status            warn   a posting status Ozon does not document (counts as ordered)
--   missing_product           error  a product sent without a whole-number id (the value sent is in
--                                    a variant column, quality.raw_type_mismatches): no product
--   posting_in_both_schemes   error  a posting number of one account in both the FBO and the FBS
--                                    list: the lines of the copy synced earlier (at the same time:
--                                    the FBS copy) are left out, so that the posting counts once
--   left_out_of_product_list  warn   a product with FBO stock before that the run's product list left
--                                    out: its stock was not asked for, so it is unknown in that
--                                    snapshot (int_ozon_stock_products_unasked; key: its product_id)
--   quarantined_by_loader     error  a posting or report line the loader could not store; a posting
--                                   waits (warn) while the loader reads its window again, and is no
--                                   issue once a later read of it quarantined nothing (macro
--                                   quarantine_waiting)
with product_skus as (
    select
        account,
        sku,
        product_id
    from {{ ref('int_ozon_product_skus') }}
),

catalogue_product_ids as (
    select distinct
        account,
        product_id
    from {{ ref('stg_ozon__products') }}
),

-- the SKUs of catalogued products, and every SKU of an account without a catalogue
catalogued_skus as (
    select
        account,
        sku
    from product_skus
    where
        product_id is not null
        or not exists (
            select 1
            from catalogue_product_ids
            where catalogue_product_ids.account = product_skus.account
        )
),

products_without_id as (
    select
        'products' as source_table,
        account,
        'products:' || product_row_id as natural_key,
        synced_at,
        load_id
    from {{ ref('stg_ozon__products') }}
    where product_id is null
),

order_lines as (
    select
        'postings_fbo' as source_table,
        fbo.account,
        {{ ozon_order_line_natural_key('fbo') }} as natural_key,
        fbo.posting_number,
        fbo.sku,
        fbo.quantity,
        fbo.status,
        fbo.raw_warehouse_name,
        fbo.created_at,
        fbo.created_at_as_sent,
        fbo.synced_at,
        fbo.load_id
    from {{ ref('stg_ozon__posting_lines_fbo') }} as fbo
    union all
    select
        'postings_fbs' as source_table,
        fbs.account,
        {{ ozon_order_line_natural_key('fbs') }} as natural_key,
        fbs.posting_number,
        fbs.sku,
        fbs.quantity,
        fbs.status,
        -- the seller's own warehouse: not a name to resolve
        cast(null as varchar) as raw_warehouse_name,
        fbs.created_at,
        fbs.created_at_as_sent,
        fbs.synced_at,
        fbs.load_id
    from {{ ref('stg_ozon__posting_lines_fbs') }} as fbs
),

analytics_stocks as (
    select
        'analytics_stocks' as source_table,
        stocks.account,
        {{ ozon_analytics_stock_natural_key('stocks') }} as natural_key,
        stocks.sku,
        stocks.available_quantity,
        stocks.in_transit_quantity,
        stocks.requested_quantity,
        stocks.preparing_quantity,
        stocks.raw_warehouse_name,
        stocks.synced_at,
        stocks.load_id
    from {{ ref('stg_ozon__analytics_stocks') }} as stocks
),

product_stocks as (
    select
        'product_stocks' as source_table,
        stocks.account,
        {{ ozon_product_stock_natural_key('stocks') }} as natural_key,
        stocks.product_id,
        stocks.sku,
        stocks.stock_type,
        stocks.present_quantity,
        stocks.reserved_quantity,
        stocks.synced_at,
        stocks.load_id
    from {{ ref('stg_ozon__product_stocks') }} as stocks
    where stocks.stock_type is null or stocks.stock_type <> 'fbo'
),

-- the rows of a product the catalogue lacks (its info was not read), with the product their SKU
-- keys them under (int_ozon_stock_rows_keyed_by_sku), null for none
product_stocks_outside_catalogue as (
    select
        product_stocks.*,
        by_sku.product_ref
    from product_stocks
    left join {{ ref('int_ozon_stock_rows_keyed_by_sku') }} as by_sku
        using (account, product_id, sku)
    left join catalogue_product_ids
        using (account, product_id)
    where catalogue_product_ids.product_id is null
),

quantity_out_of_range as (
    select
        {{ issue_columns(
            'quantity_out_of_range', 'error', labelled_values([('quantity', 'quantity')])
        ) }}
    from order_lines
    where quantity is null or {{ is_implausible_quantity('quantity') }}
    union all
    select
        {{ issue_columns(
            'quantity_out_of_range', 'error',
            labelled_values([
                ('available', 'available_quantity'), ('in transit', 'in_transit_quantity'),
                ('requested', 'requested_quantity'), ('preparing', 'preparing_quantity')
            ])
        ) }}
    from analytics_stocks
    where
        available_quantity is null
        or {{ is_implausible_quantity('available_quantity') }}
        or {{ is_implausible_quantity('in_transit_quantity') }}
        -- both count as stock on its way (int_ozon_stock_snapshots)
        or {{ is_implausible_quantity('requested_quantity') }}
        or {{ is_implausible_quantity('preparing_quantity') }}
    union all
    select
        {{ issue_columns(
            'quantity_out_of_range', 'error',
            labelled_values([('present', 'present_quantity'), ('reserved', 'reserved_quantity')])
        ) }}
    from product_stocks
    where
        present_quantity is null
        or reserved_quantity is null
        or {{ is_implausible_quantity('present_quantity') }}
        or {{ is_implausible_quantity('reserved_quantity') }}
        or present_quantity < reserved_quantity
),

not_in_catalogue as (
    {{ not_in_catalogue_issues('error', 'sku', 'sku', ['order_lines', 'analytics_stocks'], 'product_skus') }}
    union all
    -- kept under a product of its own (a row the first flags too stays error: the gravest counts)
    {{ not_in_catalogue_issues('warn', 'sku', 'sku', ['order_lines', 'analytics_stocks'], 'catalogued_skus') }}
    union all
    -- a /v4 stock row: its product_id, else its SKU (error when neither names a product; warn when
    -- the SKU does, in an account with a catalogue)
    select
        {{ issue_columns(
            'product_not_in_catalogue',
            "case when product_ref is null then 'error' else 'warn' end",
            labelled_values([('product_id', 'product_id'), ('sku', 'sku')])
        ) }}
    from product_stocks_outside_catalogue
    where
        product_ref is null
        or exists (
            select 1
            from catalogue_product_ids
            where catalogue_product_ids.account = product_stocks_outside_catalogue.account
        )
),

invalid_date as (
    select
        {{ issue_columns('invalid_date', 'error', "coalesce(created_at_as_sent, 'missing')") }}
    from order_lines
    where created_at is null or created_at > {{ add_interval('synced_at', 1, 'day') }}
),

duplicate_key as (
    {{ duplicate_key_issues(['order_lines', 'analytics_stocks', 'product_stocks']) }}
),

unknown_warehouse as (
    -- FBS lines carry no name: the seller's own warehouse is not one to resolve
    {{ unknown_warehouse_issues('ozon', ['order_lines', 'analytics_stocks']) }}
),

unknown_stock_type as (
    select
        {{ issue_columns('unknown_stock_type', 'error', "coalesce(stock_type, 'null')") }}
    from product_stocks
    where stock_type is null or stock_type not in ('fbs', 'rfbs', 'fbp')
),

unknown_status as (
    select
        {{ issue_columns('unknown_status', 'warn', "coalesce(status, 'null')") }}
    from order_lines
    where
        status is null
        or status not in (
            'awaiting_registration', 'acceptance_in_progress', 'awaiting_approve', 'awaiting_packaging',
            'awaiting_deliver', 'awaiting_verification', 'arbitration', 'client_arbitration', 'delivering',
            'driver_pickup', 'delivered', 'cancelled', 'cancelled_from_split_pending', 'not_accepted',
            'sent_by_seller'
        )
),

posting_in_both_schemes as (
    select
        {{ issue_columns('posting_in_both_schemes', 'error', "'also in ' || kept_copy.source_table", 'dropped_copy') }}
    from order_lines as dropped_copy
    inner join order_lines as kept_copy
        on
            dropped_copy.account = kept_copy.account
            and dropped_copy.posting_number = kept_copy.posting_number
            and dropped_copy.source_table <> kept_copy.source_table
    where
        kept_copy.synced_at > dropped_copy.synced_at
        or (kept_copy.synced_at = dropped_copy.synced_at and kept_copy.source_table = 'postings_fbo')
),

postings_quarantine as (
    select
        *,
        case when endpoint like '%fbo%' then 'postings_fbo' else 'postings_fbs' end as source_table
    from {{ ref('stg_ozon__postings_quarantine') }}
),

postings_quarantine_waiting as (
    {{ quarantine_waiting('postings_quarantine', ref('stg_ozon__resource_outcomes')) }}
),

quarantined as (
    select
        q.source_table,
        q.account,
        'postings_quarantine:' || q.quarantine_row_id as natural_key,
        'quarantined_by_loader' as rule_name,
        case when w.is_waiting then 'warn' else 'error' end as severity,
        q.reason as offending_value,
        q.load_id,
        q.synced_at as detected_at
    from postings_quarantine as q
    inner join postings_quarantine_waiting as w on q.quarantine_row_id = w.quarantine_row_id
    where not w.is_cleared
    union all
    select
        'warehouse_stock_report' as source_table,
        account,
        report_code || ':' || cast(line_number as varchar) as natural_key,
        'quarantined_by_loader' as rule_name,
        'error' as severity,
        reason as offending_value,
        load_id,
        synced_at as detected_at
    from {{ ref('stg_ozon__warehouse_stock_report_quarantine') }}
),

left_out_of_product_list as (
    select
        'analytics_stocks' as source_table,
        account,
        cast(product_id as varchar) as natural_key,
        'left_out_of_product_list' as rule_name,
        'warn' as severity,
        'last listed ' || cast(last_listed_at as varchar) as offending_value,
        load_id,
        snapshot_at as detected_at
    from {{ ref('int_ozon_stock_products_unasked') }}
),

missing_product as (
    select
        {{ issue_columns('missing_product', 'error', "'no whole-number id'") }}
    from products_without_id
),

issues as (
    select * from quantity_out_of_range
    union all
    select * from not_in_catalogue
    union all
    select * from invalid_date
    union all
    select * from duplicate_key
    union all
    select * from unknown_warehouse
    union all
    select * from unknown_stock_type
    union all
    select * from unknown_status
    union all
    select * from posting_in_both_schemes
    union all
    select * from missing_product
    union all
    select * from left_out_of_product_list
    union all
    select * from quarantined
)

{{ issues_once_per_row('ozon') }}
