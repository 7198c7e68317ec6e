-- Where each Ozon posting goes from and to: financial_data.cluster_from (the cluster of the
-- shipping warehouse) and cluster_to (the buyer's cluster), one row per posting of either scheme.
-- Ozon sends "" where it does not know, which reads null (macro raw_table). Lines with an
-- error-level data quality issue are left out, as in int_ozon_order_lines (a posting in both
-- lists counts once).
with postings as (
    {%- for scheme in ['fbo', 'fbs'] %}
        select
            account,
            posting_number,
            cluster_from,
            cluster_to
        from {{ ref('stg_ozon__posting_lines_' ~ scheme) }} as {{ scheme }}
        where {{ ozon_order_line_passes_checks(scheme) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select distinct
    'ozon' as marketplace,
    account,
    posting_number as order_id,
    cluster_from as shipped_from_cluster,
    cluster_to as buyer_cluster
from postings
