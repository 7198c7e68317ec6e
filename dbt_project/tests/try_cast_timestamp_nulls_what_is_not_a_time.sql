-- Macro try_cast_timestamp on this engine: the timestamps the marketplaces send parse to the
-- instant they name; text that is not a time becomes null (rule invalid_date), never an error.
with cases as (
    select
        sent,
        expected_utc
    from (
        values
        ('2025-11-19T10:11:07Z', '2025-11-19 10:11:07'),
        ('2025-11-19T10:11:07.123456Z', '2025-11-19 10:11:07.123456'),
        ('2025-11-19T13:11:07+03:00', '2025-11-19 10:11:07'),
        ('2024-02-29T00:00:00Z', '2024-02-29 00:00:00'),
        ('2025-02-29T00:00:00Z', null),
        ('2025-02-30T25:00:00', null),
        ('2025-13-01T00:00:00Z', null),
        ('вчера', null),
        ('N/A', null),
        ('', null)
    ) as given (sent, expected_utc)
),

parsed as (
    select
        sent,
        cast(expected_utc as timestamp) as expected_utc,
        cast({{ try_cast_timestamp('sent') }} at time zone 'UTC' as timestamp) as parsed_utc
    from cases
)

select *
from parsed
where
    (parsed_utc is null) <> (expected_utc is null)
    or parsed_utc <> expected_utc
