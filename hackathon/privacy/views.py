"""Personal data pages: thin views over privacy.export and privacy.services.

- `privacy.data_json`, `privacy.data_zip`: the signed-in person's own export (no URL names a person).
"""
from __future__ import annotations

import tempfile

from flask import Response, current_app
from flask_login import current_user, login_required

from hackathon.privacy import bp, export, services
from hackathon.privacy.models import DataRequestKind

# The ZIP is written to memory up to this size, then to a temporary file on disk.
ZIP_SPOOL_BYTES = 4 * 1024 * 1024


def _download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}


@bp.route("/account/data.json", endpoint="data_json")
@login_required
def data_json():
    data = export.person_data(current_user)
    services.note_data_request(current_user, DataRequestKind.export, export.related_event_ids(data))
    return Response(export.to_json(data), mimetype="application/json",
                    headers=_download_headers("personal-data.json"))


@bp.route("/account/data.zip", endpoint="data_zip")
@login_required
def data_zip():
    from hackathon.submissions.storage import get_storage

    data = export.person_data(current_user)
    services.note_data_request(current_user, DataRequestKind.export, export.related_event_ids(data))
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)
    try:
        export.write_zip(data, spool, storage=get_storage(current_app))
        size = spool.tell()
    except BaseException:
        spool.close()
        raise
    headers = _download_headers("personal-data.zip") | {"Content-Length": str(size)}
    return Response(export.iter_file(spool), mimetype="application/zip", headers=headers, direct_passthrough=True)

