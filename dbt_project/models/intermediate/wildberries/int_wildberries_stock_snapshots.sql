-- Every completed Wildberries stock snapshot from the warehouse_remains report, one row per
-- product (card size) and warehouse, stock type fbw (WB's warehouses). The pseudo-warehouses of the
-- report (in transit, total) are left out; names resolve through the seeds, masked ones ("Склад
-- WB РФ", "Склад WB СГТ РФ") to WB's aggregate warehouses. The analytics wb-warehouses rows
-- measure the same units and are not added here (they would count them twice); nor is a report
-- row the report sent twice (report_copy).
-- Rows of loads that dlt did not finish never get here, nor rows of a report the loader reported
-- skipped or failed in that run (resource_outcomes). A row with an error-level data quality issue
-- (int_wildberries_quality_issues; data_quality_issues lists them) has passes_checks false: its
-- stock is unknown, and the stock models leave it out (int_stock_cells_quarantined lists its cell).
select
    'wildberries' as marketplace,
    remains.account,
    {{ wildberries_product_key('remains.account', 'remains.nm_id', 'remains.tech_size') }} as product_key,
    {{ wildberries_product_id('remains.nm_id', 'remains.tech_size') }} as product_id,
    warehouse_names.warehouse_key,
    'fbw' as stock_type,
    'warehouse_remains' as snapshot_source,
    remains.quantity as available_quantity,
    cast(null as bigint) as reserved_quantity,
    cast(null as bigint) as in_transit_quantity,
    remains.synced_at as snapshot_at,
    remains.load_id,
    {{ passes_quality_checks(
        'wildberries', 'warehouse_remains', 'remains.account', wildberries_remains_natural_key('remains'), 'remains.load_id'
    ) }} as passes_checks
from ({{ completed_snapshot_rows('wildberries', 'warehouse_remains') }}) as remains
inner join {{ ref('int_warehouse_names_resolved') }} as warehouse_names
    on {{ resolves_warehouse_name('wildberries', 'remains') }}
where not remains.is_pseudo_warehouse and remains.report_copy = 1
