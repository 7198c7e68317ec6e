-- How many rows each Wildberries source table got per account and load, the rows the loader
-- quarantined included (they count against the source they were meant for): the denominator of the
-- quality scores. warehouse_remains counts size × real warehouse entries (pseudo-warehouses left out).
with counted as (
    select
        'orders' as source_table,
        account,
        load_id
    from {{ ref('stg_wildberries__orders') }}
    union all
    select
        'sales' as source_table,
        account,
        load_id
    from {{ ref('stg_wildberries__sales') }}
    union all
    select
        'warehouse_remains' as source_table,
        account,
        load_id
    from {{ ref('stg_wildberries__warehouse_remains') }}
    where not is_pseudo_warehouse
    union all
    select
        source_table,
        account,
        load_id
    from {{ ref('stg_wildberries__statistics_quarantine') }}
    union all
    select
        'warehouse_remains' as source_table,
        account,
        load_id
    from {{ ref('stg_wildberries__warehouse_remains_quarantine') }}
)

select
    'wildberries' as marketplace,
    source_table,
    account,
    load_id,
    count(*) as row_count
from counted
group by source_table, account, load_id
