"""Unit tests of the pure mentor assignment proposal."""

from hackathon.mentoring.matching import (
    ALL_CONFLICTED,
    NO_CAPACITY,
    NO_MENTORS,
    TOO_FEW_MENTORS,
    MentorInput,
    TeamInput,
    propose_assignment,
)


def T(id, track=None, tags=(), langs=(), members=()):
    return TeamInput(id, track, frozenset(tags), frozenset(langs), frozenset(members))


def M(id, cap=2, tracks=(), exp=(), langs=(), c_teams=(), c_people=(), own=()):
    return MentorInput(
        id, cap, frozenset(tracks), frozenset(exp), frozenset(langs),
        frozenset(c_teams), frozenset(c_people), frozenset(own),
    )


def pairs(proposal):
    return {(a.team_id, a.mentor_id) for a in proposal.assignments}


def test_normal_case_prefers_track_language_expertise():
    teams = [T(1, track=10, tags={"data"}, langs={"ru"}), T(2, track=20, tags={"web"})]
    mentors = [
        M(100, cap=1, tracks={20}, exp={"web"}),
        M(200, cap=1, tracks={10}, exp={"data"}, langs={"ru", "en"}),
    ]
    p = propose_assignment(teams, mentors, per_team=1, existing=())
    assert pairs(p) == {(1, 200), (2, 100)}
    a = p.for_team(1)[0]
    assert a.reasons == ("track", "language: ru", "expertise: data")
    assert p.for_team(2)[0].reasons == ("track", "expertise: web")
    assert p.uncovered == []


def test_loads_are_balanced():
    teams = [T(i, track=1) for i in range(1, 7)]
    mentors = [M(100, cap=10, tracks={1}), M(200, cap=10), M(300, cap=10)]
    p = propose_assignment(teams, mentors, per_team=1, existing=())
    assert p.loads == {100: 2, 200: 2, 300: 2}


def test_balance_is_relative_to_capacity():
    teams = [T(i) for i in range(1, 7)]
    mentors = [M(100, cap=4), M(200, cap=2)]
    p = propose_assignment(teams, mentors, per_team=1, existing=())
    assert p.loads == {100: 4, 200: 2}


def test_capacity_is_never_exceeded():
    teams = [T(i) for i in range(1, 6)]
    mentors = [M(100, cap=1), M(200, cap=2)]
    p = propose_assignment(teams, mentors, per_team=1, existing=())
    assert p.loads == {100: 1, 200: 2}
    assert len(p.assignments) == 3
    assert {u.team_id for u in p.uncovered} == {4, 5}
    assert all(u.reason == NO_CAPACITY and u.missing == 1 for u in p.uncovered)


def test_declared_conflicts_are_respected():
    teams = [T(1, members={7}), T(2, members={8})]
    mentors = [M(100, cap=5, c_teams={1}), M(200, cap=5, c_people={8})]
    p = propose_assignment(teams, mentors, per_team=1, existing=())
    assert pairs(p) == {(1, 200), (2, 100)}


def test_member_of_team_is_never_its_mentor():
    teams = [T(1, members={100}), T(2)]
    mentors = [M(100, cap=5, own={1}), M(200, cap=5)]
    p = propose_assignment(teams, mentors, per_team=2, existing=())
    assert (1, 100) not in pairs(p)
    assert pairs(p) == {(1, 200), (2, 100), (2, 200)}
    assert [(u.team_id, u.missing, u.reason) for u in p.uncovered] == [(1, 1, TOO_FEW_MENTORS)]


def test_most_constrained_team_first():
    # team 1 can only take mentor 100; team 2 can take both. Naive id order
    # would give 100 to team 1 anyway, so make team 2 come first by id.
    teams = [T(1), T(2, members={5})]
    mentors = [M(100, cap=1), M(200, cap=1, c_people={5})]
    p = propose_assignment(teams, mentors, per_team=1, existing=())
    assert pairs(p) == {(2, 100), (1, 200)}
    assert p.uncovered == []


def test_infeasible_inputs_give_a_report():
    p = propose_assignment([T(1), T(2)], [], per_team=1, existing=())
    assert [(u.team_id, u.reason) for u in p.uncovered] == [(1, NO_MENTORS), (2, NO_MENTORS)]

    p = propose_assignment([T(1)], [M(100, c_teams={1}), M(200, own={1})], per_team=1)
    assert p.assignments == []
    assert [(u.team_id, u.reason) for u in p.uncovered] == [(1, ALL_CONFLICTED)]

    p = propose_assignment([T(1)], [M(100)], per_team=3)
    assert [(u.team_id, u.missing, u.reason) for u in p.uncovered] == [(1, 2, TOO_FEW_MENTORS)]

    p = propose_assignment([], [M(100)], per_team=1)
    assert p.assignments == [] and p.uncovered == []


def test_deterministic_regardless_of_input_order():
    teams = [T(i, track=i % 3, tags={"a", "b"} if i % 2 else {"c"}) for i in range(1, 20)]
    mentors = [M(100 + i, cap=3, tracks={i % 3}, exp={"a", "c"}) for i in range(8)]
    first = propose_assignment(teams, mentors, per_team=2, existing=())
    second = propose_assignment(list(reversed(teams)), list(reversed(mentors)), per_team=2)
    assert first.assignments == second.assignments
    assert first.uncovered == second.uncovered
    seeded = [propose_assignment(teams, mentors, per_team=2, seed=7).assignments for _ in range(2)]
    assert seeded[0] == seeded[1]


def test_keep_existing():
    teams = [T(1), T(2)]
    mentors = [M(100, cap=1), M(200, cap=1)]
    p = propose_assignment(teams, mentors, per_team=1, existing=[(2, 100)])
    assert pairs(p) == {(2, 100), (1, 200)}
    kept = p.for_team(2)[0]
    assert kept.existing
    assert p.loads == {100: 1, 200: 1}

    p = propose_assignment(teams, mentors, per_team=1, existing=[(2, 100)], keep_existing=False)
    assert pairs(p) == {(1, 100), (2, 200)}
    assert not any(a.existing for a in p.assignments)


def test_existing_count_toward_capacity_and_conflicted_existing_dropped():
    teams = [T(1), T(2), T(3)]
    mentors = [M(100, cap=2, c_teams={3}), M(200, cap=1)]
    p = propose_assignment(teams, mentors, per_team=1, existing=[(1, 100), (3, 100)])
    # (3, 100) is conflicted now and is not kept
    assert (3, 100) not in pairs(p)
    assert p.loads[100] <= 2 and p.loads[200] <= 1
    assert len(p.assignments) == 3
