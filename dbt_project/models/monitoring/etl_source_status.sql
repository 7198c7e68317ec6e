-- Per source (marketplace x load group x account): the last successful load and how fresh its data
-- is now, the last attempt, the success rate over the last 24 hours and the average load duration.
with run_log as (
    {{ raw_table('ops', 'run_log') }}
),

loads as (
    select * from run_log
    where kind = 'load' and status <> 'running'
),

ranked as (
    select
        *,
        row_number() over (
            partition by marketplace, step_group, account order by started_at desc
        ) as recency,
        row_number() over (
            partition by marketplace, step_group, account, status order by started_at desc
        ) as recency_in_status
    from loads
),

summary as (
    select
        marketplace,
        step_group,
        account,
        sum(case when started_at >= {{ add_interval(utc_now(), -24, 'hour') }} then 1 else 0 end) as loads_24h,
        sum(
            case when started_at >= {{ add_interval(utc_now(), -24, 'hour') }} and status = 'success' then 1 else 0 end
        ) as successful_loads_24h,
        avg(case when status = 'success' then duration_seconds end) as average_duration_seconds
    from loads
    group by marketplace, step_group, account
)

select
    summary.marketplace,
    summary.step_group,
    summary.account,
    last_success.run_id as last_success_run_id,
    last_success.finished_at as last_success_at,
    {{ seconds_between('last_success.finished_at', utc_now()) }} / 3600.0 as hours_since_last_success,
    last_attempt.run_id as last_attempt_run_id,
    last_attempt.status as last_attempt_status,
    last_attempt.started_at as last_attempt_at,
    last_attempt.error_message as last_attempt_error,
    summary.loads_24h,
    summary.successful_loads_24h,
    case
        when summary.loads_24h > 0 then 1.0 * summary.successful_loads_24h / summary.loads_24h
    end as success_rate_24h,
    summary.average_duration_seconds
from summary
inner join ranked as last_attempt
    on
        summary.marketplace = last_attempt.marketplace
        and summary.step_group = last_attempt.step_group
        and summary.account = last_attempt.account
        and last_attempt.recency = 1
left join ranked as last_success
    on
        summary.marketplace = last_success.marketplace
        and summary.step_group = last_success.step_group
        and summary.account = last_success.account
        and last_success.status = 'success'
        and last_success.recency_in_status = 1
