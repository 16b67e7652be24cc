"""Webhook pages for the event's organisers: the endpoints, each with its secret and delivery log."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.errors import DomainError
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.i18n import lazy_gettext as _l
from hackathon.permissions import can_manage_event, event_route
from hackathon.templating import register_nav
from hackathon.webhooks import bp, services
from hackathon.webhooks.forms import KIND_LABELS, EndpointForm


@register_nav
def webhooks_nav(user, event: Event, roles) -> list:
    return [(_l("Webhooks"), "webhooks.index")] if can_manage_event(user, event) else []


def _new_form(**kwargs) -> EndpointForm:
    form = EndpointForm(**kwargs)
    form.submit.label.text = _("Add endpoint")
    return form


def _fail(error: DomainError, form=None) -> None:
    db.session.rollback()
    if form is not None:
        form.url.errors = [*form.url.errors, error.message]
    flash(error.message, "error")


@bp.route("/events/<slug>/webhooks", methods=["GET", "POST"])
@event_route(can_manage_event)
def index(event: Event):
    form = _new_form()
    if form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(current_user, event, url=form.url.data, kinds=form.kinds.data,
                                                description=form.description.data)
        except DomainError as error:
            _fail(error, form)
        else:
            flash(_("The endpoint is added. Reveal its secret below to verify the deliveries."), "success")
            return redirect(url_for("webhooks.endpoint", slug=event.slug, endpoint_id=endpoint.id))
    return render_template("webhooks/index.html", event=event, form=form, endpoints=services.endpoints_of(event),
                           kind_labels=KIND_LABELS)


def _endpoint_page(event: Event, endpoint, form=None, secret: str | None = None):
    if form is None:  # after a button's POST: the settings as saved, not the button's (empty) form data
        form = EndpointForm(formdata=None, obj=endpoint)
    return render_template("webhooks/endpoint.html", event=event, endpoint=endpoint, form=form, secret=secret,
                           deliveries=services.deliveries_of(endpoint), button_form=EmptyForm(),
                           kind_labels=KIND_LABELS, max_attempts=_max_attempts())


def _max_attempts() -> int:
    from flask import current_app

    return current_app.config["WEBHOOKS_MAX_ATTEMPTS"]


@bp.route("/events/<slug>/webhooks/<id:endpoint_id>", methods=["GET", "POST"])
@event_route(can_manage_event)
def endpoint(event: Event, endpoint_id: int):
    endpoint = services.event_endpoint(event, endpoint_id)
    form = EndpointForm(obj=endpoint)
    if form.validate_on_submit():
        try:
            services.update_endpoint(current_user, endpoint, url=form.url.data, kinds=form.kinds.data,
                                     description=form.description.data, is_active=form.is_active.data)
        except DomainError as error:
            _fail(error, form)
        else:
            flash(_("The endpoint is saved."), "success")
            return redirect(url_for("webhooks.endpoint", slug=event.slug, endpoint_id=endpoint.id))
    return _endpoint_page(event, endpoint, form)


@bp.route("/events/<slug>/webhooks/<id:endpoint_id>/secret", methods=["POST"])
@event_route(can_manage_event)
def reveal_secret(event: Event, endpoint_id: int):
    endpoint = services.event_endpoint(event, endpoint_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("webhooks.endpoint", slug=event.slug, endpoint_id=endpoint.id))
    secret = services.reveal_secret(current_user, endpoint)
    return _endpoint_page(event, endpoint, secret=secret)


@bp.route("/events/<slug>/webhooks/<id:endpoint_id>/rotate", methods=["POST"])
@event_route(can_manage_event)
def rotate_secret(event: Event, endpoint_id: int):
    endpoint = services.event_endpoint(event, endpoint_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("webhooks.endpoint", slug=event.slug, endpoint_id=endpoint.id))
    secret = services.rotate_secret(current_user, endpoint)
    flash(_("A new secret is made: deliveries are signed with it from now on. Update your receiver."), "success")
    return _endpoint_page(event, endpoint, secret=secret)


@bp.route("/events/<slug>/webhooks/<id:endpoint_id>/delete", methods=["POST"])
@event_route(can_manage_event)
def delete(event: Event, endpoint_id: int):
    endpoint = services.event_endpoint(event, endpoint_id)
    if EmptyForm().validate_on_submit():
        services.delete_endpoint(current_user, endpoint)
        flash(_("The endpoint and its delivery log are removed."), "success")
    return redirect(url_for("webhooks.index", slug=event.slug))


@bp.route("/events/<slug>/webhooks/<id:endpoint_id>/deliveries/<id:delivery_id>/resend", methods=["POST"])
@event_route(can_manage_event)
def resend(event: Event, endpoint_id: int, delivery_id: int):
    endpoint = services.event_endpoint(event, endpoint_id)
    if EmptyForm().validate_on_submit():
        services.resend_delivery(current_user, endpoint, delivery_id)
        flash(_("The delivery is queued again."), "success")
    return redirect(url_for("webhooks.endpoint", slug=event.slug, endpoint_id=endpoint.id))
