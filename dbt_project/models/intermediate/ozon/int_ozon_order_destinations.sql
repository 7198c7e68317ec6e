-- Where each Ozon posting goes from and to: financial_data.cluster_from (the cluster of the
-- shipping warehouse) and cluster_to (the buyer's cluster), one row per posting of either scheme.
-- An empty string (Ozon sends "" where it does not know) is null. Lines with an error-level data
-- quality issue are left out, as in int_ozon_order_lines (a posting in both lists counts once).
with postings as (
    select
        account,
        posting_number,
        cluster_from,
        cluster_to
    from {{ ref('stg_ozon__posting_lines_fbo') }} as fbo
    where {{ passes_quality_checks(
        'ozon', 'postings_fbo', 'fbo.account', ozon_order_line_natural_key('fbo'), 'fbo.load_id'
    ) }}
    union all
    select
        account,
        posting_number,
        cluster_from,
        cluster_to
    from {{ ref('stg_ozon__posting_lines_fbs') }} as fbs
    where {{ passes_quality_checks(
        'ozon', 'postings_fbs', 'fbs.account', ozon_order_line_natural_key('fbs'), 'fbs.load_id'
    ) }}
)

select distinct
    'ozon' as marketplace,
    account,
    posting_number as order_id,
    nullif(cluster_from, '') as shipped_from_cluster,
    nullif(cluster_to, '') as buyer_cluster
from postings
