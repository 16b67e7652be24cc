"""Forms of the applicants import: the upload, and the mapping of each column (built from the file's headings)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SubmitField

from hackathon.forms import BaseForm, options
from hackathon.i18n import lazy_gettext as _l


class UploadForm(BaseForm):
    file = FileField(_l("CSV or XLSX file"),
                     description=_l("A Google Forms, KoboToolbox or Excel export: UTF-8 CSV (comma or semicolon) or "
                                    "an XLSX workbook (its first sheet). The first row names the columns."))
    submit = SubmitField(_l("Check the file"))


def mapping_form(header: list[str], choices: list[tuple[str, str]], mapping: dict[int, str], formdata=None):
    """One select per column of the file (`column_<index>`), preset to what the heading was recognised as."""

    class MappingForm(BaseForm):
        upload = HiddenField()
        check = SubmitField(_l("Check again"))
        do_import = SubmitField(_l("Import"))

    for index, heading in enumerate(header):
        setattr(MappingForm, f"column_{index}", SelectField(
            heading or _l("Column %(number)d", number=index + 1), choices=options(choices),
            default=mapping.get(index, "ignore")))
    return MappingForm(formdata=formdata)
