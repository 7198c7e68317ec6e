-- One row per pipeline run with its outcome and totals over its steps.
with run_log as (
    {{ raw_table('ops', 'run_log') }}
),

runs as (
    select * from run_log
    where kind = 'run'
),

steps as (
    select
        run_id,
        count(*) as steps_total,
        sum(case when status = 'failed' then 1 else 0 end) as steps_failed,
        sum(case when status = 'skipped' then 1 else 0 end) as steps_skipped,
        sum(rows_loaded) as rows_loaded,
        sum(api_requests) as api_requests,
        sum(api_failed_requests) as api_failed_requests,
        sum(api_retries) as api_retries,
        sum(api_throttled) as api_throttled
    from run_log
    where kind <> 'run'
    group by run_id
)

select
    runs.run_id,
    runs.status,
    runs.started_at,
    runs.finished_at,
    runs.duration_seconds,
    runs.peak_memory_mb,
    coalesce(steps.steps_total, 0) as steps_total,
    coalesce(steps.steps_failed, 0) as steps_failed,
    coalesce(steps.steps_skipped, 0) as steps_skipped,
    steps.rows_loaded,
    steps.api_requests,
    steps.api_failed_requests,
    steps.api_retries,
    steps.api_throttled,
    runs.error_message,
    runs.detail
from runs
left join steps on runs.run_id = steps.run_id
