{{ config(enabled=marketplace_enabled("ozon"), severity="warn") }}

-- The catalogue is read in full on every run (archived products included) and merged, so a product
-- the newest run did not see has vanished from the API. Warns for each account where more than 10 %
-- of the catalogue vanished at once: a broken listing or a wrong account, not normal churn.
with listed as (
    select
        account,
        product_id,
        synced_at
    from {{ ref('stg_ozon__product_list_items') }}
),

newest_run as (
    select
        account,
        max(synced_at) as synced_at
    from listed
    group by account
)

select
    listed.account as seller_account,
    count(*) as products,
    sum(case when listed.synced_at < newest_run.synced_at then 1 else 0 end) as vanished
from listed
inner join newest_run
    on listed.account = newest_run.account
group by listed.account
having sum(case when listed.synced_at < newest_run.synced_at then 1 else 0 end) > 0.1 * count(*)
