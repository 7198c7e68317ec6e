-- dbt tests that failed, errored or warned, per build; `is_latest_build` marks the last transform.
with dbt_results as (
    {{ raw_table('ops', 'dbt_results') }}
),

run_log as (
    {{ raw_table('ops', 'run_log') }}
),

results as (
    select * from dbt_results
    where resource_type in ('test', 'unit_test') and status in ('fail', 'error', 'warn')
),

latest_build as (
    select max(run_id) as run_id
    from run_log
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
