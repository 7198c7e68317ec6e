{#- The newest load of each marketplace × account × snapshot source in `relation`. dlt load ids are
    Unix times as text of fixed integer width: text order is time order. -#}
{% macro newest_loads(relation) -%}
    select
        marketplace,
        account,
        snapshot_source,
        max(load_id) as load_id
    from {{ relation }}
    group by marketplace, account, snapshot_source
{%- endmacro %}

{#- The first load of each snapshot time of a marketplace × account × snapshot source in `relation`:
    a load that repeats a snapshot time (a rerun at the same LOADER_NOW) is the same snapshot read
    again and no snapshot of its own. -#}
{% macro first_snapshot_loads(relation) -%}
    select
        marketplace,
        account,
        snapshot_source,
        snapshot_at,
        min(load_id) as load_id
    from {{ relation }}
    group by marketplace, account, snapshot_source, snapshot_at
{%- endmacro %}

{#- Join condition: rows `left` and `right` are of the same load of one marketplace × account ×
    snapshot source. -#}
{% macro same_source_load(left, right) -%}
    {%- for column in ['marketplace', 'account', 'snapshot_source', 'load_id'] %}
    {{ "and " if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}

{#- The loads in which the loader read resource `resource` of `marketplace` whole (a stock snapshot,
    or the orders: int_orders_loaded): its
    resource_outcomes row says ok and dlt completed the load, whether or not it listed any row.
    Columns: account, load_id, snapshot_at (the outcome's synced_at). -#}
{% macro reported_snapshot_loads(marketplace, resource) -%}
    select
        outcomes.account,
        outcomes.data_load_id as load_id,
        outcomes.synced_at as snapshot_at
    from {{ ref('stg_' ~ marketplace ~ '__resource_outcomes') }} as outcomes
    inner join {{ ref('stg_' ~ marketplace ~ '__loads') }} as loads
        on outcomes.data_load_id = loads.load_id
    where
        outcomes.status = 'ok'
        and outcomes.resource = '{{ resource }}'
        and loads.is_completed
{%- endmacro %}

{#- The loads that read each of `resources` ((marketplace, resource) pairs; those of marketplaces
    not enabled left out) whole (reported_snapshot_loads). Columns: marketplace, resource, account,
    load_id, snapshot_at. -#}
{% macro whole_reads(resources) -%}
    {%- for marketplace, resource in enabled_resources(resources) %}
    {{ "union all" if not loop.first }}
    select
        '{{ marketplace }}' as marketplace,
        '{{ resource }}' as resource,
        loads.*
    from ({{ reported_snapshot_loads(marketplace, resource) }}) as loads
    {%- endfor %}
{%- endmacro %}

{#- Of `resources` ((marketplace, resource) pairs; those of marketplaces not enabled left out), the
    ones an account no longer reads: its newest resource_outcomes row of the resource says left_out
    (the account's <PREFIX>_SKIP_RESOURCES leaves it out), so the resource's older rows are no news of
    today. Columns: marketplace, account, resource. -#}
{% macro resources_left_out(resources) -%}
    {%- for marketplace, resource in enabled_resources(resources) %}
    {{ "union all" if not loop.first }}
    select
        '{{ marketplace }}' as marketplace,
        outcomes.account,
        outcomes.resource
    from {{ ref('stg_' ~ marketplace ~ '__resource_outcomes') }} as outcomes
    where
        outcomes.resource = '{{ resource }}'
        and outcomes.status = 'left_out'
        and outcomes.load_id = (
            select max(newest.load_id)
            from {{ ref('stg_' ~ marketplace ~ '__resource_outcomes') }} as newest
            where newest.account = outcomes.account and newest.resource = outcomes.resource
        )
    {%- endfor %}
{%- endmacro %}

{#- Predicate: the row `alias` (marketplace, account and the resource in column `resource_column`) is
    of a resource of `resources` its account still reads (resources_left_out). -#}
{% macro still_read(alias, resource_column, resources) -%}
    not exists (
        select 1
        from ({{ resources_left_out(resources) }}) as left_out
        where
            left_out.marketplace = {{ alias }}.marketplace
            and left_out.account = {{ alias }}.account
            and left_out.resource = {{ alias }}.{{ resource_column }}
    )
{%- endmacro %}

{#- The loader resources whose loads are stock snapshots, as (marketplace, resource) pairs. -#}
{% macro stock_snapshot_feeds() -%}
    {{ return([('ozon', 'analytics_stocks'), ('ozon', 'product_stocks'), ('wildberries', 'warehouse_remains')]) }}
{%- endmacro %}

{#- The (marketplace, resource) pairs of `resources` whose marketplace is enabled. -#}
{% macro enabled_resources(resources) -%}
    {%- set enabled = [] -%}
    {%- for marketplace, resource in resources if marketplace_enabled(marketplace) -%}
        {%- do enabled.append((marketplace, resource)) -%}
    {%- endfor -%}
    {{ return(enabled) }}
{%- endmacro %}

{#- The loads of a stock snapshot source that listed no row although the loader read it whole
    (whole_reads): a snapshot with nothing in stock (every product sold out, a report
    without rows), which is the stock now as much as one with rows. `listed` holds the loads that
    listed rows (marketplace, account, snapshot_source, load_id, snapshot_at); a load at a snapshot
    time one of them has (a rerun at the same LOADER_NOW) is no snapshot of its own. -#}
{% macro empty_snapshot_loads(listed) -%}
    select
        reported.marketplace,
        reported.account,
        reported.resource as snapshot_source,
        reported.load_id,
        reported.snapshot_at
    from (
        {{ whole_reads(stock_snapshot_feeds()) }}
    ) as reported
    where not exists (
        select 1
        from {{ listed }} as listed
        where
            listed.marketplace = reported.marketplace
            and listed.account = reported.account
            and listed.snapshot_source = reported.resource
            and (listed.load_id = reported.load_id or listed.snapshot_at = reported.snapshot_at)
    )
{%- endmacro %}

{#- Each account's newest snapshot of `resource`, for the reconciliation tests: its load and time,
    from the loads with rows in `rows` and those the loader read whole (rows or not). As in the
    stock models (first_snapshot_loads), a load that repeats a snapshot time (a rerun at the same
    clock) is no snapshot of its own: the newest snapshot is the first load of the newest snapshot
    time. The inventory rows of that snapshot have snapshot_at at or after its time: a last known
    stock kept for a failed row is older. -#}
{% macro newest_snapshot(marketplace, resource, rows) -%}
    select
        account,
        load_id,
        snapshot_at
    from (
        select
            first_loads.*,
            max(first_loads.load_id) over (partition by first_loads.account) as newest_load_id
        from (
            select
                account,
                synced_at as snapshot_at,
                min(load_id) as load_id
            from (
                select
                    account,
                    load_id,
                    synced_at
                from {{ rows }}
                union all
                select
                    account,
                    load_id,
                    snapshot_at as synced_at
                from ({{ reported_snapshot_loads(marketplace, resource) }}) as reported
            ) as loads
            group by account, synced_at
        ) as first_loads
    ) as ranked
    where
        load_id = newest_load_id
        -- a source the account no longer reads has no stock now
        and not exists (
            select 1
            from ({{ resources_left_out([(marketplace, resource)]) }}) as left_out
            where left_out.account = ranked.account
        )
{%- endmacro %}
