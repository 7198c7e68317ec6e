{#- Rows of `relation` from the newest completed load of each account.
    A load counts once dlt has recorded it in `loads_relation` with status 0: rows of a load that
    failed half-way never reach the marts. Stock is appended as snapshots, so this is "stock now". -#}
{% macro latest_completed_snapshot(relation, loads_relation) -%}
    select snapshot_rows.*
    from {{ relation }} as snapshot_rows
    inner join (
        select
            loaded.account,
            -- dlt load ids are Unix times as text of fixed integer width: text order is time order.
            max(loaded.load_id) as load_id
        from {{ relation }} as loaded
        inner join {{ loads_relation }} as loads
            on loaded.load_id = loads.load_id
        where loads.is_completed
        group by loaded.account
    ) as latest
        on
            snapshot_rows.account = latest.account
            and snapshot_rows.load_id = latest.load_id
{%- endmacro %}
