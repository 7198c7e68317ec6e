"""The paced benchmark's yardstick: the least time a load's requests need under the marketplace's
rate limits, from what the sandbox counted per rate-limit group.

A group is one client's token bucket (an Ozon Client-Id's every-method limit, a posting list's own
limit; a Wildberries account's method or category): it starts full with `burst` requests and
gets `per_second` back each second, so `n` requests take at least (n - burst) / per_second
seconds. Groups fill side by side, so a load is bound by its longest group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sandbox.server import LimitGroup


@dataclass(frozen=True)
class GroupUse:
    """The requests one step made in one rate-limit group (`client: group`) and the group's
    scaled rule; `throttled` is how many of its requests were answered 429."""

    group: str
    requests: int
    throttled: int
    per_second: float
    burst: float

    @property
    def seconds(self) -> float:
        """The least time `requests` take, the first `burst` of them at once."""
        return max(0.0, self.requests - self.burst) / self.per_second


def uses_between(before: Iterable[LimitGroup], after: Iterable[LimitGroup]) -> tuple[GroupUse, ...]:
    """What was drawn on each group between two readings of a sandbox's groups."""
    earlier = {(group.client, group.group): group for group in before}
    uses = []
    for group in after:
        prior = earlier.get((group.client, group.group))
        requests = group.served - (prior.served if prior else 0)
        throttled = group.throttled - (prior.throttled if prior else 0)
        if requests or throttled:
            label = f"{group.client}: {group.group}"
            uses.append(GroupUse(label, requests, throttled, group.per_second, group.burst))
    return tuple(uses)


def combined(*steps: Iterable[GroupUse]) -> tuple[GroupUse, ...]:
    """The uses of steps run one after another, as one step: requests of a group added up."""
    merged: dict[str, GroupUse] = {}
    for use in (use for step in steps for use in step):
        known = merged.get(use.group)
        if known:
            use = GroupUse(
                use.group, known.requests + use.requests, known.throttled + use.throttled, use.per_second, use.burst
            )
        merged[use.group] = use
    return tuple(merged.values())


def binding(uses: Iterable[GroupUse]) -> GroupUse | None:
    """The group that bounds the step: the longest, the busiest when none passes its burst."""
    return max(uses, key=lambda use: (use.seconds, use.requests), default=None)


def limit_bound_seconds(uses: Iterable[GroupUse]) -> float:
    """The limit-bound minimum: the longest group's least time."""
    longest = binding(uses)
    return longest.seconds if longest else 0.0


def throttled(uses: Iterable[GroupUse]) -> int:
    """429 answers of the rate limits (each 429 is counted in the one group that refused it)."""
    return sum(use.throttled for use in uses)
