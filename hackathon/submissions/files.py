"""Checking uploaded project files: names cleaned for display, types decided by content, images re-encoded,
ZIPs inspected without extracting. Standard library and Pillow only (messages are lazy translations), so every
rule is unit-tested without an app.

The rules, per attachment kind:
- deck: a PDF (content starts with `%PDF-`, name ends in .pdf).
- screenshot: PNG, JPEG or WebP by content and by name (.png, .jpg, .jpeg, .webp). The pixel count is read from
  the header and refused over the limit before anything is decoded (PNG bombs); the image is then decoded and
  re-encoded in its own format after applying its EXIF orientation, which drops EXIF and every other metadata
  (and anything appended to the file). When the name and the content disagree (a PNG called shot.jpg), the
  content wins and the displayed name gets the right extension.
- archive: a ZIP (content starts with `PK\\x03\\x04`, name ends in .zip), read from its central directory only:
  entry count, the sum of declared sizes, the compression ratio of big entries, overlapping entries, absolute,
  drive and `..` paths, symbolic links and encrypted entries are refused.
SVG and HTML are refused whatever their name, and so is every other type.
"""
from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from hackathon.i18n import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from hackathon.submissions.models import DISPLAY_NAME_MAX, AttachmentKind

# --- limits ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The configured limits (UPLOAD_MAX_IMAGE_PIXELS, UPLOAD_MAX_ZIP_ENTRIES, UPLOAD_MAX_ZIP_UNCOMPRESSED_BYTES);
    the defaults are config.py's."""

    max_image_pixels: int = 25_000_000
    max_zip_entries: int = 2000
    max_zip_uncompressed_bytes: int = 200 * 1024 * 1024
    # An entry bigger than this whose declared size is over max_zip_ratio times its compressed size is a bomb.
    zip_ratio_min_size: int = 1024 * 1024
    max_zip_ratio: int = 200

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(max_image_pixels=config["UPLOAD_MAX_IMAGE_PIXELS"],
                   max_zip_entries=config["UPLOAD_MAX_ZIP_ENTRIES"],
                   max_zip_uncompressed_bytes=config["UPLOAD_MAX_ZIP_UNCOMPRESSED_BYTES"])


class FileRefused(Exception):
    """The file breaks a rule; `message` (a lazy translation) tells the user which one."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """What to store: the (possibly re-encoded) bytes, their type and hash, the name to display."""

    content: bytes
    content_type: str
    display_name: str
    sha256: str
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)


# --- display names -----------------------------------------------------------------------------------------------

_REMOVED_CATEGORIES = {"Cc", "Cf", "Cs"}  # controls, formats (bidi overrides, zero-width), lone surrogates
MAX_EXTENSION = 10  # ".jpeg", ".webp": a longer "extension" is just part of the name when shortening


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) + 1 > MAX_EXTENSION:
        return name, ""
    return stem, "." + extension


def clean_display_name(raw: str | None, fallback: str = "file.pdf", max_length: int = DISPLAY_NAME_MAX) -> str:
    """The user's filename made safe to show and to send back in a header: the last path part only (after / or
    \\), NFC, without control, format (bidi overrides, zero-width) or surrogate characters, whitespace runs as
    one space, no dots or spaces at either end, at most `max_length` characters with the extension kept; never
    empty (then `fallback`). Letters of any script and emoji stay."""
    name = raw if isinstance(raw, str) else ""
    name = re.split(r"[/\\]", name)[-1]
    name = unicodedata.normalize("NFC", name)
    name = " ".join(name.split())  # CR, LF, tabs and Unicode spaces become single spaces first
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _REMOVED_CATEGORIES)
    name = " ".join(name.split()).strip(". ")
    if len(name) > max_length:
        stem, extension = _split_extension(name)
        name = (stem[:max_length - len(extension)].rstrip(". ") + extension).strip(". ")
    return name or fallback


def extension_of(name: str) -> str:
    """The lowercase extension with its dot ("" when there is none)."""
    return _split_extension(name)[1].lower()


def with_extension(name: str, extension: str) -> str:
    stem, _old = _split_extension(name)
    return clean_display_name(stem + extension, fallback="file" + extension)


# --- content sniffing --------------------------------------------------------------------------------------------

PDF, PNG, JPEG, WEBP, ZIP, MARKUP = "pdf", "png", "jpeg", "webp", "zip", "markup"

CONTENT_TYPES = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg", WEBP: "image/webp",
                 ZIP: "application/zip"}
# Allowed extensions per kind; the first one is the one given to a name that lacks it.
EXTENSIONS = {
    AttachmentKind.deck: {PDF: (".pdf",)},
    AttachmentKind.screenshot: {PNG: (".png",), JPEG: (".jpg", ".jpeg"), WEBP: (".webp",)},
    AttachmentKind.archive: {ZIP: (".zip",)},
}
_MARKUP = re.compile(rb"<\s*(\?xml|!doctype|html|svg|script|head|body|iframe|object|embed|meta)\b", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The type of the content by its first bytes, or MARKUP for SVG/HTML/XML, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return ZIP
    head = data[:4096]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(codec, "ignore").encode("utf-8", "ignore")
            break
    if _MARKUP.search(head.lstrip()[:1024]) or head.lstrip().startswith(b"<"):
        return MARKUP
    return None


def allowed_extensions(kind: AttachmentKind) -> list[str]:
    return [extension for extensions in EXTENSIONS[kind].values() for extension in extensions]


def _type_refusal(kind: AttachmentKind):
    return {
        AttachmentKind.deck: _l("The pitch deck must be a PDF file. The content of this file is not a PDF, "
                                "whatever its name says."),
        AttachmentKind.screenshot: _l("A screenshot must be a PNG, JPEG or WebP image. The content of this file is "
                                      "not one of these, whatever its name says."),
        AttachmentKind.archive: _l("The archive must be a ZIP file. The content of this file is not a ZIP archive, "
                                   "whatever its name says."),
    }[kind]


# --- the check -----------------------------------------------------------------------------------------------------


def check_file(kind: AttachmentKind | str, filename: str | None, data: bytes, limits: Limits | None = None
               ) -> CheckedFile:
    """Decide whether `data` (uploaded as `filename`) may be stored as an attachment of `kind`: the bytes to store
    and their details, or FileRefused with the reason."""
    kind = AttachmentKind(kind)
    limits = limits or Limits()
    rules = EXTENSIONS[kind]
    default_extension = allowed_extensions(kind)[0]
    name = clean_display_name(filename, fallback="file" + default_extension)
    if not data:
        raise FileRefused(_l("The file is empty."))
    found = sniff(data)
    if found == MARKUP:
        raise FileRefused(_l("SVG and HTML files are not accepted, even renamed: they can carry scripts. Export "
                             "the picture as PNG, or the page as PDF."))
    if found not in rules:
        raise FileRefused(_type_refusal(kind))
    extension = extension_of(name)
    allowed = allowed_extensions(kind)
    if extension not in allowed:
        raise FileRefused(_l("The file name must end in %(extensions)s (the content is checked too).",
                             extensions=", ".join(allowed)))
    if kind == AttachmentKind.deck:
        return _checked(data, found, name)
    if kind == AttachmentKind.archive:
        check_zip(data, limits)
        return _checked(data, found, name)
    if extension not in rules[found]:  # a PNG named .jpg: the content wins
        name = with_extension(name, rules[found][0])
    return reencode_image(data, found, name, limits)


def _checked(data: bytes, found: str, name: str, width: int | None = None, height: int | None = None
             ) -> CheckedFile:
    return CheckedFile(content=data, content_type=CONTENT_TYPES[found], display_name=name,
                       sha256=hashlib.sha256(data).hexdigest(), width=width, height=height)


# --- images --------------------------------------------------------------------------------------------------------

_PILLOW_FORMATS = {PNG: ("PNG",), JPEG: ("JPEG", "MPO"), WEBP: ("WEBP",)}


def reencode_image(data: bytes, found: str, name: str, limits: Limits) -> CheckedFile:
    """Read the size from the header and refuse over the pixel limit before decoding; then decode the first frame,
    turn it upright by its EXIF orientation and save it again in the same format without any metadata."""
    unreadable = _l("This image could not be read: it may be damaged or truncated. Save it again and upload it.")
    too_big = _l("This image is too large: at most %(pixels)s million pixels (width × height).",
                 pixels=f"{limits.max_image_pixels / 1_000_000:g}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[f for f in _PILLOW_FORMATS[found] if f != "MPO"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused(too_big) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise FileRefused(unreadable) from None
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise FileRefused(unreadable)
        if width * height > limits.max_image_pixels:
            raise FileRefused(too_big)
        if image.format not in _PILLOW_FORMATS[found]:
            raise FileRefused(unreadable)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image)
                content = _encode(upright, found)
                width, height = upright.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise FileRefused(too_big) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise FileRefused(unreadable) from None
    return _checked(content, found, name, width, height)


def _encode(image: Image.Image, found: str) -> bytes:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if found == JPEG:
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
    elif image.mode not in ("RGB", "RGBA", "L", "LA") or (found == WEBP and image.mode in ("L", "LA")):
        image = image.convert("RGBA" if has_alpha else "RGB")
    # A fresh copy carries no info dictionary: no EXIF, XMP, ICC profile, text chunks or comments are written.
    clean = image.copy()
    clean.info = {}
    out = io.BytesIO()
    if found == PNG:
        clean.save(out, "PNG", optimize=False)
    elif found == JPEG:
        clean.save(out, "JPEG", quality=88, optimize=True)
    else:
        clean.save(out, "WEBP", quality=88, method=4)
    return out.getvalue()


# --- ZIP archives ----------------------------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")
S_IFMT, S_IFLNK = 0o170000, 0o120000


def _declared_entry_count(data: bytes) -> int | None:
    """The entry count of the end-of-central-directory record (None when absent or ZIP64), read before zipfile
    builds an object per entry, so that a directory of a million entries is refused cheaply."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    total = struct.unpack_from("<H", data, at + 10)[0]
    return None if total == 0xFFFF else total


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a ZIP by its central directory alone (nothing is extracted or decompressed)."""
    declared = _declared_entry_count(data)
    if declared is not None and declared > limits.max_zip_entries:
        raise FileRefused(_l("The ZIP archive has too many entries: at most %(count)d.",
                             count=limits.max_zip_entries))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(_l("This ZIP archive could not be read: it may be damaged. Create it again and upload "
                             "it.")) from None
    with archive:
        entries = archive.infolist()
    if not entries:
        raise FileRefused(_l("The ZIP archive is empty."))
    if len(entries) > limits.max_zip_entries:
        raise FileRefused(_l("The ZIP archive has too many entries: at most %(count)d.",
                             count=limits.max_zip_entries))
    total = 0
    for entry in entries:
        if not _safe_path(entry.orig_filename):
            raise FileRefused(_l("The ZIP archive contains an unsafe path (%(path)s): paths must be relative and "
                                 "must not contain “..”.",
                                 path=clean_display_name(entry.filename, fallback="?", max_length=80)))
        if (entry.external_attr >> 16) & S_IFMT == S_IFLNK:
            raise FileRefused(_l("The ZIP archive contains a symbolic link (%(path)s): links are not accepted.",
                                 path=clean_display_name(entry.filename, fallback="?", max_length=80)))
        if entry.flag_bits & 0x1:
            raise FileRefused(_l("The ZIP archive is encrypted or password-protected: upload it without a "
                                 "password."))
        if entry.file_size > limits.zip_ratio_min_size and (
                entry.compress_size <= 0 or entry.file_size > limits.max_zip_ratio * entry.compress_size):
            raise FileRefused(_l("The ZIP archive contains an entry that expands far too much when unpacked "
                                 "(a “ZIP bomb”)."))
        total += entry.file_size
    if total > limits.max_zip_uncompressed_bytes:
        raise FileRefused(_l("The ZIP archive would take %(size)s MB unpacked: at most %(max)s MB.",
                             size=f"{total / 1024 / 1024:.0f}",
                             max=f"{limits.max_zip_uncompressed_bytes / 1024 / 1024:g}"))
    # Entries whose data overlap are the trick of the densest ZIP bombs; honest archives never do it.
    spans = sorted((entry.header_offset, entry.compress_size) for entry in entries)
    for (offset, size), (next_offset, _next_size) in zip(spans, spans[1:]):
        if offset + size > next_offset:
            raise FileRefused(_l("The ZIP archive contains an entry that expands far too much when unpacked "
                                 "(a “ZIP bomb”)."))


def _safe_path(name: str) -> bool:
    if not name or "\x00" in name or name.startswith(("/", "\\")) or _DRIVE.match(name):
        return False
    return ".." not in re.split(r"[/\\]", name)


# --- a tiny PDF ------------------------------------------------------------------------------------------------------


def _pdf_text(line: str) -> str:
    latin = line.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\r", " ").replace("\n", " ")


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page A4 PDF showing `lines` in Helvetica (characters outside Latin-1 become "?"), written by
    hand with a correct cross-reference table: used by tests and the demo."""
    text_ops = ["BT", "/F1 20 Tf", "24 TL", "56 780 Td"]
    for index, line in enumerate(lines or [""]):
        text_ops.append(("" if index == 0 else "T* ") + f"({_pdf_text(line)}) Tj")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)
