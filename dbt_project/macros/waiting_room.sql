{% macro quarantine_waiting(quarantine, outcomes) %}
{#- One row per quarantined row of `quarantine` (quarantine_row_id, account, source_table = the
    loader resource, load_id, window_since): whether a later successful read of its resource whose
    window covered it quarantined nothing (is_cleared: the record was stored then), or whether its
    window is still open for re-reads (is_waiting: fewer than QUARANTINE_RETRIES reads so far, its
    own included). loaders/waiting_room.py keeps the windows open; resource_outcomes records each
    read's window_since and quarantined_rows. Rows from before the waiting room (no window_since)
    are neither. -#}
    select
        q.quarantine_row_id,
        coalesce(max(case when o.status = 'ok' and o.quarantined_rows = 0 then 1 else 0 end), 0) = 1 as is_cleared,
        q.window_since is not null
        and count(o.window_since) < {{ env_var('QUARANTINE_RETRIES', '3') | int }} as is_waiting
    from {{ quarantine }} as q
    left join {{ outcomes }} as o
        on
            q.account = o.account
            and q.source_table = o.resource
            and q.load_id <= o.data_load_id
            and q.window_since >= o.window_since
    group by q.quarantine_row_id, q.window_since
{% endmacro %}
