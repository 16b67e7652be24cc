"""Results pages. Organisers (`can_manage_event`): how the final ranking is made, awards and their winners,
publishing. Everyone: the public results page once published (organisers see a preview before)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hackathon.database import utcnow
from hackathon.errors import DomainError, NotFound
from hackathon.events.forms import to_utc
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm, posted_int
from hackathon.judging import services as judging
from hackathon.permissions import can_manage_event, event_route
from hackathon.results import bp, services
from hackathon.results.forms import DecideForm, PublishForm, UnpublishForm, award_form, settings_form
from hackathon.templating import register_nav
from hackathon.text import ascii_slug, attachment_disposition


@register_nav
def results_links(user, event: Event, roles) -> list[tuple[str, str]]:
    if can_manage_event(user, event):
        return [(_("Results"), "results.manage")]
    return [(_("Results"), "results.public")] if services.published(event) is not None else []


@bp.app_template_global("results_published")
def results_published(event: Event) -> bool:
    return services.published(event) is not None


@bp.app_template_global("my_results")
def my_results(event: Event) -> dict | None:
    """For a participant's pages: their team's feedback and their certificate, once the results are out."""
    if not current_user.is_authenticated or services.published(event) is None:
        return None
    team_id = _team_of(current_user, event)
    if team_id is None:
        return None
    return {"team_id": team_id, "certificate": services.certificate_of(event, current_user)}


def _locale() -> str:
    return str(get_locale())


def _localised(values: dict | None) -> str:
    return judging.localised(values, _locale()) or ""


def _settings_form(event: Event, **kwargs):
    return settings_form([(r.id, judging.round_name(r, _locale())) for r in judging.rounds_of(event)], **kwargs)


def _award_form(event: Event, **kwargs):
    return award_form(event.languages, [(t.id, t.name) for t in event.tracks], **kwargs)


def _fail(error: DomainError) -> None:
    db.session.rollback()
    flash(error.message, "error")


def _flash_form_errors(form) -> None:
    """These forms post from the results page and come back to it: their field errors come as messages."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")


def _back(event: Event):
    return redirect(url_for("results.manage", slug=event.slug))


@bp.route("/events/<slug>/results/manage", endpoint="manage")
@event_route(can_manage_event)
def manage(event: Event):
    settings = services.settings_of(event)
    db.session.commit()
    form = _settings_form(event, formdata=None)
    form.final_round.data = str(settings.final_round_id or "")
    for round_id in form.round_ids:
        form[f"weight_{round_id}"].data = (settings.round_weights or {}).get(str(round_id), "")
    form.show_full_ranking.data, form.show_rank_in_feedback.data = (settings.show_full_ranking,
                                                                   settings.show_rank_in_feedback)
    form.show_juror_names.data = settings.show_juror_names
    view = services.compute_final(event, settings)
    awards = services.awards_of(event)
    return render_template("results/manage.html", event=event, settings=settings, form=form, view=view,
                           awards=awards, proposals=services.proposals_for(view, awards),
                           problems=services.readiness(event, view, awards, utcnow()),
                           award_form=_award_form(event, formdata=None),
                           decide_form=DecideForm(formdata=None), publish_form=PublishForm(formdata=None),
                           unpublish_form=UnpublishForm(formdata=None), button_form=EmptyForm(formdata=None),
                           round_name=lambda r: judging.round_name(r, _locale()), localised=_localised)


@bp.route("/events/<slug>/results/settings", methods=["POST"], endpoint="save_settings")
@event_route(can_manage_event)
def save_settings(event: Event):
    form = _settings_form(event)
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(event)
    try:
        services.save_settings(current_user, event, final_round_id=form.final_round_id(), weights=form.weights(),
                               show_full_ranking=form.show_full_ranking.data,
                               show_rank_in_feedback=form.show_rank_in_feedback.data,
                               show_juror_names=form.show_juror_names.data)
    except DomainError as error:
        _fail(error)
    else:
        flash(_("Saved. The final ranking below follows these settings."), "success")
    return _back(event)


@bp.route("/events/<slug>/results/awards", methods=["POST"], endpoint="add_award")
@event_route(can_manage_event)
def add_award(event: Event):
    form = _award_form(event)
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(event)
    try:
        services.save_award(current_user, event, kind=form.kind.data, place=form.place.data,
                            track_id=form.track_id(), name=form.names(), prize_text=form.prizes())
    except DomainError as error:
        _fail(error)
    else:
        flash(_("The award is added."), "success")
    return _back(event)


@bp.route("/events/<slug>/results/awards/<id:award_id>/delete", methods=["POST"], endpoint="delete_award")
@event_route(can_manage_event)
def delete_award(event: Event, award_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.delete_award(current_user, event, award_id)
    except NotFound:
        abort(404)
    flash(_("The award is deleted."), "success")
    return _back(event)


@bp.route("/events/<slug>/results/awards/<id:award_id>/decide", methods=["POST"], endpoint="decide_award")
@event_route(can_manage_event)
def decide_award(event: Event, award_id: int):
    form = DecideForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = [i for i in map(posted_int, request.form.getlist("project")) if i is not None]
    try:
        services.decide_award(current_user, event, award_id, chosen, form.reason.data or "")
    except NotFound:
        abort(404)
    except DomainError as error:
        _fail(error)
    else:
        flash(_("The winner is recorded."), "success")
    return _back(event)


@bp.route("/events/<slug>/results/publish", methods=["POST"], endpoint="publish")
@event_route(can_manage_event)
def publish(event: Event):
    form = PublishForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(event)
    try:
        report = services.publish(current_user, event, utcnow(), at=to_utc(form.publish_at.data, event.timezone),
                                  confirm_problems=bool(form.confirm.data))
    except DomainError as error:
        _fail(error)
    else:
        if report.scheduled_for:
            flash(_("The results will be published at the time chosen."), "success")
        else:
            flash(ngettext("The results are published; %(n)d person is told by mail.",
                           "The results are published; %(n)d people are told by mail.", report.mails,
                           n=report.mails), "success")
    return _back(event)


@bp.route("/events/<slug>/results/unpublish", methods=["POST"], endpoint="unpublish")
@event_route(can_manage_event)
def unpublish(event: Event):
    form = UnpublishForm()
    if not form.validate_on_submit():
        flash(_("Give a reason: it is kept in the audit log."), "error")
        return _back(event)
    try:
        services.unpublish(current_user, event, form.reason.data)
    except DomainError as error:
        _fail(error)
    else:
        flash(_("The results are unpublished."), "success")
    return _back(event)


@bp.route("/events/<slug>/results", endpoint="public")
@event_route()
def public(event: Event):
    """The published snapshot; organisers see a preview of what would be published before that."""
    settings = services.published(event)
    preview = False
    if settings is not None:
        snapshot = settings.snapshot
    elif current_user.is_authenticated and can_manage_event(current_user, event):
        current = services.settings_of(event)
        view = services.compute_final(event, current)
        snapshot = services.build_snapshot(event, current, view, services.awards_of(event), utcnow())
        db.session.rollback()
        preview = True
    else:
        abort(404)
    my_team = _team_of(current_user, event) if current_user.is_authenticated and not preview else None
    return render_template("results/public.html", event=event, snapshot=snapshot, preview=preview,
                           localised=_localised, my_team=my_team)


def _team_of(user, event: Event) -> int | None:
    from sqlalchemy import select

    from hackathon.teams.models import TeamMember

    return db.session.scalar(select(TeamMember.team_id).where(TeamMember.event_id == event.id,
                                                              TeamMember.user_id == user.id))


@bp.route("/events/<slug>/results/feedback", endpoint="my_feedback")
@event_route(lambda user, event: True)
def my_feedback(event: Event):
    """A participant's way to their team's feedback."""
    team_id = _team_of(current_user, event)
    if team_id is None or services.published(event) is None:
        abort(404)
    return redirect(url_for("results.feedback", slug=event.slug, team_id=team_id))


@bp.route("/events/<slug>/results/feedback/<id:team_id>", endpoint="feedback")
@bp.route("/events/<slug>/results/feedback/<id:team_id>.pdf", endpoint="feedback_pdf")
@event_route(lambda user, event: True)
def feedback(event: Event, team_id: int):
    """A team's feedback after the results: its members and the organisers only (404 for anyone else, as for
    a team that does not exist)."""
    settings = services.published(event)
    allowed = can_manage_event(current_user, event) or _team_of(current_user, event) == team_id
    if settings is None or not allowed:
        abort(404)
    data = services.team_feedback(event, settings.snapshot, team_id)
    if data is None:
        abort(404)
    if request.endpoint == "results.feedback_pdf":
        return _feedback_pdf(event, data)
    return render_template("results/feedback.html", event=event, data=data, localised=_localised)


def _feedback_pdf(event: Event, data: dict):
    from flask import Response

    from hackathon.results.pdf import FeedbackDocument, FeedbackRound, feedback_pdf
    from hackathon.templating import decimal_number

    summary = []
    if data["final_rank"]:
        summary.append(ngettext("Final rank: %(rank)d of %(n)d finalist", "Final rank: %(rank)d of %(n)d finalists",
                                 data["finalists"], rank=data["final_rank"], n=data["finalists"]))
    summary += [_("Award: %(award)s", award=_localised(a["name"])) for a in data["awards"]]
    document = FeedbackDocument(
        heading=_("Feedback: %(event)s", event=event.title), team_line=f"{data['team']} — {data['title']}",
        summary=summary, criterion_label=_("Criterion"), mean_label=_("Mean score"),
        comments_label=_("Jurors' comments to the team"), no_comments=_("No comments."),
        rounds=[FeedbackRound(
            name=_localised(r["name"]),
            rank_line=_("Rank %(rank)d of %(n)d", rank=r["rank"], n=r["projects"]) if r["rank"] else None,
            criteria=[(_localised(c["name"]), f"{decimal_number(c['mean'], 1)} ({c['lo']}–{c['hi']})") for c in r["criteria"]],
            comments=[f"{c['juror']}: {c['text']}" if c["juror"] else c["text"] for c in r["comments"]])
            for r in data["rounds"]])
    response = Response(feedback_pdf(document), mimetype="application/pdf")
    # Named after the event and the team (an internal id told the reader nothing): ASCII for every client,
    # the team's own spelling in filename*.
    response.headers["Content-Disposition"] = attachment_disposition(
        f"feedback-{event.slug}-{ascii_slug(data['team'], 'team')}.pdf", f"feedback-{event.slug}-{data['team']}.pdf")
    return response


@bp.route("/events/<slug>/results/certificates", methods=["POST"], endpoint="issue_certificates")
@event_route(can_manage_event)
def issue_certificates(event: Event):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        report = services.issue_certificates(event, utcnow(), actor=current_user)
    except DomainError as error:
        _fail(error)
    else:
        flash(_("Certificates issued: %(issued)d; updated: %(updated)d; revoked: %(revoked)d.",
                issued=report.issued, updated=report.updated, revoked=report.revoked), "success")
    return _back(event)


@bp.route("/events/<slug>/results/certificate.pdf", endpoint="my_certificate")
@event_route(lambda user, event: True)
def my_certificate(event: Event):
    """The signed-in participant's own certificate, in their language (404 when there is none)."""
    certificate = services.certificate_of(event, current_user)
    if certificate is None or services.published(event) is None:
        abort(404)
    from flask import Response
    from flask_babel import force_locale

    with force_locale(current_user.locale or "en"):
        data = _certificate_pdf(certificate)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = attachment_disposition(
        f"certificate-{event.slug}-{ascii_slug(current_user.name, 'participant')}.pdf",
        f"certificate-{event.slug}-{current_user.name}.pdf")
    return response


def _certificate_lines(certificate) -> tuple[str, list[str]]:
    locale = _locale()
    title = {"winner": _("Certificate of achievement"), "finalist": _("Certificate of a finalist")}.get(
        certificate.kind, _("Certificate of participation"))
    lines = [_("took part in %(event)s", event=certificate.event.title)]
    if certificate.team_name:
        lines.append(_("with the team “%(team)s”: %(project)s", team=certificate.team_name,
                       project=certificate.project_title or "—"))
    if certificate.kind == "finalist":
        lines.append(_("and pitched in the final"))
    for award in certificate.awards:
        lines.append(_("and won: %(award)s", award=judging.localised(award, locale) or ""))
    return title, lines


def _certificate_pdf(certificate) -> bytes:
    from babel.dates import format_date

    from hackathon.results.pdf import CertificateDocument, certificate_pdf

    title, lines = _certificate_lines(certificate)
    link = url_for("results.verify_certificate", code=certificate.code, _external=True)
    return certificate_pdf(CertificateDocument(
        title=title, name=certificate.user.name, lines=lines,
        issued=_("Issued on %(date)s", date=format_date(certificate.issued_at.date(), "long", locale=_locale())),
        verify=_("Check this certificate at %(link)s", link=link)))


@bp.route("/certificates/<code>", endpoint="verify_certificate")
def verify_certificate(code: str):
    """Anyone may check a certificate by its code: who, which event, what; a revoked one says so (410)."""
    certificate = services.certificate_by_code(code)
    if certificate is None or services.published(certificate.event) is None:
        abort(404)
    if certificate.kind == services.WITHDRAWN:
        return render_template("results/certificate.html", certificate=certificate, withdrawn=True), 410
    if certificate.kind == services.REVOKED:
        return render_template("results/certificate.html", certificate=certificate, revoked=True), 410
    title, lines = _certificate_lines(certificate)
    return render_template("results/certificate.html", certificate=certificate, title=title, lines=lines)


@bp.route("/events/<slug>/results/export.<any(csv, json):fmt>", endpoint="export")
@event_route(can_manage_event)
def export(event: Event, fmt: str):
    """The published results (or, before, what would be published) as CSV (the ranking with each round's part
    and the awards) or JSON (the whole snapshot, feedback included)."""
    import json

    from flask import Response

    from hackathon.applications.export import csv_document

    settings = services.published(event)
    if settings is not None:
        snapshot = settings.snapshot
    else:
        current = services.settings_of(event)
        snapshot = services.build_snapshot(event, current, services.compute_final(event, current),
                                           services.awards_of(event), utcnow())
        db.session.rollback()
    if fmt == "json":
        response = Response(json.dumps(snapshot, ensure_ascii=False, indent=2), mimetype="application/json")
    else:
        round_ids = [r["id"] for r in snapshot["rounds"]]
        won: dict[int, list[str]] = {}
        for award in snapshot["awards"]:
            for winner in award["winners"]:
                won.setdefault(winner["project_id"], []).append(_localised(award["name"]))
        header = ["rank", "tie", "team", "project", "score"] + [
            f"z {_localised(r['name'])}" for r in snapshot["rounds"]] + ["awards"]
        rows = [[e["rank"], "yes" if e["tied"] else "", e["team"], e["title"], e["score"]]
                + [e["parts"].get(str(r), "") for r in round_ids] + ["; ".join(won.get(e["project_id"], []))]
                for e in snapshot["ranking"]]
        response = Response(csv_document(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-results.{fmt}"'
    return response
