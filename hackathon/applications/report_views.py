"""The inclusion report's downloads: a PDF and a CSV in each of the event's languages, suppressed for everyone
(organisers included: it is the document they hand on). Organisers and site admins always; anyone who can see
the event once the organisers share the report."""
from __future__ import annotations

from flask import Response, abort, url_for
from flask_login import current_user

from hackathon.accounts.forms import language_name
from hackathon.applications import bp
from hackathon.applications.export import csv_document
from hackathon.applications.inclusion import load_funnel
from hackathon.applications.report import (build_report, can_download_report, report_csv_rows, report_filename,
                                           report_languages, report_settings)
from hackathon.database import utcnow
from hackathon.events.models import Event
from hackathon.extensions import login_manager
from hackathon.permissions import event_route


@bp.app_template_global("inclusion_report_links")
def inclusion_report_links(event: Event) -> list[dict]:
    """For templates/inclusion/_report_links.html: each language's name and its PDF and CSV links, or nothing
    when the visitor may not download the report."""
    if not can_download_report(current_user, event, report_settings(event)):
        return []
    return [{"language": code, "name": language_name(code),
             "pdf": url_for("applications.inclusion_report_pdf", slug=event.slug, lang=code),
             "csv": url_for("applications.inclusion_report_csv", slug=event.slug, lang=code)}
            for code in report_languages(event)]


def _report(event: Event, lang: str):
    """The document in `lang`, the funnel it was made from and the settings, after the access check (sign-in,
    then 403; 404 for a language the event does not have)."""
    settings = report_settings(event)
    if not can_download_report(current_user, event, settings):
        abort(login_manager.unauthorized() if not current_user.is_authenticated else 403)
    if lang not in report_languages(event):
        abort(404)
    now = utcnow()
    funnel = load_funnel(event, now=now)
    return build_report(event, funnel, threshold=settings.threshold, language=lang, now=now), funnel, settings


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/events/<slug>/inclusion/report-<lang>.pdf", endpoint="inclusion_report_pdf")
@event_route()
def inclusion_report_pdf(event: Event, lang: str):
    from hackathon.applications.report_pdf import report_pdf

    document, _funnel, _settings = _report(event, lang)
    return _download(report_pdf(document), "application/pdf", report_filename(event, lang, "pdf"))


@bp.route("/events/<slug>/inclusion/report-<lang>.csv", endpoint="inclusion_report_csv")
@event_route()
def inclusion_report_csv(event: Event, lang: str):
    document, funnel, settings = _report(event, lang)
    header, rows = report_csv_rows(event, document, funnel, threshold=settings.threshold)
    return _download(csv_document(header, rows), "text/csv", report_filename(event, lang, "csv"))
