"""The public project gallery: closed (404, organisers preview), open (everyone), only submitted projects of
accepted teams that opted in, the track filter, thumbnails the public may load, project pages showing the judged
version, escaping, a constant number of queries, and the menu link."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from hackathon.applications.models import ApplicationStatus
from hackathon.database import utcnow
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.submissions.models import Attachment, Submission, SubmissionStatus
from tests import factories
from tests.submissions_support import (XSS, add_team, client_for, counting_queries, files_dir,  # noqa: F401
                                       png_bytes, reset_caches, statuses, subs, text, walk)

GALLERY = "/events/hack/gallery"


def project(event, team, *, title="Water map", status=SubmissionStatus.submitted, show=True, track=None,
            screenshot=False, **values) -> Submission:
    """A submission with one saved version (what the jurors judge), optionally with a stored screenshot."""
    return factories.create_submission(team, status=status.value, title=title, show_in_gallery=show, versions=1,
                                       files=["screenshot"] if screenshot else [],
                                       track_id=track.id if track else None,
                                       submitted_at=utcnow() - timedelta(hours=1), **values)


def open_gallery(subs, when=None) -> None:
    subs.settings.gallery_opened_at = when or utcnow() - timedelta(minutes=1)
    db.session.commit()
    reset_caches()


@pytest.fixture
def shown(subs, make_user, make_event):
    """Taza Suu's project in the gallery (with a screenshot); Clean Air's not opted in; a draft, a waitlisted
    team's project and another event's project that must never show."""
    subs.shown = project(subs.event, subs.team, track=subs.tracks[0], screenshot=True, tagline="Pipes on a map",
                         description="We **map** leaks.", repository_url="https://example.org/code")
    subs.hidden = project(subs.event, subs.other_team, title="Clean air map", show=False, track=subs.tracks[1])
    drafting = add_team(subs.event, "Drafting", make_user())
    subs.draft = project(subs.event, drafting, title="Half done", status=SubmissionStatus.draft)
    waiting = add_team(subs.event, "Waiting", make_user(), status=ApplicationStatus.waitlisted)
    subs.waitlisted = project(subs.event, waiting, title="Not accepted")
    other_event = db.session.scalar(select(Event).where(Event.slug == "other-event"))
    subs.foreign = project(other_event, add_team(other_event, "Far Away", make_user()), title="Far project")
    subs.ids = {"shown": subs.shown.id, "hidden": subs.hidden.id, "draft": subs.draft.id,
                "waitlisted": subs.waitlisted.id, "foreign": subs.foreign.id}
    subs.reset = lambda: subs.ids
    return subs


OPEN_ROUTES = [
    ("GET", GALLERY, None, statuses(200, anonymous=200)),
    ("GET", GALLERY + "?track=1", None, statuses(200, anonymous=200)),
    ("GET", GALLERY + "/{shown}", None, statuses(200, anonymous=200)),
    ("GET", GALLERY + "/{hidden}", None, statuses(404, anonymous=404)),
    ("GET", GALLERY + "/{draft}", None, statuses(404, anonymous=404)),
    ("GET", GALLERY + "/{waitlisted}", None, statuses(404, anonymous=404)),
    ("GET", GALLERY + "/{foreign}", None, statuses(404, anonymous=404)),
]


@pytest.mark.parametrize("method, path, data, expected", OPEN_ROUTES, ids=[p for _m, p, _d, _e in OPEN_ROUTES])
def test_the_open_gallery_per_visitor(shown, client_for, method, path, data, expected):
    open_gallery(shown)
    walk(shown, client_for, method, path, data, expected)


def test_a_closed_gallery_is_a_preview_for_organisers_only(shown, client_for):
    for visitor in ("anonymous", "participant", "mentor", "juror", "other_organiser"):
        client = client_for(shown.users.get(visitor))
        assert client.get(GALLERY).status_code == 404, visitor
        assert client.get(f"{GALLERY}/{shown.shown.id}").status_code == 404, visitor
    for visitor in ("organiser", "admin"):
        client = client_for(shown.users[visitor])
        for url in (GALLERY, f"{GALLERY}/{shown.shown.id}"):
            page = client.get(url)
            assert page.status_code == 200 and "Preview: the gallery is not public yet." in text(page), url
    # An opening time still ahead (results scheduled for later) keeps it closed.
    open_gallery(shown, utcnow() + timedelta(hours=1))
    assert client_for().get(GALLERY).status_code == 404
    open_gallery(shown)
    page = client_for().get(GALLERY)
    assert page.status_code == 200 and "Preview" not in text(page)


def test_the_menu_shows_the_gallery_once_open(shown, client_for):
    for visitor in ("anonymous", "participant"):
        page = client_for(shown.users.get(visitor)).get("/events/hack/").get_data(as_text=True)
        assert f'href="{GALLERY}"' not in page, visitor
    # Organisers always have it: their preview.
    assert f'href="{GALLERY}"' in client_for(shown.users["organiser"]).get("/events/hack/").get_data(as_text=True)
    open_gallery(shown)
    for visitor in ("anonymous", "participant", "organiser"):
        page = client_for(shown.users.get(visitor)).get("/events/hack/").get_data(as_text=True)
        assert f'href="{GALLERY}"' in page, visitor


def test_only_submitted_opted_in_projects_of_accepted_teams_are_listed(shown, client_for):
    open_gallery(shown)
    page = client_for().get(GALLERY)
    body = text(page)
    assert "Water map" in body and "Pipes on a map" in body and "Taza Suu" in body and "Water" in body
    for hidden in ("Clean air map", "Half done", "Not accepted", "Far project"):
        assert hidden not in body, hidden
    # The thumbnail is the first current screenshot, and the public may load it.
    attachment = db.session.scalar(select(Attachment).where(Attachment.submission_id == shown.shown.id))
    src = f"/events/hack/files/{attachment.id}"
    assert f'src="{src}"' in page.get_data(as_text=True)
    image = client_for().get(src)
    assert image.status_code == 200 and image.mimetype == "image/png"
    # A team that opts out (or goes back to draft) disappears at once, and so do its files.
    shown.shown.show_in_gallery = False
    db.session.commit()
    assert "Water map" not in text(client_for().get(GALLERY))
    assert client_for().get(f"{GALLERY}/{shown.shown.id}").status_code == 404
    assert client_for().get(src).status_code == 404


def test_the_track_filter(shown, client_for):
    open_gallery(shown)
    shown.hidden.show_in_gallery = True
    db.session.commit()
    client = client_for()
    water, air = shown.tracks
    assert "Water map" in text(client.get(f"{GALLERY}?track={water.id}"))
    assert "Clean air map" not in text(client.get(f"{GALLERY}?track={water.id}"))
    page = text(client.get(f"{GALLERY}?track={air.id}"))
    assert "Clean air map" in page and "Water map" not in page
    assert 'for="track"' in client.get(GALLERY).get_data(as_text=True)
    for bad in ("abc", "99999999999999", str(air.id + 1000)):
        response = client.get(f"{GALLERY}?track={bad}")
        assert response.status_code == 200 and "Water map" in text(response) and "Clean air map" in text(response)


def test_the_project_page_shows_the_judged_version(shown, client_for):
    open_gallery(shown)
    # A change stored without a version (never happens through the services) is not what was judged.
    shown.shown.title = "Changed later"
    db.session.commit()
    page = client_for().get(f"{GALLERY}/{shown.shown.id}")
    body, html = text(page), page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Water map" in body and "Changed later" not in body
    assert "A project by Taza Suu" in body and "Participant, Teammate" in body
    assert "<strong>map</strong>" in html and 'rel="nofollow noopener noreferrer"' in html
    assert "Awards" not in body  # nothing until the results exist


def test_titles_and_names_are_escaped(subs, client_for, make_user):
    team = add_team(subs.event, f"Team {XSS}"[:80], make_user())
    submission = project(subs.event, team, title=XSS[:120], tagline=XSS)
    open_gallery(subs)
    for url in (GALLERY, f"{GALLERY}/{submission.id}"):
        body = client_for().get(url).get_data(as_text=True)
        assert "<script>" not in body and "&lt;script&gt;" in body and "<img src=x" not in body, url


def test_ids_too_large_or_unknown_are_not_found(shown, client_for):
    open_gallery(shown)
    for path in ("/99999999999", "/2147483648", "/0", "/-1", "/abc", "/999999"):
        assert client_for().get(GALLERY + path).status_code == 404, path


def test_an_unpublished_event_hides_its_gallery(shown, client_for):
    open_gallery(shown)
    shown.event.is_published = False
    db.session.commit()
    for visitor in ("anonymous", "stranger", "other_organiser"):
        assert client_for(shown.users.get(visitor)).get(GALLERY).status_code == 404, visitor


@pytest.mark.parametrize("viewer", ["anonymous", "organiser"])
def test_the_gallery_runs_a_constant_number_of_queries(subs, client_for, make_user, viewer):
    event_id, track_ids = subs.event.id, [track.id for track in subs.tracks]
    open_gallery(subs)

    def add(n: int) -> None:
        event = db.session.get(Event, event_id)
        for index in range(n):
            team = add_team(event, f"Team {secrets.token_hex(4)}", make_user(), make_user())
            submission = project(event, team, title=f"Project {index}", screenshot=index % 2 == 0)
            submission.track_id = track_ids[index % 2]
        db.session.commit()

    client = client_for(subs.users.get(viewer))
    add(2)
    db.session.expunge_all()
    with counting_queries() as few:
        page = client.get(GALLERY)
        assert page.status_code == 200 and page.get_data(as_text=True).count('">Project ') == 2
    add(18)
    db.session.expunge_all()
    with counting_queries() as many:
        page = client.get(GALLERY)
        assert page.status_code == 200 and page.get_data(as_text=True).count('">Project ') == 20
    assert len(many) == len(few), "\n".join(many)
