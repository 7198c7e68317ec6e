-- The warehouse_remains report, one row per barcode × entry of its `warehouses` list. WB mixes
-- three pseudo-warehouses into that list (units on the way to buyers, returns on the way back,
-- the total over warehouses); is_pseudo_warehouse marks them so stock is not counted twice.
with raw_remains as (
    {{ raw_table('wildberries', 'warehouse_remains') }}
),

sized_remains as (
    {{ wildberries_rows_sized('raw_remains') }}
),

remains as (
    -- report_copy: a report row (one barcode with its warehouses) sent again in the same report is
    -- a copy (a repeated row of a flaky download), not more stock: the stock models take copy 1, the
    -- row sent first (row_number, its place in the file; dlt's _dlt_id is random, so ordered by it
    -- alone a new load of the same report could take the other copy; it only breaks ties in rows
    -- loaded before the loader stored row_number); rule duplicate_key still warns of it. Masked
    -- warehouses repeat within one row's list, and those entries are all stock.
    select
        sized_remains.*,
        row_number() over (
            partition by
                sized_remains.account,
                sized_remains._dlt_load_id,
                sized_remains.nm_id,
                sized_remains.barcode,
                sized_remains.tech_size
            order by sized_remains.row_number, sized_remains._dlt_id
        ) as report_copy
    from sized_remains
),

warehouse_entries as (
    {{ raw_table('wildberries', 'warehouse_remains__warehouses') }}
)

select
    remains.account,
    remains.nm_id,
    remains.barcode,
    -- without techSize, the size of the card that holds the barcode
    remains.sized_tech_size as tech_size,
    -- the report's rows are per barcode: without techSize the barcode tells them apart
    coalesce(remains.tech_size, 'barcode ' || remains.barcode, '0') as size_key,
    remains.vendor_code,
    remains.brand,
    remains.subject_name,
    remains.volume,
    {{ warehouse_name_as_sent('entries.warehouse_name') }} as raw_warehouse_name,
    -- matched by their first words ("В пути до получателей", "В пути возвраты на склад WB", "Всего
    -- находится на складах"), spelled as any warehouse name is: a stray space or case, or WB
    -- rewording the rest ("Всего находится на складах WB"), must not make them stock (the total
    -- counted as a warehouse doubled the account's stock); no warehouse's name begins so. An entry
    -- sent without its name is a warehouse (склад не указан), not a pseudo-warehouse
    coalesce(
        {{ wildberries_report_entry_start('entries.warehouse_name') }} in ('В_ПУТИ', 'ВСЕГО_'), false
    ) as is_pseudo_warehouse,
    entries.quantity,
    remains.report_copy,
    remains.synced_at,
    remains._dlt_load_id as load_id
from remains
inner join warehouse_entries as entries
    on remains._dlt_id = entries._dlt_parent_id
