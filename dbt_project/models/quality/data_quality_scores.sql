-- The quality score of every load of every source table: the share of its rows without an
-- error-level issue (1 = nothing excluded), with the counts behind it. Merged tables (orders,
-- sales) count each row under the load that last wrote it.
with source_rows as (
    {{ union_marketplaces({'ozon': 'int_ozon_source_rows', 'wildberries': 'int_wildberries_source_rows'}) }}
),

flagged_rows as (
    select
        marketplace,
        account,
        source_table,
        load_id,
        count(distinct case when severity = 'error' then natural_key end) as rows_with_errors,
        count(distinct case when severity = 'warn' then natural_key end) as rows_with_warnings
    from {{ ref('data_quality_issues') }}
    group by marketplace, account, source_table, load_id
)

select
    source_rows.marketplace,
    source_rows.account,
    source_rows.source_table,
    source_rows.load_id,
    source_rows.row_count as rows,  -- noqa: RF04
    coalesce(flagged_rows.rows_with_errors, 0) as rows_with_errors,
    coalesce(flagged_rows.rows_with_warnings, 0) as rows_with_warnings,
    1.0 * (source_rows.row_count - coalesce(flagged_rows.rows_with_errors, 0)) / source_rows.row_count as score,
    row_number() over (
        partition by source_rows.marketplace, source_rows.account, source_rows.source_table
        order by source_rows.load_id desc
    ) = 1 as is_latest
from source_rows
left join flagged_rows
    using (marketplace, account, source_table, load_id)
