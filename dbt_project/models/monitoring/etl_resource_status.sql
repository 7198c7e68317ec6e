-- Per marketplace, account and loader resource: the last attempt and how it ended (ok, skipped,
-- failed, with the HTTP status, endpoint and message), the last ok sync and how old it is now, and
-- whether the account's newest run was partial (some resource of it not ok). From the loaders'
-- resource_outcomes; empty on installs whose loaders do not write them yet. Read from the raw tables,
-- not from the staging views: on PostgreSQL a view over a view is dropped with it while dbt rebuilds
-- the staging view, and the API's monitoring answered "not built" for seconds of every build.
with outcomes as (
    {%- for marketplace in ['ozon', 'wildberries'] if marketplace_enabled(marketplace) %}
        select
            '{{ marketplace }}' as marketplace,
            *
        from ({{ staged_resource_outcomes(marketplace) }}) as {{ marketplace }}_outcomes
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by marketplace, account, resource order by synced_at desc, load_id desc
        ) as recency
    from outcomes
),

last_ok as (
    select
        marketplace,
        account,
        resource,
        max(synced_at) as synced_at
    from outcomes
    where status = 'ok'
    group by marketplace, account, resource
),

-- The outcome rows of one run share a load: the account's newest run is its newest such load.
newest_runs as (
    select
        marketplace,
        account,
        max(load_id) as load_id
    from outcomes
    group by marketplace, account
),

newest_run_status as (
    select
        outcomes.marketplace,
        outcomes.account,
        max(outcomes.synced_at) as synced_at,
        sum(case when outcomes.status not in ('ok', 'left_out') then 1 else 0 end) > 0 as is_partial
    from outcomes
    inner join newest_runs
        using (marketplace, account, load_id)
    group by outcomes.marketplace, outcomes.account
)

select
    last_attempt.marketplace,
    last_attempt.account,
    last_attempt.resource,
    last_attempt.synced_at as last_attempt_at,
    last_attempt.status as last_status,
    last_attempt.http_status as last_http_status,
    last_attempt.endpoint as last_endpoint,
    last_attempt.message as last_message,
    last_ok.synced_at as last_ok_at,
    {{ seconds_between('last_ok.synced_at', 'current_timestamp') }} / 3600.0 as hours_since_last_ok,
    newest_run_status.synced_at as newest_run_at,
    newest_run_status.is_partial
from ranked as last_attempt
left join last_ok
    using (marketplace, account, resource)
inner join newest_run_status
    on
        last_attempt.marketplace = newest_run_status.marketplace
        and last_attempt.account = newest_run_status.account
where last_attempt.recency = 1
