"""Webhook forms: shape only (the URL rule and the kinds are checked by the services)."""
from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField
from wtforms.fields import URLField

from hackathon.events.forms import MultiCheckboxField
from hackathon.forms import BaseForm, length, options, required
from hackathon.i18n import lazy_gettext as _l
from hackathon.webhooks.models import WebhookKind

KIND_LABELS = {
    WebhookKind.application_submitted.value: _l("An application is submitted"),
    WebhookKind.application_decided.value: _l("An application is decided (accepted, waitlisted, rejected)"),
    WebhookKind.team_formed.value: _l("A team is formed"),
    WebhookKind.submission_submitted.value: _l("A project is submitted"),
    WebhookKind.sheet_submitted.value: _l("A juror submits a score sheet"),
    WebhookKind.shortlist_published.value: _l("A shortlist is published"),
    WebhookKind.results_published.value: _l("The results are published"),
    WebhookKind.announcement_sent.value: _l("An announcement is sent"),
}


class EndpointForm(BaseForm):
    url = URLField(_l("Endpoint URL"), validators=[required(), length(500)],
                   description=_l("Where the deliveries are posted: an https:// address on the public internet."))
    description = StringField(_l("What it is for (optional)"), validators=[length(120)])
    kinds = MultiCheckboxField(_l("Send these events"), choices=options(KIND_LABELS.items()),
                               validators=[required()])
    is_active = BooleanField(_l("Active (uncheck to pause deliveries)"), default=True)
    submit = SubmitField(_l("Save"))
