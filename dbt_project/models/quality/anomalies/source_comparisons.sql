-- Every pair of stock figures two sources give for the same quantity in the same load, per product
-- and per account total, with the difference (source_disagreements keeps those beyond tolerance):
--   ozon_fbo:  /v4/product/info/stocks fbo present − reserved (expected)  vs  Σ available over the
--              warehouses of /v1/analytics/stocks (observed);
--   ozon_fbs:  /v4/product/info/stocks fbs + rfbs present − reserved  vs  Σ available of the FBS
--              warehouse stock report (by offer_id);
--   wildberries_fbw: the warehouse_remains report (real warehouses)  vs  the analytics wb-warehouses
--              rows, per size (chrtID ↔ techSize through the cards): both count units on WB's
--              warehouses.
-- A load in which only one source of a comparison delivered rows for the account is no comparison:
-- its rows say comparison_status no_comparable_source, the missing figure null (e.g. Ozon's /v4 has
-- sent no FBO rows since its announced change). But the source the marts read, read whole and empty,
-- counts 0 (the marts show no stock there: the other source's units are a disagreement). In a
-- compared load a product one source lacks is 0.
with paired as (
    {{ union_marketplaces({'ozon': 'ozon_source_comparisons', 'wildberries': 'wildberries_source_comparisons'}) }}
),

loads as (
    select
        marketplace,
        comparison,
        account,
        load_id,
        count(expected_quantity) > 0 and count(observed_quantity) > 0 as has_both_sources
    from paired
    group by marketplace, comparison, account, load_id
),

compared as (
    select
        paired.marketplace,
        paired.comparison,
        paired.account,
        paired.load_id,
        paired.product_key,
        paired.snapshot_at,
        case when loads.has_both_sources then 'compared' else 'no_comparable_source' end as comparison_status,
        case
            when loads.has_both_sources then coalesce(paired.expected_quantity, 0) else paired.expected_quantity
        end as expected_quantity,
        case
            when loads.has_both_sources then coalesce(paired.observed_quantity, 0) else paired.observed_quantity
        end as observed_quantity
    from paired
    inner join loads
        using (marketplace, comparison, account, load_id)
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
        comparison_status,
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
        comparison_status,
        sum(expected_quantity) as expected_quantity,
        sum(observed_quantity) as observed_quantity
    from compared
    group by marketplace, comparison, account, load_id, comparison_status
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
    {{ column_list(source_comparison_columns()) }}
from measured
