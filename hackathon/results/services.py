"""Results: the final ranking from the judging rounds, awards and the organisers' decisions, and publishing a
frozen snapshot (the public page, the API and every later view read the snapshot, never live numbers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hackathon.accounts.models import User
from hackathon.audit import changed_fields, record_audit
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.judging import services as judging
from hackathon.judging.models import JudgingRound
from hackathon.permissions import can_manage_event
from hackathon.results import ranking
from hackathon.results.models import Award, AwardWinner, ResultSettings
from hackathon.submissions.models import Submission, SubmissionSettings
from hackathon.teams.models import TeamMember
from hackathon.templating import plain_number
from hackathon.webhooks.services import queue_event

AWARD_KINDS = ("place", "track", "special")
MAX_AWARDS = 30


def _require_organiser(actor: User | None, event: Event) -> None:
    if actor is not None and not can_manage_event(actor, event):
        raise NotAllowed()


def settings_of(event: Event) -> ResultSettings:
    settings = db.session.scalar(select(ResultSettings).where(ResultSettings.event_id == event.id))
    if settings is None:
        settings = ResultSettings(event_id=event.id)
        db.session.add(settings)
        db.session.flush()
    return settings


def published(event: Event) -> ResultSettings | None:
    settings = db.session.scalar(select(ResultSettings).where(ResultSettings.event_id == event.id))
    return settings if settings is not None and settings.published_at is not None else None


def final_round(event: Event, settings: ResultSettings) -> JudgingRound | None:
    rounds = judging.rounds_of(event)
    chosen = next((r for r in rounds if r.id == settings.final_round_id), None)
    return chosen or (rounds[-1] if rounds else None)


def weights_of(settings: ResultSettings) -> dict[int, Fraction]:
    return {int(k): Fraction(Decimal(v)) for k, v in (settings.round_weights or {}).items() if Decimal(v) > 0}


# --- the final ranking ---------------------------------------------------------------------------------------


@dataclass
class FinalView:
    final_round: JudgingRound | None
    entries: list[ranking.FinalEntry]
    projects: dict[int, Any]                       # project id -> ProjectName (team, title)
    track_of: dict[int, int | None]
    rounds: list[JudgingRound]                     # the rounds counted, the final one last
    boards: dict[int, judging.RoundBoard]
    warnings: list[str] = field(default_factory=list)
    kendalls_w: float | None = None
    icc: ranking.Icc | None = None


def compute_final(event: Event, settings: ResultSettings) -> FinalView:
    last = final_round(event, settings)
    if last is None:
        return FinalView(None, [], {}, {}, [], {}, [_("There is no judging round yet.")])
    weights = weights_of(settings)
    rounds = [r for r in judging.rounds_of(event) if r.id in weights and r.id != last.id] + [last]
    boards = {r.id: judging.round_board(r) for r in rounds}
    scores = [ranking.RoundScores(r.id, z={p.project_id: p.z for p in boards[r.id].board.projects},
                                  rank={p.project_id: p.rank for p in boards[r.id].board.projects})
              for r in rounds]
    entries = ranking.final_ranking(scores, weights or None)
    warnings = []
    for r in rounds:
        board = boards[r.id]
        if board.short:
            warnings.append(ngettext("%(round)s: %(n)d project has fewer sheets than planned.",
                                     "%(round)s: %(n)d projects have fewer sheets than planned.", len(board.short),
                                     round=judging.round_name(r, str(get_locale())), n=len(board.short)))
        unscored = [pid for pid in board.projects if pid not in board.sheet_counts]
        if unscored:
            warnings.append(ngettext("%(round)s: %(n)d project has no submitted sheet and is not ranked.",
                                     "%(round)s: %(n)d projects have no submitted sheet and are not ranked.",
                                     len(unscored), round=judging.round_name(r, str(get_locale())), n=len(unscored)))
    track_of = dict(db.session.execute(select(Submission.id, Submission.track_id).where(
        Submission.id.in_([e.project_id for e in entries]))).all()) if entries else {}
    final_totals = boards[last.id].board.totals
    w, _block = ranking.kendalls_w(final_totals)
    return FinalView(last, entries, boards[last.id].projects, track_of, rounds, boards, warnings,
                     kendalls_w=w, icc=ranking.icc_two_way(final_totals))


def save_settings(actor: User, event: Event, *, final_round_id: int | None, weights: dict[int, str],
                  show_full_ranking: bool, show_rank_in_feedback: bool, show_juror_names: bool) -> ResultSettings:
    _require_organiser(actor, event)
    settings = settings_of(event)
    round_ids = {r.id for r in judging.rounds_of(event)}
    if final_round_id is not None and final_round_id not in round_ids:
        raise DomainError(_("Choose a round of this event."))
    clean: dict[str, str] = {}
    for round_id, text in weights.items():
        if round_id not in round_ids:
            raise DomainError(_("Choose a round of this event."))
        try:
            value = Decimal(str(text).replace(",", ".")) if str(text).strip() else Decimal(0)
        except InvalidOperation:
            raise DomainError(_("Enter a weight of 0 or more for each round, like 0.3.")) from None
        if not value.is_finite() or value < 0 or value > 1000:
            raise DomainError(_("Enter a weight of 0 or more for each round, like 0.3."))
        if value > 0:
            clean[str(round_id)] = plain_number(value)  # as written: 20, not normalize()'s 2E+1
    if clean and final_round_id is not None and str(final_round_id) not in clean:
        raise DomainError(_("Give the final round a weight too, or leave every weight empty to rank by the "
                            "final round alone."))
    # Every field the form sets is audited when it changes (who sees juror names and ranks too).
    values = {"final_round_id": final_round_id, "round_weights": clean, "show_full_ranking": show_full_ranking,
              "show_rank_in_feedback": show_rank_in_feedback, "show_juror_names": show_juror_names}
    before, after = changed_fields(settings, values)
    for key, value in values.items():
        setattr(settings, key, value)
    if after:  # as the other settings forms: a save that changes nothing writes no entry
        record_audit(actor=actor, action="results.settings_saved", event_id=event.id, target=settings,
                     before=before, after=after)
    db.session.commit()
    return settings


# --- awards ------------------------------------------------------------------------------------------------------


def awards_of(event: Event) -> list[Award]:
    return list(db.session.scalars(
        select(Award).where(Award.event_id == event.id).order_by(Award.position, Award.id)
        .options(selectinload(Award.winners).selectinload(AwardWinner.submission).selectinload(Submission.team),
                 selectinload(Award.track))))


def save_award(actor: User, event: Event, *, kind: str, place: int | None, track_id: int | None,
               name: dict[str, str], prize_text: dict[str, str]) -> Award:
    _require_organiser(actor, event)
    if kind not in AWARD_KINDS:
        raise DomainError(_("Choose one of the options given."))
    if not any(v.strip() for v in name.values()):
        raise DomainError(_("Give the award a name."))
    existing = awards_of(event)
    if len(existing) >= MAX_AWARDS:
        raise DomainError(ngettext("An event has at most %(max)d award.", "An event has at most %(max)d awards.",
                                   MAX_AWARDS, max=MAX_AWARDS))
    if kind == "place":
        if not place or place < 1 or place > 100:
            raise DomainError(_("A place award needs its place: 1 for the first, 2 for the second…"))
        if any(a.kind == "place" and a.place == place for a in existing):
            raise DomainError(_("There is already an award for place %(place)d.", place=place))
        track_id = None
    elif kind == "track":
        if track_id is None or track_id not in {t.id for t in event.tracks}:
            raise DomainError(_("Choose a track of this event."))
        place = None
    else:
        place, track_id = None, None
    award = Award(event_id=event.id, position=len(existing), kind=kind, place=place, track_id=track_id,
                  name={k: v.strip() for k, v in name.items() if v.strip()},
                  prize_text={k: v.strip() for k, v in prize_text.items() if v.strip()})
    db.session.add(award)
    db.session.flush()
    record_audit(actor=actor, action="results.award_created", event_id=event.id, target=award,
                 after={"kind": kind, "place": place, "track_id": track_id, "name": award.name})
    db.session.commit()
    return award


def delete_award(actor: User, event: Event, award_id: int) -> None:
    _require_organiser(actor, event)
    award = db.session.scalar(select(Award).where(Award.id == award_id, Award.event_id == event.id))
    if award is None:
        raise NotFound()
    record_audit(actor=actor, action="results.award_deleted", event_id=event.id, target=award,
                 before={"kind": award.kind, "name": award.name})
    db.session.delete(award)
    db.session.commit()


def proposals_for(view: FinalView, awards: list[Award]) -> dict[int, ranking.AwardProposal]:
    plain = [ranking.Award(a.id, a.kind, a.place, a.track_id) for a in awards]
    return {p.award_id: p for p in ranking.propose_winners(view.entries, plain, view.track_of)}


def decide_award(actor: User, event: Event, award_id: int, submission_ids: list[int], reason: str,
                 view: FinalView | None = None) -> Award:
    """Record the winners of an award. Confirming a clear proposal needs no reason; choosing within a tie,
    overriding the proposal or sharing the award needs one (kept with the decision). Special awards are the
    organisers' choice among the ranked projects."""
    _require_organiser(actor, event)
    award = db.session.scalar(select(Award).where(Award.id == award_id, Award.event_id == event.id))
    if award is None:
        raise NotFound()
    view = view or compute_final(event, settings_of(event))
    ranked = {e.project_id for e in view.entries}
    chosen = list(dict.fromkeys(submission_ids))
    if not chosen or any(pid not in ranked for pid in chosen):
        raise DomainError(_("Choose projects of the final ranking."))
    proposal = proposals_for(view, [award])[award.id]
    clear = award.kind != "special" and proposal.project_id is not None and not proposal.tied_with \
        and chosen == [proposal.project_id]
    if award.kind != "special" and not clear and not reason.strip():
        raise DomainError(_("Say why: the proposal is tied or differs from your choice, and the reason is kept "
                            "with the results."))
    origin = "proposed" if clear else ("chosen" if award.kind == "special" or (
        proposal.project_id is not None and set(chosen) <= {proposal.project_id, *proposal.tied_with})
        else "override")
    before = [w.submission_id for w in award.winners]
    award.winners.clear()
    db.session.flush()
    for pid in chosen:
        award.winners.append(AwardWinner(submission_id=pid, origin=origin, reason=reason.strip()[:500],
                                         decided_by_id=actor.id if actor else None))
    record_audit(actor=actor, action="results.award_decided", event_id=event.id, target=award,
                 before={"winners": before}, after={"winners": chosen, "origin": origin},
                 reason=reason.strip()[:500] or None)
    db.session.commit()
    return award


# --- publishing --------------------------------------------------------------------------------------------------


def readiness(event: Event, view: FinalView, awards: list[Award], now: datetime) -> list[str]:
    """What an organiser must confirm before publishing at `now`, each named: an event that has not reached
    judging, rounds still open (or with no closing time), counted rounds nobody has judged, missing sheets,
    awards without a decision."""
    from hackathon.events.phases import Phase
    from hackathon.templating import PHASE_LABELS, local_datetime

    problems = []
    phase = event.phase(now)
    if phase in (Phase.upcoming, Phase.applications, Phase.review, Phase.hacking):
        problems.append(_("The event is still in the phase “%(phase)s”: judging has not even begun.",
                          phase=PHASE_LABELS[phase]))
    locale = str(get_locale())
    counted = {r.id for r in view.rounds}
    for judging_round in judging.rounds_of(event):
        name = judging.round_name(judging_round, locale)
        if judging_round.id in counted and not view.boards[judging_round.id].board.sheets:
            problems.append(_("%(round)s: no sheet is submitted, so this round is not judged.", round=name))
        elif judging_round.closes_at is None:
            problems.append(_("%(round)s has no closing time: jurors can still change their sheets.",
                              round=name))
        elif now < judging_round.closes_at:
            problems.append(_("%(round)s is open until %(when)s: jurors can still change their sheets.",
                              round=name, when=local_datetime(judging_round.closes_at, event.timezone, "short")))
    problems += view.warnings
    undecided = [a for a in awards if not a.winners]
    if undecided:
        problems.append(ngettext("%(n)d award has no winner yet and will not be shown.",
                                  "%(n)d awards have no winner yet and will not be shown.", len(undecided),
                                  n=len(undecided)))
    if not view.entries:
        problems.append(_("Nothing is ranked yet."))
    return problems


def build_snapshot(event: Event, settings: ResultSettings, view: FinalView, awards: list[Award],
                   now: datetime) -> dict[str, Any]:
    names = view.projects

    def project(pid: int) -> dict[str, Any]:
        name = names.get(pid)
        return {"project_id": pid, "team_id": name.team_id if name else None,
                "team": name.team.name if name else "", "title": name.title if name else ""}

    return {
        "version": settings.snapshot_version + 1,
        "published_at": now.isoformat(),
        "final_round_id": view.final_round.id if view.final_round else None,
        "method": "combined" if weights_of(settings) else "final_round",
        "weights": dict(settings.round_weights or {}),
        "rounds": [{"id": r.id, "name": dict(r.name or {}), "method": r.method.value,
                    "sheets": view.boards[r.id].board.sheets, "projects": len(view.boards[r.id].board.projects)}
                   for r in view.rounds],
        "reliability": {"kendalls_w": view.kendalls_w,
                        "icc_single": view.icc.single if view.icc else None,
                        "icc_average": view.icc.average if view.icc else None},
        "ranking": [{**project(e.project_id), "rank": e.rank, "tied": e.tied, "score": round(e.score, 6),
                     "parts": {str(k): round(v, 6) for k, v in e.parts.items()}} for e in view.entries],
        "awards": [{"id": a.id, "kind": a.kind, "place": a.place, "track_id": a.track_id, "name": dict(a.name),
                    "prize_text": dict(a.prize_text or {}),
                    "winners": [{**project(w.submission_id), "origin": w.origin, "reason": w.reason}
                                for w in a.winners]}
                   for a in awards if a.winners],
        "feedback": _feedback(event, view),
        "show_full_ranking": settings.show_full_ranking,
        "show_rank_in_feedback": settings.show_rank_in_feedback,
        "show_juror_names": settings.show_juror_names,
    }


def _feedback(event: Event, view: FinalView) -> dict[str, Any]:
    """Per project, for every round it was judged in: its rank there, each criterion's mean over the submitted
    sheets, and each juror's comment to the team (never the private notes). Juror names are kept for the
    organisers' choice to show them; the feedback pages decide."""
    from hackathon.judging.models import ScoreSheet, SheetStatus

    feedback: dict[str, Any] = {}
    for judging_round in judging.rounds_of(event):
        board = view.boards.get(judging_round.id) or judging.round_board(judging_round)
        rank = {p.project_id: p.rank for p in board.board.projects}
        comments: dict[int, list[dict[str, str]]] = {}
        for submission_id, juror_name, comment in db.session.execute(
                select(ScoreSheet.submission_id, User.name, ScoreSheet.comment_to_team)
                .join(User, User.id == ScoreSheet.juror_id)
                .where(ScoreSheet.round_id == judging_round.id, ScoreSheet.status == SheetStatus.submitted)
                .order_by(ScoreSheet.submitted_at, ScoreSheet.id)):
            if (comment or "").strip():
                comments.setdefault(submission_id, []).append({"juror": juror_name, "text": comment.strip()})
        for result in board.board.projects:
            pid = result.project_id
            feedback.setdefault(str(pid), {"rounds": []})["rounds"].append({
                "round_id": judging_round.id, "name": dict(judging_round.name or {}), "rank": rank[pid],
                "projects": len(board.board.projects), "sheets": result.sheets,
                "criteria": [{"name": dict(c.name or {}), "lo": c.scale_min, "hi": c.scale_max,
                              "mean": round(board.criterion_mean(pid, index) or 0.0, 2)}
                             for index, c in enumerate(board.criteria)],
                "comments": comments.get(pid, [])})
    return feedback


def team_feedback(event: Event, snapshot: dict[str, Any], team_id: int) -> dict[str, Any] | None:
    """What a team reads after the results: its project, rounds, final rank (if shown) and awards."""
    from sqlalchemy.orm import joinedload

    submission = db.session.scalar(select(Submission).where(Submission.event_id == event.id,
                                                            Submission.team_id == team_id)
                                   .options(joinedload(Submission.team)))
    project_id = submission.id if submission is not None else None
    if project_id is None or str(project_id) not in snapshot.get("feedback", {}):
        return None
    entry = next((e for e in snapshot.get("ranking", []) if e["project_id"] == project_id), None)
    names = snapshot.get("show_juror_names", False)
    rounds = [{**r, "comments": [{"juror": c["juror"] if names else None, "text": c["text"]} for c in r["comments"]],
               "rank": r["rank"] if snapshot.get("show_rank_in_feedback") else None}
              for r in snapshot["feedback"][str(project_id)]["rounds"]]
    return {"project_id": project_id, "team": submission.team.name, "title": submission.title, "rounds": rounds,
            "final_rank": entry["rank"] if entry and snapshot.get("show_rank_in_feedback") else None,
            "finalists": len(snapshot.get("ranking", [])),
            "awards": [a for a in snapshot.get("awards", []) if any(w["project_id"] == project_id
                                                                     for w in a["winners"])]}


@dataclass
class PublishReport:
    scheduled_for: datetime | None = None
    mails: int = 0
    version: int = 0


def publish(actor: User | None, event: Event, now: datetime, *, at: datetime | None = None,
            confirm_problems: bool = False) -> PublishReport:
    """Publish now, or schedule for `at` (then `flask results publish-due` publishes it). Problems (see
    `readiness`, judged at the moment of publication) must be confirmed, and the audit entry keeps them. The
    first publication mails every participant, mentor and juror in their language and opens the gallery."""
    _require_organiser(actor, event)
    settings = settings_of(event)
    if settings.published_at is not None:
        raise Conflict(_("The results are published already. Unpublish them first (with a reason)."))
    awards = awards_of(event)
    view = compute_final(event, settings)
    problems = readiness(event, view, awards, at if at is not None and at > now else now)
    if not view.entries:
        raise DomainError(_("Nothing can be published: %(problems)s", problems=" ".join(problems)))
    if problems and not confirm_problems:
        raise DomainError(_("Confirm that you publish despite: %(problems)s", problems=" ".join(problems)))
    if at is not None and at > now:
        settings.publish_at = at
        record_audit(actor=actor, action="results.scheduled", event_id=event.id, target=settings,
                     after={"publish_at": at.isoformat()})
        db.session.commit()
        return PublishReport(scheduled_for=at)
    snapshot = build_snapshot(event, settings, view, awards, now)
    settings.snapshot, settings.snapshot_version = snapshot, snapshot["version"]
    settings.published_at, settings.publish_at = now, None
    gallery = db.session.scalar(select(SubmissionSettings).where(SubmissionSettings.event_id == event.id))
    if gallery is not None and gallery.gallery_opened_at is None:
        gallery.gallery_opened_at = now
    mails = _announce(event) if snapshot["version"] == 1 else 0
    record_audit(actor=actor, action="results.published", event_id=event.id, target=settings,
                 after={"version": snapshot["version"], "method": snapshot["method"], "weights": snapshot["weights"],
                        "winners": {a["id"]: [w["project_id"] for w in a["winners"]] for a in snapshot["awards"]},
                        "confirmed_problems": problems})
    queue_event(event, "results.published", {"version": snapshot["version"]})
    db.session.commit()
    return PublishReport(mails=mails, version=snapshot["version"])


def _announce(event: Event) -> int:
    from flask import url_for

    from hackathon.mail import queue_mail

    people = {u.id: u for u in db.session.scalars(
        select(User).join(TeamMember, TeamMember.user_id == User.id).where(TeamMember.event_id == event.id))}
    people.update({u.id: u for u in db.session.scalars(
        select(User).join(EventRole, EventRole.user_id == User.id).where(
            EventRole.event_id == event.id, EventRole.role.in_([Role.mentor, Role.juror])))})
    link = url_for("results.public", slug=event.slug, _external=True)
    for person in sorted(people.values(), key=lambda u: u.id):
        queue_mail(person.email, "results_published", locale=person.locale, event_id=event.id, event=event,
                   person=person, link=link)
    return len(people)


def unpublish(actor: User, event: Event, reason: str) -> None:
    _require_organiser(actor, event)
    if not reason.strip():
        raise DomainError(_("Give a reason: it is kept in the audit log."))
    settings = settings_of(event)
    if settings.published_at is None and settings.publish_at is None:
        raise Conflict(_("The results are not published."))
    record_audit(actor=actor, action="results.unpublished", event_id=event.id, target=settings,
                 before={"version": settings.snapshot_version, "published_at": settings.published_at,
                         "publish_at": settings.publish_at}, reason=reason.strip()[:500])
    settings.published_at, settings.publish_at = None, None
    db.session.commit()


def publish_due(now: datetime) -> list[str]:
    """Publish every event whose scheduled time has come (run from cron). Returns the events' slugs."""
    done = []
    for settings in db.session.scalars(select(ResultSettings).where(ResultSettings.publish_at.is_not(None),
                                                                   ResultSettings.publish_at <= now,
                                                                   ResultSettings.published_at.is_(None))).all():
        event = db.session.get(Event, settings.event_id)
        settings.publish_at = None
        publish(None, event, now, confirm_problems=True)  # problems were confirmed when it was scheduled
        done.append(event.slug)
    return done


# --- certificates ------------------------------------------------------------------------------------------------


REVOKED = "revoked"  # the kind of a certificate whose holder no longer qualifies (its code says so when checked)
WITHDRAWN = "withdrawn"  # its holder erased their account (privacy.services): kept so the code still answers


@dataclass
class CertificateReport:
    issued: int = 0     # new certificates, and revoked ones given back
    updated: int = 0    # kind, awards, team or project changed
    revoked: int = 0


def certificate_holders(event: Event) -> list[tuple[int, int, str, int, str]]:
    """Who took part, and so gets a certificate: every member of a team whose application is confirmed (accepted,
    and the team confirmed it takes part) and whose project is submitted. Rows (user id, team id, team name,
    project id, project title), by user id."""
    from hackathon.applications.models import Application, ApplicationStatus
    from hackathon.submissions.models import SubmissionStatus
    from hackathon.teams.models import Team

    return [tuple(row) for row in db.session.execute(
        select(TeamMember.user_id, Team.id, Team.name, Submission.id, Submission.title)
        .join(Team, Team.id == TeamMember.team_id)
        .join(Application, Application.team_id == Team.id)
        .join(Submission, Submission.team_id == Team.id)
        .where(TeamMember.event_id == event.id, Application.status == ApplicationStatus.confirmed,
               Submission.event_id == event.id, Submission.status == SubmissionStatus.submitted)
        .order_by(TeamMember.user_id))]


def issue_certificates(event: Event, now: datetime, actor: User | None = None) -> CertificateReport:
    """Bring the event's certificates in line with the published results. Each holder (`certificate_holders`)
    gets one of: winner (the project won an award; every award is listed), finalist (the project is in the
    final ranking), participation. Idempotent: a re-run keeps each person's one certificate and its code and
    updates the kind, awards, team and project; a certificate whose holder no longer qualifies is revoked (its
    verification page says so; the PDF is gone) and comes back, same code, if they qualify again."""
    import secrets

    from hackathon.results.models import Certificate

    _require_organiser(actor, event)
    settings = published(event)
    if settings is None:
        raise DomainError(_("Publish the results first: certificates follow them."))
    snapshot = settings.snapshot
    finalists = {e["project_id"] for e in snapshot.get("ranking", [])}
    won: dict[int, list[dict[str, str]]] = {}
    for award in snapshot.get("awards", []):
        for winner in award["winners"]:
            won.setdefault(winner["project_id"], []).append(award["name"])
    existing = {c.user_id: c for c in db.session.scalars(select(Certificate).where(Certificate.event_id == event.id))}
    report = CertificateReport()
    holders = set()
    for user_id, _team_id, team_name, project_id, title in certificate_holders(event):
        holders.add(user_id)
        kind = "winner" if project_id in won else ("finalist" if project_id in finalists else "participation")
        values = {"kind": kind, "awards": won.get(project_id, []), "team_name": team_name[:120],
                  "project_title": (title or "")[:200]}
        certificate = existing.get(user_id)
        if certificate is not None and certificate.kind == WITHDRAWN:
            continue  # the holder erased their account: it stays withdrawn
        if certificate is None:
            db.session.add(Certificate(event_id=event.id, user_id=user_id, code=secrets.token_urlsafe(18)[:24],
                                       issued_at=now, **values))
            report.issued += 1
        elif any(getattr(certificate, k) != v for k, v in values.items()):
            if certificate.kind == REVOKED:
                report.issued += 1
                certificate.issued_at = now
            else:
                report.updated += 1
            for key, value in values.items():
                setattr(certificate, key, value)
    revoked = [c for user_id, c in sorted(existing.items())
               if user_id not in holders and c.kind not in (REVOKED, WITHDRAWN)]
    for certificate in revoked:
        certificate.kind = REVOKED
    report.revoked = len(revoked)
    record_audit(actor=actor, action="results.certificates_issued", event_id=event.id,
                 after={"issued": report.issued, "updated": report.updated, "revoked": report.revoked,
                        "revoked_user_ids": [c.user_id for c in revoked]})
    db.session.commit()
    return report


def certificate_of(event: Event, user: User):
    """The user's valid certificate of the event (None when there is none or it is revoked)."""
    from hackathon.results.models import Certificate

    return db.session.scalar(select(Certificate).where(Certificate.event_id == event.id,
                                                       Certificate.user_id == user.id,
                                                       Certificate.kind.not_in((REVOKED, WITHDRAWN))))


def certificate_by_code(code: str):
    """The certificate with this code, revoked ones included (their page says so)."""
    from hackathon.results.models import Certificate

    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def awards_won(event: Event, project_id: int, locale: str) -> list[str]:
    """The names (in `locale`) of the awards a project won in the published results; none before."""
    settings = published(event)
    if settings is None:
        return []
    return [judging.localised(award["name"], locale) or "" for award in settings.snapshot.get("awards", [])
            if any(w["project_id"] == project_id for w in award["winners"])]
