"""Judging pages. Organisers (`can_manage_judging`): rounds, criteria, the assignment, the leaderboard. Jurors
(`can_judge`): their queue and their own sheets only — a project not assigned to them, or another round's or
event's id, is a 404 even with a crafted POST. Everyone else: 403 (sign-in page for the anonymous)."""
from __future__ import annotations


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from hackathon.i18n import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.forms import to_local, to_utc
from hackathon.events.models import Event
from hackathon.extensions import csrf, db
from hackathon.forms import EmptyForm, posted_int
from hackathon.judging import bp
from hackathon.judging import scoring, services
from hackathon.judging.forms import (ConflictForm, ImportForm, ScheduleForm, StandingConflictForm, UnlockForm, criterion_form, round_form, sheet_form,
                                     sorted_levels)
from hackathon.judging.models import JudgingRound, JurorAssignment, SheetStatus
from hackathon.permissions import can_judge, can_manage_judging, event_route
from hackathon.submissions.core import judged_version
from hackathon.submissions.presenters import project_view
from hackathon.templating import register_nav


@register_nav
def judging_links(user, event: Event, roles) -> list[tuple[str, str]]:
    links = []
    if can_manage_judging(user, event):
        links.append((_("Judging"), "judging.rounds"))
    if can_judge(user, event):
        links.append((_("Jury"), "judging.jury"))
    return links


def _locale() -> str:
    return str(get_locale())


def _round(event: Event, round_id: int) -> JudgingRound:
    try:
        return services.load_round(event, round_id)
    except NotFound:
        abort(404)


def _flash_error(error: DomainError) -> None:
    db.session.rollback()
    flash(error.message, "error")


# --- organisers ----------------------------------------------------------------------------------------------


def _round_form(event: Event, exclude: JudgingRound | None = None, **kwargs):
    sources = [(r.id, services.round_name(r, _locale())) for r in services.rounds_of(event) if r is not exclude]
    return round_form(event.languages, sources, **kwargs)


def _save_round(event: Event, judging_round: JudgingRound | None, form) -> JudgingRound:
    project_source, source_round_id = form.source()
    return services.save_round(
        current_user, event, judging_round, name=form.names(),
        opens_at=to_utc(form.opens_at.data, event.timezone), closes_at=to_utc(form.closes_at.data, event.timezone),
        jurors_per_project=form.jurors_per_project.data, assign_all=form.assign_all.data, method=form.method.data,
        jurors_see_other_scores=form.jurors_see_other_scores.data,
        jurors_see_leaderboard=form.jurors_see_leaderboard.data, project_source=project_source,
        source_round_id=source_round_id)


@bp.route("/events/<slug>/judging", methods=["GET", "POST"], endpoint="rounds")
@event_route(can_manage_judging)
def rounds(event: Event):
    form = _round_form(event)
    if form.validate_on_submit():
        try:
            created = _save_round(event, None, form)
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("The round is created. Add its criteria."), "success")
            return redirect(url_for("judging.round", slug=event.slug, round_id=created.id))
    return render_template("judging/rounds.html", event=event, rounds=services.rounds_of(event), form=form,
                           name=lambda r: services.round_name(r, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/settings", methods=["GET", "POST"], endpoint="round_settings")
@event_route(can_manage_judging)
def round_settings(event: Event, round_id: int):
    judging_round = _round(event, round_id)
    form = _round_form(event, exclude=judging_round)
    if request.method == "GET":
        form.fill_from(judging_round, lambda value: to_local(value, event.timezone))
    elif form.validate_on_submit():
        try:
            _save_round(event, judging_round, form)
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("The round is saved."), "success")
            return redirect(url_for("judging.round", slug=event.slug, round_id=round_id))
    return render_template("judging/round_settings.html", event=event, round=judging_round, form=form,
                           name=services.round_name(judging_round, _locale()))


def _save_criterion(event: Event, judging_round: JudgingRound, criterion, form) -> bool:
    try:
        services.save_criterion(current_user, event, judging_round, criterion, name=form.names(),
                                rubric=form.rubrics(), weight=form.weight_value(), scale_min=form.scale_min.data,
                                scale_max=form.scale_max.data)
    except DomainError as error:
        _flash_error(error)
        return False
    return True


@bp.route("/events/<slug>/judging/<id:round_id>", methods=["GET", "POST"], endpoint="round")
@event_route(can_manage_judging)
def round_page(event: Event, round_id: int):
    judging_round = _round(event, round_id)
    form = criterion_form(event.languages)
    if form.validate_on_submit() and _save_criterion(event, judging_round, None, form):
        flash(_("The criterion is added."), "success")
        return redirect(url_for("judging.round", slug=event.slug, round_id=round_id))
    total = sum(c.weight for c in judging_round.criteria) or 1
    return render_template("judging/round.html", event=event, round=judging_round, form=form,
                           unlock_form=UnlockForm(formdata=None), button_form=EmptyForm(formdata=None),
                           name=services.round_name(judging_round, _locale()),
                           criterion_name=lambda c: services.criterion_name(c, _locale()),
                           source_name=_source_name(judging_round),
                           share=lambda c: float(c.weight / total) * 100)


def _source_name(judging_round: JudgingRound) -> str | None:
    if judging_round.project_source.value != "shortlist" or judging_round.source_round_id is None:
        return None
    source = db.session.get(JudgingRound, judging_round.source_round_id)
    return services.round_name(source, _locale()) if source else None


@bp.route("/events/<slug>/judging/<id:round_id>/criteria/<id:criterion_id>", methods=["GET", "POST"],
          endpoint="edit_criterion")
@event_route(can_manage_judging)
def edit_criterion(event: Event, round_id: int, criterion_id: int):
    judging_round = _round(event, round_id)
    criterion = next((c for c in judging_round.criteria if c.id == criterion_id), None)
    if criterion is None:
        abort(404)
    form = criterion_form(event.languages)
    if request.method == "GET":
        form.fill_from(criterion)
    elif form.validate_on_submit() and _save_criterion(event, judging_round, criterion, form):
        flash(_("The criterion is saved."), "success")
        return redirect(url_for("judging.round", slug=event.slug, round_id=round_id))
    return render_template("judging/criterion.html", event=event, round=judging_round, form=form,
                           criterion=criterion, name=services.round_name(judging_round, _locale()),
                           criterion_name=services.criterion_name(criterion, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/criteria/<id:criterion_id>/delete", methods=["POST"],
          endpoint="delete_criterion")
@event_route(can_manage_judging)
def delete_criterion(event: Event, round_id: int, criterion_id: int):
    judging_round = _round(event, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.delete_criterion(current_user, event, judging_round, criterion_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        _flash_error(error)
    else:
        flash(_("The criterion is deleted."), "success")
    return redirect(url_for("judging.round", slug=event.slug, round_id=round_id))


@bp.route("/events/<slug>/judging/<id:round_id>/unlock", methods=["POST"], endpoint="unlock")
@event_route(can_manage_judging)
def unlock(event: Event, round_id: int):
    judging_round = _round(event, round_id)
    form = UnlockForm()
    if form.validate_on_submit():
        services.unlock_criteria(current_user, event, judging_round, form.reason.data)
        flash(_("The criteria are unlocked."), "success")
    else:
        flash(_("Give a reason: it is kept in the audit log."), "error")
    return redirect(url_for("judging.round", slug=event.slug, round_id=round_id))


@bp.route("/events/<slug>/judging/<id:round_id>/assignment", methods=["GET", "POST"], endpoint="assignment")
@event_route(can_manage_judging)
def assignment(event: Event, round_id: int):
    judging_round = _round(event, round_id)
    proposal = services.propose_assignment(current_user, event, judging_round,
                                           keep_existing=request.values.get("keep", "y") == "y")
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        pairs = set(proposal.result.pairs)
        reasons = dict(proposal.result.reasons)
        if request.form.get("edited"):  # the organiser's edited table: the ticked pairs, plus one added pair
            pairs = set()
            added = f"{request.form.get('add_juror', '')}:{request.form.get('add_project', '')}"
            for value in request.form.getlist("pair") + [added]:
                pair = tuple(posted_int(part) for part in value.split(":"))
                if len(pair) == 2 and None not in pair:
                    pairs.add(pair)
                    if value == added:
                        reasons[pair] = [("organiser",)]
        try:
            count = services.apply_assignment(current_user, event, judging_round, pairs, reasons)
        except DomainError as error:
            _flash_error(error)
        else:
            flash(ngettext("The assignment is applied: %(n)d juror–project pair.",
                           "The assignment is applied: %(n)d juror–project pairs.", count, n=count), "success")
            return redirect(url_for("judging.assignment", slug=event.slug, round_id=round_id))
    by_project: dict[int, list[int]] = {}
    for juror_id, submission_id in proposal.result.pairs:
        by_project.setdefault(submission_id, []).append(juror_id)
    current = [tuple(row) for row in db.session.execute(
        select(JurorAssignment.juror_id, JurorAssignment.submission_id)
        .where(JurorAssignment.round_id == judging_round.id)
        .order_by(JurorAssignment.juror_id, JurorAssignment.submission_id))]
    return render_template("judging/assignment.html", event=event, round=judging_round, proposal=proposal,
                           by_project=by_project, form=form, current=current,
                           name=services.round_name(judging_round, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/recuse", methods=["POST"], endpoint="recuse")
@event_route(can_manage_judging)
def recuse(event: Event, round_id: int):
    judging_round = _round(event, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    pair = [posted_int(part) for part in (request.form.get("pair") or "").split(":")]
    if len(pair) != 2 or None in pair:
        abort(404)
    try:
        services.recuse_juror(current_user, event, judging_round, pair[0], pair[1],
                              request.form.get("reason") or "", utcnow())
    except NotFound:
        abort(404)
    except DomainError as error:
        _flash_error(error)
    else:
        flash(_("The juror is recused from that project. Apply a new assignment to replace them."), "success")
    return redirect(url_for("judging.assignment", slug=event.slug, round_id=round_id))


def _judging_or_jury(user, event: Event) -> bool:
    return can_manage_judging(user, event) or can_judge(user, event)


# What the leaderboard's juror flags (scoring.py) mean, for people; the CSV and the API keep the codes.
FLAG_LABELS = {
    "single_sheet": _l("Single sheet"),
    "zero_variance": _l("Zero variance"),
    "one_end_of_scale": _l("All at one end of the scale"),
}


@bp.route("/events/<slug>/judging/<id:round_id>/leaderboard", endpoint="leaderboard")
@event_route(_judging_or_jury)
def leaderboard(event: Event, round_id: int):
    """Organisers; jurors only where the organiser lets them see the leaderboard of this round."""
    judging_round = _round(event, round_id)
    if not services.can_read_leaderboard(current_user, event, judging_round):
        abort(403)
    try:
        board = services.round_board(judging_round)
    except DomainError as error:
        if request.args.get("format") == "csv":
            raise
        return render_template("judging/leaderboard.html", event=event, round=judging_round, board=None,
                               problem=error.message, organiser=can_manage_judging(current_user, event),
                               name=services.round_name(judging_round, _locale()))
    if request.args.get("format") == "csv":
        from hackathon.applications.export import csv_document

        header = ["rank", "tie", "team", "project", "raw", "calibrated_z", "display", "standard_error", "sheets",
                  "flags"]
        rows = [[p.rank, "yes" if p.tied else "", board.projects[p.project_id].team.name if p.project_id in
                 board.projects else "", board.projects[p.project_id].title if p.project_id in board.projects else "",
                 f"{float(p.raw):.4f}", f"{p.z:.6f}", f"{p.display:.2f}",
                 f"{p.se:.4f}" if p.se is not None else "", p.sheets, " ".join(p.flags)] for p in board.board.projects]
        return Response(csv_document(header, rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{event.slug}-leaderboard.csv"'})
    cut = judging_round.shortlist_size or 16
    return render_template("judging/leaderboard.html", event=event, round=judging_round, board=board, cut=cut,
                           too_close=scoring.too_close_to_call(board.board, cut),
                           organiser=can_manage_judging(current_user, event), FLAG_LABELS=FLAG_LABELS,
                           name=services.round_name(judging_round, _locale()),
                           criterion_name=lambda c: services.criterion_name(c, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/import", methods=["GET", "POST"], endpoint="import_sheets")
@event_route(can_manage_judging)
def import_sheets(event: Event, round_id: int):
    """Paper sheets from a live session: everything is checked before anything is written."""
    judging_round = _round(event, round_id)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read(2 * 1024 * 1024 + 1) if upload else b""
        if not raw:
            flash(_("Choose a CSV file."), "error")
        elif len(raw) > 2 * 1024 * 1024:
            flash(_("The file is too large: at most 2 MB."), "error")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                flash(_("The file must be UTF-8 text (save it as “CSV UTF-8”)."), "error")
            else:
                report = services.import_sheets(current_user, event, judging_round, text, now=utcnow())
                if not report.errors:
                    flash(_("Sheets created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d.",
                            created=report.created, updated=report.updated, unchanged=report.unchanged), "success")
                    return redirect(url_for("judging.import_sheets", slug=event.slug, round_id=round_id))
    return render_template("judging/import.html", event=event, round=judging_round, form=form, report=report,
                           name=services.round_name(judging_round, _locale()),
                           criterion_name=lambda c: services.criterion_name(c, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/shortlist", methods=["GET", "POST"], endpoint="shortlist")
@event_route(can_manage_judging)
def shortlist(event: Event, round_id: int):
    """The proposed top N with ties and close calls at the cut; the organiser confirms or changes it."""
    judging_round = _round(event, round_id)
    size_text = request.values.get("size") or str(judging_round.shortlist_size or 16)
    size = posted_int(size_text, max=1000) or 16
    quotas = _quotas(event, judging_round)
    board = services.round_board(judging_round)
    proposal = services.propose_shortlist(judging_round, size, quotas, board=board)
    saved = services.shortlist_of(judging_round)
    form = EmptyForm()
    if request.method == "POST" and request.form.get("action") == "save":
        if not form.validate_on_submit():
            abort(400)
        chosen = [i for i in map(posted_int, request.form.getlist("project")) if i is not None]
        try:
            services.save_shortlist(current_user, event, judging_round, chosen, size=size, quotas=quotas,
                                    reason=(request.form.get("reason") or "")[:500])
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("The shortlist is saved. Publish it to tell the teams."), "success")
            return redirect(url_for("judging.shortlist", slug=event.slug, round_id=round_id, size=size,
                                    **{f"quota_{track_id}": places for track_id, places in quotas.items()}))
    selected = {e.submission_id for e in saved} if saved else set(proposal.proposed)
    return render_template("judging/shortlist.html", event=event, round=judging_round, proposal=proposal,
                           board=board, saved=saved, selected=selected, size=size, form=form, quotas=quotas,
                           name=services.round_name(judging_round, _locale()))


def _quotas(event: Event, judging_round: JudgingRound) -> dict[int, int]:
    """Per-track places from the request (`quota_<track id>`), else the round's saved ones; unknown tracks and
    anything but small whole numbers are ignored."""
    saved = {int(k): v for k, v in (judging_round.shortlist_quotas or {}).items()}
    quotas = {}
    for track in event.tracks:
        value = request.values.get(f"quota_{track.id}")
        if value is None:
            value = str(saved.get(track.id, ""))
        if posted_int(value, max=1000):
            quotas[track.id] = posted_int(value, max=1000)
    return quotas


@bp.route("/events/<slug>/judging/<id:round_id>/shortlist/publish", methods=["POST"], endpoint="publish_shortlist")
@event_route(can_manage_judging)
def publish_shortlist(event: Event, round_id: int):
    judging_round = _round(event, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        mails = services.publish_shortlist(current_user, event, judging_round, utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        flash(ngettext("The shortlist is published; %(n)d person is told by mail.",
                       "The shortlist is published; %(n)d people are told by mail.", mails, n=mails), "success")
    return redirect(url_for("judging.shortlist", slug=event.slug, round_id=round_id))


# --- jurors --------------------------------------------------------------------------------------------------


@bp.route("/events/<slug>/jury", endpoint="jury")
@event_route(can_judge)
def jury(event: Event):
    rounds = services.rounds_of(event)
    queues = [(r, services.juror_queue(current_user, r)) for r in rounds]
    # Where the organiser lets jurors read the leaderboard, the queue is where they find it.
    boards = {r.id for r in rounds if services.can_read_leaderboard(current_user, event, r)}
    return render_template("judging/jury.html", event=event, queues=queues, boards=boards,
                           name=lambda r: services.round_name(r, _locale()), now=utcnow(), is_open=services.is_open,
                           opens_later=services.opens_later, submitted=SheetStatus.submitted)


def _sheet_page(event: Event, judging_round: JudgingRound, submission, form, sheet=None, status: int = 200):
    """The sheet page; `sheet` is the juror's own saved sheet, shown read only while the round is not open."""
    version = judged_version(submission)
    project = project_view(version.snapshot) if version else None
    return render_template("judging/sheet.html", event=event, round=judging_round, submission=submission,
                           project=project, form=form, sheet=sheet, submitted=SheetStatus.submitted,
                           conflict_form=ConflictForm(formdata=None),
                           others=services.other_sheets(current_user, judging_round, submission.id),
                           mentor_summary=services.mentor_summary(event, submission.team_id),
                           name=services.round_name(judging_round, _locale()),
                           criterion_name=lambda c: services.criterion_name(c, _locale()),
                           rubric=lambda c: sorted_levels(services.localised(c.rubric, _locale()) or {}),
                           open=services.is_open(judging_round, utcnow()),
                           opens_message=services.opens_later_message(event, judging_round, utcnow())), status


@bp.route("/events/<slug>/jury/<id:round_id>/<id:submission_id>", methods=["GET", "POST"], endpoint="sheet")
@event_route(can_judge)
def sheet(event: Event, round_id: int, submission_id: int):
    judging_round = _round(event, round_id)
    try:
        submission = services.assigned_submission(current_user, judging_round, submission_id)
    except NotFound:
        abort(404)
    existing = next((s for a, s in services.juror_queue(current_user, judging_round)
                     if a.submission_id == submission_id), None)
    if request.method == "GET":
        return _sheet_page(event, judging_round, submission,
                           sheet_form(judging_round, lambda c: services.criterion_name(c, _locale()), sheet=existing),
                           sheet=existing)
    form = sheet_form(judging_round, lambda c: services.criterion_name(c, _locale()), formdata=request.form)
    autosave = request.headers.get("X-Autosave") == "1"
    if not form.validate():
        if autosave:  # the page keeps what was typed; the juror sees the problem when saving by hand
            return Response(status=422)
        # An expired CSRF token (a sheet open for hours) lands here too: the values are shown again, kept.
        return _sheet_page(event, judging_round, submission, form, sheet=existing)
    submit = bool(form.submit_sheet.data) and not autosave
    scores = {c.id: getattr(form, f"criterion_{c.id}").data for c in judging_round.criteria}
    try:
        services.save_sheet(current_user, event, judging_round, submission_id, scores=scores,
                            comment_to_team=form.comment_to_team.data or "",
                            private_note=form.private_note.data or "", submit=submit, now=utcnow())
    except NotFound:
        abort(404)
    except NotAllowed:
        raise
    except DomainError as error:
        if autosave:
            db.session.rollback()
            return Response(status=409)
        _flash_error(error)
        return _sheet_page(event, judging_round, submission, form, sheet=existing)
    if autosave:
        return Response(status=204)
    flash(_("Your sheet is submitted. You can change it until the round closes.") if submit
          else _("Your draft is saved."), "success")
    if request.form.get("return") == "live":
        return redirect(url_for("judging.live_juror", slug=event.slug, round_id=round_id))
    return redirect(url_for("judging.sheet", slug=event.slug, round_id=round_id, submission_id=submission_id))


# A sheet may stay open for hours: the form checks its own CSRF token, so an expired one re-shows the sheet with
# the typed values and a message instead of the generic error page.
csrf.exempt(sheet)


@bp.route("/events/<slug>/jury/<id:round_id>/<id:submission_id>/conflict", methods=["POST"],
          endpoint="declare_conflict")
@event_route(can_judge)
def declare_conflict(event: Event, round_id: int, submission_id: int):
    judging_round = _round(event, round_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.declare_conflict(current_user, event, judging_round, submission_id, form.reason.data or "",
                                  now=utcnow())
    except NotFound:
        abort(404)
    flash(_("Thank you: the project is removed from your queue and the organisers will reassign it."), "success")
    return redirect(url_for("judging.jury", slug=event.slug))


@bp.route("/events/<slug>/jury/conflicts", methods=["GET", "POST"], endpoint="my_conflicts")
@event_route(can_judge)
def my_conflicts(event: Event):
    """The juror's conflicts of interest: those they declared and those the app knows of."""
    form = StandingConflictForm()
    form.team.choices = [("", _("—"))] + [(str(t.id), t.name) for t in services.event_teams(event)]
    if form.validate_on_submit():
        try:
            services.declare_standing_conflict(current_user, event, team_id=form.team_id(),
                                               person_email=form.person_email.data or "",
                                               organisation=form.organisation.data or "",
                                               reason=form.reason.data or "", now=utcnow())
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("Thank you: the conflict is recorded and the organisers will reassign what it touches."),
                  "success")
            return redirect(url_for("judging.my_conflicts", slug=event.slug))
    return render_template("judging/my_conflicts.html", event=event, form=form, button_form=EmptyForm(formdata=None),
                           view=services.conflicts_of_juror(event, current_user))


@bp.route("/events/<slug>/jury/conflicts/<id:conflict_id>/withdraw", methods=["POST"], endpoint="withdraw_conflict")
@event_route(can_judge)
def withdraw_conflict(event: Event, conflict_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_conflict(current_user, event, conflict_id)
    except NotFound:
        abort(404)
    flash(_("The declaration is withdrawn. Organisers decide whether to assign you again."), "success")
    return redirect(url_for("judging.my_conflicts", slug=event.slug))


# --- pitch day ------------------------------------------------------------------------------------------------


@bp.route("/events/<slug>/judging/<id:round_id>/schedule", methods=["GET", "POST"], endpoint="schedule")
@event_route(can_manage_judging)
def schedule_page(event: Event, round_id: int):
    from hackathon.judging import schedule as pitch_day

    judging_round = _round(event, round_id)
    current, slots = pitch_day.schedule_of(judging_round)
    form = ScheduleForm()
    if request.method == "GET" and current is not None:
        form = ScheduleForm(formdata=None, obj=current)
        form.starts_at.data = to_local(current.starts_at, event.timezone)
    if form.validate_on_submit():
        try:
            pitch_day.save_schedule(
                current_user, event, judging_round, starts_at=to_utc(form.starts_at.data, event.timezone),
                pitch_minutes=form.pitch_minutes.data, qa_minutes=form.qa_minutes.data or 0,
                changeover_minutes=form.changeover_minutes.data or 0, order=form.order.data,
                seed=form.seed.data or 0, break_after=form.break_after.data or 0,
                break_minutes=form.break_minutes.data or 0, call_links=form.call_links.data or "",
                reminder_hours=form.reminder_hours.data)
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("The schedule is planned. Publish it to tell the teams."), "success")
            return redirect(url_for("judging.schedule", slug=event.slug, round_id=round_id))
    # Ids in a subquery: PostgreSQL cannot DISTINCT rows that hold JSON.
    panel = db.session.scalars(select(User).where(User.id.in_(
        select(JurorAssignment.juror_id).where(JurorAssignment.round_id == judging_round.id)))
        .order_by(User.name, User.id)).all()
    return render_template("judging/schedule.html", event=event, round=judging_round, schedule=current,
                           slots=slots, form=form, button_form=EmptyForm(formdata=None), panel=panel,
                           name=services.round_name(judging_round, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/schedule/publish", methods=["POST"],
          endpoint="publish_schedule")
@event_route(can_manage_judging)
def publish_schedule(event: Event, round_id: int):
    from hackathon.judging import schedule as pitch_day

    judging_round = _round(event, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        mails = pitch_day.publish_schedule(current_user, event, judging_round, utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        flash(ngettext("The schedule is published; %(n)d person is told by mail.",
                       "The schedule is published; %(n)d people are told by mail.", mails, n=mails), "success")
    return redirect(url_for("judging.schedule", slug=event.slug, round_id=round_id))


@bp.route("/events/<slug>/judging/<id:round_id>/schedule.ics", endpoint="schedule_ics")
@event_route(can_manage_judging)
def schedule_ics(event: Event, round_id: int):
    from hackathon.judging import schedule as pitch_day

    judging_round = _round(event, round_id)
    current, slots = pitch_day.schedule_of(judging_round)
    if current is None:
        abort(404)
    name = f"{event.title} — {services.round_name(judging_round, _locale())}"
    return _calendar_response(pitch_day.calendar(event, [(judging_round, current, s) for s in slots], name,
                                                 utcnow()), f"{event.slug}-pitch.ics")


def _calendar_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _my_team_id(event: Event) -> int | None:
    from hackathon.teams.models import TeamMember

    return db.session.scalar(select(TeamMember.team_id).where(TeamMember.event_id == event.id,
                                                              TeamMember.user_id == current_user.id))


@bp.route("/events/<slug>/pitch", endpoint="my_pitch")
@event_route(lambda user, event: True)
def my_pitch(event: Event):
    """A team member's pitch slot(s), in the event's time, in UTC and (with JavaScript) in their own time."""
    from hackathon.judging import schedule as pitch_day

    team_id = _my_team_id(event)
    entries = pitch_day.slots_of_team(event, team_id) if team_id is not None else []
    if not entries:
        abort(404)
    return render_template("judging/my_pitch.html", event=event, entries=entries,
                           name=lambda r: services.round_name(r, _locale()))


@bp.route("/events/<slug>/pitch.ics", endpoint="my_pitch_ics")
@event_route(lambda user, event: True)
def my_pitch_ics(event: Event):
    from hackathon.judging import schedule as pitch_day

    team_id = _my_team_id(event)
    entries = pitch_day.slots_of_team(event, team_id) if team_id is not None else []
    if not entries:
        abort(404)
    return _calendar_response(pitch_day.calendar(event, entries, event.title, utcnow()), f"{event.slug}-my-pitch.ics")


@bp.route("/events/<slug>/judging/<id:round_id>/live", endpoint="live")
@event_route(can_manage_judging)
def live(event: Event, round_id: int):
    """The organiser's pitch-day console: the team on stage, its timer, who has submitted (refresh is enough)."""
    from hackathon.judging.schedule import LiveState

    judging_round = _round(event, round_id)
    return render_template("judging/live.html", event=event, round=judging_round,
                           state=LiveState(judging_round, utcnow()), button_form=EmptyForm(formdata=None),
                           name=services.round_name(judging_round, _locale()))


@bp.route("/events/<slug>/judging/<id:round_id>/live/<any(next, previous, timer):action>", methods=["POST"],
          endpoint="live_action")
@event_route(can_manage_judging)
def live_action(event: Event, round_id: int, action: str):
    from hackathon.judging import schedule as pitch_day

    judging_round = _round(event, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if action == "timer":
            pitch_day.start_timer(current_user, event, judging_round, utcnow())
        else:
            pitch_day.move_on_stage(current_user, event, judging_round, 1 if action == "next" else -1)
    except DomainError as error:
        _flash_error(error)
    return redirect(url_for("judging.live", slug=event.slug, round_id=round_id))


@bp.route("/events/<slug>/jury/<id:round_id>/live", endpoint="live_juror")
@event_route(can_judge)
def live_juror(event: Event, round_id: int):
    """A juror's pitch view on a phone: the team on stage, its timer and that team's sheet (drafts save while
    typing; a lost connection keeps the typing in the browser and the last draft on the server)."""
    from hackathon.judging.schedule import LiveState

    judging_round = _round(event, round_id)
    state = LiveState(judging_round, utcnow())
    form, existing, assigned = None, None, False
    if state.current is not None:
        queue = services.juror_queue(current_user, judging_round)
        existing = next((s for a, s in queue if a.submission_id == state.current.submission_id), None)
        assigned = any(a.submission_id == state.current.submission_id for a, _s in queue)
        if assigned:
            form = sheet_form(judging_round, lambda c: services.criterion_name(c, _locale()), sheet=existing)
    return render_template("judging/live_juror.html", event=event, round=judging_round, state=state, form=form,
                           sheet=existing, assigned=assigned, name=services.round_name(judging_round, _locale()),
                           rubric=lambda c: sorted_levels(services.localised(c.rubric, _locale()) or {}),
                           open=services.is_open(judging_round, utcnow()), submitted=SheetStatus.submitted,
                           opens_message=services.opens_later_message(event, judging_round, utcnow()))
