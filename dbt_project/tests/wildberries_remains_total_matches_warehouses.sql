{{ config(enabled=marketplace_enabled("wildberries"), severity="warn") }}

-- WB's warehouse_remains report carries its own total ("Всего находится на складах") beside the
-- warehouses: where they disagree, WB's data is inconsistent (or the report format changed) and
-- the inventory of that barcode is in doubt. Returns the report rows that disagree.
with entries as (
    select
        account,
        load_id,
        barcode,
        sum(case when not is_pseudo_warehouse then quantity else 0 end) as warehouse_units,
        -- the total as staging tells it (a stray space or WB's rewording is still the total)
        max(
            case when {{ wildberries_report_entry_start('raw_warehouse_name') }} = 'ВСЕГО_' then quantity end
        ) as reported_total
    from {{ ref('stg_wildberries__warehouse_remains') }}
    group by account, load_id, barcode
)

select *
from entries
where coalesce(reported_total, 0) <> warehouse_units
