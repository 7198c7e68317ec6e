-- Every pair of stock figures two sources give for the same quantity in the same load, per product
-- and per account total, with the difference (source_disagreements keeps those beyond tolerance):
--   ozon_fbo:  /v4/product/info/stocks fbo present − reserved (expected)  vs  Σ available over the
--              warehouses of /v1/analytics/stocks (observed);
--   ozon_fbs:  /v4/product/info/stocks fbs + rfbs present − reserved  vs  Σ available of the FBS
--              warehouse stock report (by offer_id);
--   wildberries_fbw: the warehouse_remains report (real warehouses)  vs  the analytics wb-warehouses
--              rows, per size (chrtID ↔ techSize through the cards): both count units on WB's
--              warehouses.
-- Only loads in which both sources of a comparison delivered rows for the account are compared.
with compared as (
    {{ union_marketplaces({'ozon': 'ozon_source_comparisons', 'wildberries': 'wildberries_source_comparisons'}) }}
),

levels as (
    select
        'product' as comparison_level,
        marketplace,
        comparison,
        account,
        load_id,
        product_key,
        snapshot_at,
        expected_quantity,
        observed_quantity
    from compared
    union all
    select
        'account' as comparison_level,
        marketplace,
        comparison,
        account,
        load_id,
        cast(null as varchar) as product_key,
        max(snapshot_at) as snapshot_at,
        sum(expected_quantity) as expected_quantity,
        sum(observed_quantity) as observed_quantity
    from compared
    group by marketplace, comparison, account, load_id
),

measured as (
    select
        *,
        load_id = max(load_id) over (partition by marketplace, comparison, account) as is_latest_load,
        observed_quantity - expected_quantity as difference,
        1.0 * abs(observed_quantity - expected_quantity)
        / nullif(greatest(abs(expected_quantity), abs(observed_quantity)), 0) as difference_share
    from levels
)

select
    comparison_level,
    marketplace,
    comparison,
    account,
    product_key,
    load_id,
    snapshot_at,
    expected_quantity,
    observed_quantity,
    difference,
    difference_share,
    is_latest_load
from measured
