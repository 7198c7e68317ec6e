-- dbt tests that failed, errored or warned, per build; `is_latest_build` marks the last transform.
with results as (
    select * from {{ ops_source('dbt_results') }} as dbt_results
    where resource_type in ('test', 'unit_test') and status in ('fail', 'error', 'warn')
),

latest_build as (
    select max(run_id) as run_id
    from {{ ops_source('run_log') }} as run_log
    where kind = 'transform' and status in ('success', 'failed')
)

select
    results.run_id,
    results.unique_id,
    results.status,
    results.failures,
    results.message,
    results.finished_at,
    coalesce(results.run_id = latest_build.run_id, false) as is_latest_build
from results
cross join latest_build
