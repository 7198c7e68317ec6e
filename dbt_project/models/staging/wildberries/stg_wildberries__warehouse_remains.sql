-- The warehouse_remains report, one row per barcode × entry of its `warehouses` list. WB mixes
-- three pseudo-warehouses into that list (units on the way to buyers, returns on the way back,
-- the total over warehouses); is_pseudo_warehouse marks them so stock is not counted twice.
with remains as (
    {{ raw_table('wildberries', 'warehouse_remains') }}
),

warehouse_entries as (
    {{ raw_table('wildberries', 'warehouse_remains__warehouses') }}
)

select
    remains.account,
    remains.nm_id,
    remains.barcode,
    coalesce(remains.tech_size, '0') as tech_size,
    -- the report's rows are per barcode: without techSize the barcode tells them apart
    coalesce(remains.tech_size, 'barcode ' || remains.barcode, '0') as size_key,
    remains.vendor_code,
    remains.brand,
    remains.subject_name,
    remains.volume,
    {{ warehouse_name_as_sent('entries.warehouse_name') }} as raw_warehouse_name,
    -- matched spelled as any warehouse name is (a stray space or case must not make them stock); an
    -- entry sent without its name is a warehouse (склад не указан), not a pseudo-warehouse
    coalesce({{ normalize_warehouse_name('entries.warehouse_name') }} in (
        {{ normalize_warehouse_name("'В пути до получателей'") }},
        {{ normalize_warehouse_name("'В пути возвраты на склад WB'") }},
        {{ normalize_warehouse_name("'Всего находится на складах'") }}
    ), false) as is_pseudo_warehouse,
    entries.quantity,
    remains.synced_at,
    remains._dlt_load_id as load_id
from remains
inner join warehouse_entries as entries
    on remains._dlt_id = entries._dlt_parent_id
