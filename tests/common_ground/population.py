"""Synthetic populations for the scorer tests: two opinion camps of unequal size.

Idea ids tell the kinds apart: bridging ideas (both camps mostly support them), camp ideas
(one camp supports, the other opposes), one popular camp idea that gets far more votes
and raw support than any bridging idea, and a new idea with a handful of votes.
"""

from dataclasses import dataclass, field

import numpy as np

BIG_CAMP, SMALL_CAMP = 220, 130
BRIDGING = range(1, 6)
BIG_CAMP_IDEAS = range(100, 124)
SMALL_CAMP_IDEAS = range(200, 216)
POPULAR = 300
NEW = 400


@dataclass
class Population:
    camp_of: dict[int, str]
    reactions: list[tuple[int, int, int]] = field(default_factory=list)

    def add(self, member: int, idea: int, supports: bool) -> None:
        self.reactions.append((member, idea, 1 if supports else -1))

    def raw_support(self, idea: int) -> int:
        return sum(1 for _, i, v in self.reactions if i == idea and v == 1)

    def votes(self, idea: int) -> int:
        return sum(1 for _, i, _ in self.reactions if i == idea)


def two_camps(seed: int = 7, big: int = BIG_CAMP, small: int = SMALL_CAMP) -> Population:
    rng = np.random.default_rng(seed)
    big_members = list(range(1, big + 1))
    small_members = list(range(1001, 1001 + small))
    people = Population({m: "big" for m in big_members} | {m: "small" for m in small_members})

    def vote(idea: int, members: list[int], turnout: float, support: float) -> None:
        for member in members:
            if rng.random() < turnout:
                people.add(member, idea, rng.random() < support)

    for idea in BRIDGING:
        vote(idea, big_members, 0.30, 0.88)
        vote(idea, small_members, 0.30, 0.88)
    for ideas, own, other in (
        (BIG_CAMP_IDEAS, big_members, small_members),
        (SMALL_CAMP_IDEAS, small_members, big_members),
    ):
        for idea in ideas:
            vote(idea, own, 0.35, 0.90)
            vote(idea, other, 0.25, 0.10)
    vote(POPULAR, big_members, 0.90, 0.97)
    vote(POPULAR, small_members, 0.45, 0.08)
    for member in big_members[:3] + small_members[:2]:
        people.add(member, NEW, True)
    return people
