"""The inclusion dimensions as SQL expressions over `User`, so that people are grouped by the database (GROUP BY)
rather than one Python object per person. The same keys as `stats` gives ("18-24", "bishkek", "KG", "home",
"it", "yes", "ru", `stats.UNKNOWN`), the same on SQLite and PostgreSQL (plain CASE, UPPER, comparisons).

A missing answer (NULL, or an empty text) is `stats.UNKNOWN` ("Not given"), never dropped.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, case, func, literal, or_, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from hackathon.accounts.models import User
from hackathon.applications import stats

UNKNOWN = stats.UNKNOWN


def _text(column) -> ColumnElement:
    """The column as a plain string (enum columns hold their value's name, which equals the value here)."""
    return type_coerce(column, String)


def _missing(column) -> ColumnElement:
    return or_(column.is_(None), column == "")


def _given(column) -> ColumnElement:
    """The column's text, or UNKNOWN when it is empty."""
    text = _text(column)
    return case((_missing(text), literal(UNKNOWN)), else_=text)


def age_band_expression(bands: Sequence[stats.AgeBand], year: int, user=User) -> ColumnElement:
    """The key of the band holding the person's age in `year` (`stats.age_band_of`), UNKNOWN without a year of
    birth or for a negative age."""
    age = literal(year) - user.year_of_birth
    whens = []
    for band in bands:
        holds = age >= band.low if band.high is None else age.between(band.low, band.high)
        whens.append((holds, literal(band.key)))
    return case((user.year_of_birth.is_(None), literal(UNKNOWN)), *whens, else_=literal(UNKNOWN))


def diaspora_expression(home_country: str, user=User) -> ColumnElement:
    """"home" / "abroad" by the country of residence; without one, by the region (`stats.diaspora`)."""
    home = home_country.upper()
    country = _text(user.country)
    region = _text(user.region)
    in_kyrgyzstan = home == stats.REGIONS_COUNTRY
    return case(
        (~_missing(country), case((func.upper(country) == home, literal("home")), else_=literal("abroad"))),
        (region == "abroad", literal("abroad" if in_kyrgyzstan else UNKNOWN)),
        (~_missing(region), literal("home" if in_kyrgyzstan else "abroad")),
        else_=literal(UNKNOWN),
    )


def dimension_expressions(event_bands: Sequence[stats.AgeBand], year: int, home_country: str,
                          user=User) -> dict[str, ColumnElement]:
    """{dimension: SQL expression over `user` (User or an alias of it)} for every dimension of stats.DIMENSIONS.

    `event_bands` are the event's bands as `stats.age_bands(...)` completes them; ages are counted in `year`."""
    country = _text(user.country)
    expressions = {
        "age_band": age_band_expression(event_bands, year, user),
        "gender": _given(user.gender),
        "region": _given(user.region),
        "country": case((_missing(country), literal(UNKNOWN)), else_=func.upper(country)),
        "diaspora": diaspora_expression(home_country, user),
        "background": _given(user.background),
        "first_hackathon": case((user.first_hackathon.is_(None), literal(UNKNOWN)),
                                (user.first_hackathon.is_(True), literal("yes")), else_=literal("no")),
        "language": _given(user.locale),
    }
    assert tuple(expressions) == stats.DIMENSIONS
    return expressions
