"""Juror-to-project assignment for a judging round: pure functions of plain values (standard library only).

The problem is a transportation problem: every project needs k distinct jurors, no juror on a project they are
conflicted with, juror loads as even as possible (they differ by at most one unless caps or conflicts force
otherwise), and matching tracks and expertise preferred. It is solved as a maximum flow with preferences:

1. Capacities. T = k·P places are shared out: each juror gets ⌊T/J⌋ or ⌈T/J⌉ (the extra places go to jurors in a
   seed-shuffled order), lowered to their own cap; places a cap removes go to the others, still evenly.
2. Greedy pass. Projects are filled most-constrained first (fewest eligible jurors; ties in seed order). Each
   takes the eligible jurors with free capacity by increasing cost: −2 for a track the juror judges, −1 per
   shared expertise tag (at most 2), then the lower current load, then a seed-based random number that mixes the
   juror–project graph (so that scores can be calibrated across jurors).
3. Repair. A project left short looks for an augmenting path, as in Ford–Fulkerson: a breadth-first search over
   "juror j could take this project if j gave one of its projects q to a juror with free capacity who may take
   q", of any length. When no path exists the capacities are raised towards the caps and the search repeats, so
   a project stays short only when no assignment at all could cover it (then it is named in the report).
4. Mixing. If the juror–project graph falls apart into groups that cannot be compared, pairs from two groups
   swap projects when neither swap creates a conflict or a duplicate, which joins the groups.

Pairs in `existing` (completed sheets) are kept as they are and count towards k and the loads. The same input
and seed always give the same assignment.
"""
from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class Juror:
    id: int
    expertise: frozenset[str] = frozenset()
    track_ids: frozenset[int] = frozenset()
    cap: int | None = None


@dataclass(frozen=True)
class Project:
    id: int
    track_id: int | None = None
    tags: frozenset[str] = frozenset()


@dataclass
class Assignment:
    pairs: list[tuple[int, int]]
    reasons: dict[tuple[int, int], list[tuple]]
    loads: dict[int, int]
    uncovered: dict[int, int]              # project id -> jurors still missing
    report: list[str] = field(default_factory=list)
    connected: bool = True

    @property
    def feasible(self) -> bool:
        return not self.uncovered


def _reasons(juror: Juror, project: Project) -> list[tuple]:
    found: list[tuple] = []
    if project.track_id is not None and project.track_id in juror.track_ids:
        found.append(("track", project.track_id))
    found.extend(("expertise", tag) for tag in sorted(_fold(juror.expertise) & _fold(project.tags)))
    return found or [("balance",)]


def _fold(tags: Iterable[str]) -> set[str]:
    return {tag.casefold().strip() for tag in tags if tag.strip()}


def _cost(juror: Juror, project: Project) -> int:
    cost = -2 if project.track_id is not None and project.track_id in juror.track_ids else 0
    return cost - min(2, len(_fold(juror.expertise) & _fold(project.tags)))


def _capacities(jurors: list[Juror], total: int, order: list[int], floor_loads: dict[int, int]) -> dict[int, int]:
    """Even shares of `total` places, within caps, never below a juror's kept load."""
    capacity = {j.id: floor_loads.get(j.id, 0) for j in jurors}
    caps = {j.id: (j.cap if j.cap is not None else total) for j in jurors}
    remaining = total - sum(capacity.values())
    while remaining > 0:
        open_ids = [jid for jid in order if capacity[jid] < caps[jid]]
        if not open_ids:
            break
        level = min(capacity[jid] for jid in open_ids)
        for jid in open_ids:  # raise the lowest first, one place at a time, in seed order
            if remaining == 0:
                break
            if capacity[jid] == level:
                capacity[jid] += 1
                remaining -= 1
    return capacity


def _components(pairs: Iterable[tuple[int, int]]) -> list[set[tuple[str, int]]]:
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for juror, project in pairs:
        a, b = find(("j", juror)), find(("p", project))
        if a != b:
            parent[a] = b
    groups: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
    for node in list(parent):
        groups[find(node)].add(node)
    return list(groups.values())


def assign(jurors: list[Juror], projects: list[Project], *, k: int = 3,
           conflicts: set[tuple[int, int]] = frozenset(), existing: set[tuple[int, int]] = frozenset(),
           seed: int = 0) -> Assignment:
    """Every project gets k non-conflicted distinct jurors where possible; see the module docstring."""
    rng = random.Random(seed)
    jurors = sorted(jurors, key=lambda j: j.id)
    projects = sorted(projects, key=lambda p: p.id)
    by_juror = {j.id: j for j in jurors}
    by_project = {p.id: p for p in projects}
    conflicts = set(conflicts)
    kept = {(j, p) for j, p in existing if p in by_project and j in by_juror and (j, p) not in conflicts}

    assigned: dict[int, set[int]] = {p.id: set() for p in projects}   # project -> jurors
    owned: dict[int, set[int]] = {j.id: set() for j in jurors}        # juror -> projects
    for j, p in kept:
        assigned[p].add(j)
        owned[j].add(p)
    eligible = {p.id: [j.id for j in jurors if (j.id, p.id) not in conflicts] for p in projects}
    order = [j.id for j in jurors]
    rng.shuffle(order)
    need_total = sum(max(k, len(assigned[p.id])) for p in projects)
    capacity = _capacities(jurors, need_total, order, {j: len(ps) for j, ps in owned.items()})
    caps = {j.id: (j.cap if j.cap is not None else need_total) for j in jurors}
    # The ⌈T/J⌉ places are not handed out in advance: the jurors who fit the projects best take them.
    floor_level = need_total // len(jurors) if jurors else 0
    extra = {"left": 0}
    for jid in order:
        if capacity[jid] == floor_level + 1 and len(owned[jid]) <= floor_level:
            capacity[jid] -= 1
            extra["left"] += 1

    def has_room(jid: int) -> bool:
        return len(owned[jid]) < capacity[jid] or (
            extra["left"] > 0 and capacity[jid] == floor_level and capacity[jid] < caps[jid])

    def take_room(jid: int) -> None:
        if len(owned[jid]) >= capacity[jid]:
            capacity[jid] += 1
            extra["left"] -= 1
    salt = rng.getrandbits(32)

    def noise(jid: int, pid: int) -> int:
        """A seed-dependent pseudo-random tie-break per pair (no table of J·P numbers kept in memory)."""
        value = (jid * 0x9E3779B1 ^ pid * 0x85EBCA77 ^ salt) & 0xFFFFFFFF
        value ^= value >> 15
        value = (value * 0x2C1B3C6D) & 0xFFFFFFFF
        return value ^ (value >> 12)

    expertise = {j.id: _fold(j.expertise) for j in jurors}
    tags = {p.id: _fold(p.tags) for p in projects}

    def cost(jid: int, pid: int) -> int:
        """−2 for a track the juror judges, −1 per shared expertise tag (at most 2)."""
        track = by_project[pid].track_id
        value = -2 if track is not None and track in by_juror[jid].track_ids else 0
        return value - min(2, len(expertise[jid] & tags[pid])) if tags[pid] else value

    project_order = sorted(projects, key=lambda p: (len(eligible[p.id]), rng.random()))
    for project in project_order:
        missing = k - len(assigned[project.id])
        if missing <= 0:
            continue
        candidates = [jid for jid in eligible[project.id] if jid not in assigned[project.id] and has_room(jid)]
        candidates.sort(key=lambda jid: (cost(jid, project.id), len(owned[jid]), noise(jid, project.id)))
        for jid in candidates:
            if missing == 0:
                break
            if not has_room(jid):
                continue
            take_room(jid)
            assigned[project.id].add(jid)
            owned[jid].add(project.id)
            missing -= 1
    for jid in order:  # places nobody took in the greedy pass stay available to the repair below
        if extra["left"] and capacity[jid] == floor_level and capacity[jid] < caps[jid]:
            capacity[jid] += 1
            extra["left"] -= 1

    def augment(pid: int) -> bool:
        """One more juror for `pid` through a chain of reassignments (breadth-first, shortest chain)."""
        start = [jid for jid in eligible[pid] if jid not in assigned[pid]]
        previous: dict[int, tuple[int, int] | None] = {jid: None for jid in start}  # juror -> (juror, project) before
        queue = deque(start)
        while queue:
            jid = queue.popleft()
            if len(owned[jid]) < capacity[jid]:
                # Walk back: jid takes the project its predecessor gives up, and so on up to pid.
                taker, chain = jid, previous[jid]
                while chain is not None:
                    giver, project_id = chain
                    owned[giver].discard(project_id)
                    assigned[project_id].discard(giver)
                    owned[taker].add(project_id)
                    assigned[project_id].add(taker)
                    taker, chain = giver, previous[giver]
                owned[taker].add(pid)
                assigned[pid].add(taker)
                return True
            for qid in sorted(owned[jid]):
                if (jid, qid) in kept:
                    continue
                for other in eligible[qid]:
                    if other not in previous and other not in assigned[qid] and other not in assigned[pid] | {jid}:
                        previous[other] = (jid, qid)
                        queue.append(other)
        return False

    while True:
        short = [p.id for p in project_order if len(assigned[p.id]) < k]
        progress = False
        for pid in short:
            while len(assigned[pid]) < k and augment(pid):
                progress = True
        short = [p.id for p in project_order if len(assigned[p.id]) < k]
        if not short:
            break
        raised = False
        for jid in order:
            if capacity[jid] < caps[jid]:
                capacity[jid] += 1
                raised = True
        if not raised and not progress:
            break

    pairs = {(jid, pid) for pid, js in assigned.items() for jid in js}
    connected = _mix(pairs, kept, conflicts, by_project)
    uncovered = {pid: k - len(js) for pid, js in assigned.items() if len(js) < k}
    report = []
    for pid in sorted(uncovered):
        free = len(eligible[pid])
        if free < k:
            report.append(f"project {pid}: only {free} juror(s) without a conflict, {k} needed")
        else:
            report.append(f"project {pid}: the jurors without a conflict have no capacity left")
    if not connected:
        report.append("the jurors and projects fall into groups that share no juror: scores cannot be calibrated "
                      "across them")
    loads = defaultdict(int)
    for jid, _pid in pairs:
        loads[jid] += 1
    return Assignment(pairs=sorted(pairs), reasons={pair: _reasons(by_juror[pair[0]], by_project[pair[1]])
                                                    for pair in sorted(pairs)},
                      loads={j.id: loads.get(j.id, 0) for j in jurors}, uncovered=uncovered, report=report,
                      connected=connected)


def _mix(pairs: set[tuple[int, int]], kept: set[tuple[int, int]], conflicts: set[tuple[int, int]],
         by_project: dict) -> bool:
    """Join groups of the juror–project graph by swapping projects between two of their jurors. In place."""
    for _attempt in range(len(pairs)):
        groups = _components(pairs)
        if len(groups) <= 1:
            return True
        groups.sort(key=lambda g: (-len(g), min(g)))
        first, second = groups[0], groups[1]
        joined = False
        for j1, p1 in sorted(pair for pair in pairs if ("j", pair[0]) in first):
            if (j1, p1) in kept:
                continue
            for j2, p2 in sorted(pair for pair in pairs if ("j", pair[0]) in second):
                if (j2, p2) in kept or (j1, p2) in conflicts or (j2, p1) in conflicts:
                    continue
                if (j1, p2) in pairs or (j2, p1) in pairs:
                    continue
                # Swapping one pair keeps both groups connected only if each juror keeps another project;
                # it joins the groups either way, which is what matters for calibration.
                pairs -= {(j1, p1), (j2, p2)}
                pairs |= {(j1, p2), (j2, p1)}
                joined = True
                break
            if joined:
                break
        if not joined:
            return False
    return len(_components(pairs)) <= 1


def assign_all(jurors: list[Juror], projects: list[Project], *,
               conflicts: set[tuple[int, int]] = frozenset()) -> Assignment:
    """Every juror on every project, minus conflicts (a pitch final scored by the whole panel)."""
    pairs = sorted((j.id, p.id) for p in projects for j in jurors if (j.id, p.id) not in conflicts)
    covered = {p for _j, p in pairs}
    uncovered = {p.id: 1 for p in projects if p.id not in covered}
    loads = defaultdict(int)
    for jid, _pid in pairs:
        loads[jid] += 1
    by_juror = {j.id: j for j in jurors}
    by_project = {p.id: p for p in projects}
    return Assignment(pairs=pairs, reasons={pair: _reasons(by_juror[pair[0]], by_project[pair[1]]) for pair in pairs},
                      loads={j.id: loads.get(j.id, 0) for j in jurors}, uncovered=uncovered,
                      report=[f"project {pid}: every juror has a conflict" for pid in sorted(uncovered)],
                      connected=len(_components(pairs)) <= 1)
