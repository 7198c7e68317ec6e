-- Where each Wildberries order (srid) goes: the buyer's federal district (oblastOkrugName of the
-- order feed, "Центральный федеральный округ"), named like the clusters of the warehouses seed
-- ("Центральный"). WB names no cluster of its own: the shipping warehouse's is the seed's
-- (dim_warehouses), so shipped_from_cluster is null here. Orders outside Russia have no district.
select distinct
    'wildberries' as marketplace,
    account,
    srid as order_id,
    cast(null as varchar) as shipped_from_cluster,
    nullif(trim(replace(oblast_okrug_name, 'федеральный округ', '')), '') as buyer_cluster
from {{ ref('stg_wildberries__orders') }}
