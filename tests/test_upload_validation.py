"""Unit tests of hackathon/submissions/files.py (no app): display names, type by content and name, image
re-encoding (pixel bombs, EXIF), ZIP inspection (bombs, paths, links, encryption), SVG/HTML refused, the tiny
PDF the tests and the demo use."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from PIL import Image

from hackathon.submissions.files import (CheckedFile, FileRefused, Limits, check_file, clean_display_name,
                                         minimal_pdf, sniff)
from hackathon.submissions.models import DISPLAY_NAME_MAX, AttachmentKind


def image_bytes(fmt: str = "PNG", size=(40, 30), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else None).save(buffer, fmt, **save)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's first bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


def zip_bytes(entries, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for entry, content in entries:
            archive.writestr(entry, content)
    return buffer.getvalue()


def refused(kind, name, data, limits=None) -> str:
    with pytest.raises(FileRefused) as error:
        check_file(kind, name, data, limits)
    return str(error.value.message)


# --- display names ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("C:\\Users\\aida\\Desktop\\deck.pdf", "deck.pdf"),
    ("отчёт.pdf", "отчёт.pdf"),
    ("Жоба — презентация.pdf", "Жоба — презентация.pdf"),
    ("deck\r\nSet-Cookie: x=1.pdf", "deck Set-Cookie: x=1.pdf"),
    ("🚀 launch 🎉.png", "🚀 launch 🎉.png"),
    ("invoice\u202Efdp.exe", "invoicefdp.exe"),
    ("a\u2066b\u2069c\u200bd\ufeff.pdf", "abcd.pdf"),
    ("name\x00with\x07controls.pdf", "namewithcontrols.pdf"),
    ("  many \t  spaces   .pdf  ", "many spaces .pdf"),
    ("...hidden.pdf...", "hidden.pdf"),
    ("e\u0301te\u0301.png", "\u00e9t\u00e9.png"),  # NFC
    ("bad\ud800surrogate.pdf", "badsurrogate.pdf"),
])
def test_display_names_are_cleaned(raw, expected):
    assert clean_display_name(raw, "file.pdf") == expected


@pytest.mark.parametrize("raw", ["", None, "   ", "...", "../", "\u202e\u200b", "\r\n"])
def test_a_display_name_is_never_empty(raw):
    assert clean_display_name(raw, "file.pdf") == "file.pdf"


def test_long_names_keep_their_extension():
    name = clean_display_name("ж" * 400 + ".pdf", "file.pdf")
    assert len(name) == DISPLAY_NAME_MAX and name.endswith("ж.pdf")
    no_extension = clean_display_name("x" * 400, "file.pdf")
    assert no_extension == "x" * DISPLAY_NAME_MAX


def test_a_cleaned_name_has_no_control_or_format_characters():
    import unicodedata

    nasty = "".join(chr(c) for c in range(0, 0x40)) + "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067" \
        "\u2068\u2069\u2028\u2029\u00ad.pdf"
    name = clean_display_name(nasty, "file.pdf")
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in name)
    assert "\r" not in name and "\n" not in name and "/" not in name and "\\" not in name


# --- content sniffing and types -----------------------------------------------------------------------------------


def test_a_pdf_is_a_deck():
    data = minimal_pdf(["Pitch deck"])
    checked = check_file(AttachmentKind.deck, "Deck.PDF", data)
    assert isinstance(checked, CheckedFile)
    assert (checked.content, checked.content_type, checked.display_name) == (data, "application/pdf", "Deck.PDF")
    assert checked.width is None and len(checked.sha256) == 64 and checked.size == len(data)


def test_a_wrong_type_renamed_pdf_is_refused():
    message = refused("deck", "deck.pdf", image_bytes("PNG"))
    assert "must be a PDF" in message
    assert "must be a PDF" in refused("deck", "deck.pdf", b"MZ\x90\x00 not really a program")
    assert "must be a PDF" in refused("deck", "deck.pdf", zip_bytes([("a.txt", "x")]))


def test_a_pdf_needs_its_extension():
    assert ".pdf" in refused("deck", "deck.exe", minimal_pdf(["x"]))
    assert ".pdf" in refused("deck", "invoice\u202Efdp.exe", minimal_pdf(["x"]))
    assert check_file("deck", "", minimal_pdf(["x"])).display_name == "file.pdf"


@pytest.mark.parametrize("data", [
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"\xef\xbb\xbf  <!DOCTYPE html><html><script>alert(1)</script></html>",
    b"\n\n<html><body onload=alert(1)>",
    "<svg/onload=alert(1)>".encode("utf-16"),
])
@pytest.mark.parametrize("kind, name", [("screenshot", "shot.png"), ("deck", "deck.pdf"),
                                        ("archive", "code.zip")])
def test_svg_and_html_are_refused_even_renamed(data, kind, name):
    assert "SVG and HTML" in refused(kind, name, data)


def test_the_sniffer():
    assert sniff(minimal_pdf(["x"])) == "pdf"
    assert sniff(image_bytes("PNG")) == "png"
    assert sniff(image_bytes("JPEG")) == "jpeg"
    assert sniff(image_bytes("WEBP")) == "webp"
    assert sniff(zip_bytes([("a", "b")])) == "zip"
    assert sniff(b"GIF89a....") is None
    assert sniff(b"") is None


def test_empty_and_unknown_files_are_refused():
    assert "empty" in refused("deck", "deck.pdf", b"")
    assert "PNG, JPEG or WebP" in refused("screenshot", "anim.gif", image_bytes("GIF"))
    assert "PNG, JPEG or WebP" in refused("screenshot", "shot.png", minimal_pdf(["x"]))
    assert "must be a ZIP" in refused("archive", "data.zip", b"Rar!\x1a\x07\x00")


# --- images ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, name, content_type", [("PNG", "a.png", "image/png"), ("JPEG", "a.jpg", "image/jpeg"),
                                                      ("JPEG", "a.JPEG", "image/jpeg"),
                                                      ("WEBP", "a.webp", "image/webp")])
def test_images_are_reencoded_in_their_format(fmt, name, content_type):
    data = image_bytes(fmt, (64, 48))
    checked = check_file("screenshot", name, data)
    assert checked.content_type == content_type and (checked.width, checked.height) == (64, 48)
    assert Image.open(io.BytesIO(checked.content)).format == fmt
    assert checked.display_name == name


def test_a_screenshot_needs_an_image_extension():
    assert ".png, .jpg, .jpeg, .webp" in refused("screenshot", "shot.pdf", image_bytes("PNG"))
    assert ".png" in refused("screenshot", "shot", image_bytes("PNG"))


def test_a_misnamed_image_gets_the_extension_of_its_content():
    checked = check_file("screenshot", "photo.jpg", image_bytes("PNG"))
    assert checked.content_type == "image/png" and checked.display_name == "photo.png"


def test_a_png_bomb_is_refused_without_decoding():
    bomb = png_declaring(20000, 20000)
    assert len(bomb) < 200
    assert "too large" in refused("screenshot", "bomb.png", bomb)
    # Under Pillow's own limit but over ours.
    assert "too large" in refused("screenshot", "big.png", png_declaring(6000, 6000))
    limits = Limits(max_image_pixels=100)
    assert "0.0001 million pixels" in refused("screenshot", "small.png", image_bytes("PNG", (11, 10)), limits)
    assert check_file("screenshot", "ok.png", image_bytes("PNG", (10, 10)), limits).width == 10


def test_damaged_images_are_refused():
    data = image_bytes("PNG", (200, 200))
    assert "could not be read" in refused("screenshot", "cut.png", data[:len(data) // 2])
    assert "could not be read" in refused("screenshot", "cut.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    assert "could not be read" in refused("screenshot", "head.png", png_declaring(10, 10))


def test_exif_is_stripped_and_the_photo_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6            # orientation: rotate 90° clockwise to display
    exif[0x010F] = "SpyCam"     # make
    exif[0x0131] = "Secret editor 1.0"
    data = image_bytes("JPEG", (80, 40), exif=exif.tobytes(), comment=b"hidden comment")
    assert b"SpyCam" in data
    checked = check_file("screenshot", "photo.jpg", data)
    assert (checked.width, checked.height) == (40, 80)
    assert b"SpyCam" not in checked.content and b"Exif" not in checked.content
    assert b"hidden comment" not in checked.content
    cleaned = Image.open(io.BytesIO(checked.content))
    assert not dict(cleaned.getexif()) and "exif" not in cleaned.info and "comment" not in cleaned.info


def test_png_text_chunks_and_appended_data_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Someone private")
    data = image_bytes("PNG", pnginfo=info) + b"<script>alert(1)</script>"
    checked = check_file("screenshot", "shot.png", data)
    assert b"Someone private" not in checked.content and b"<script>" not in checked.content


def test_transparent_and_palette_images_survive():
    checked = check_file("screenshot", "t.png", image_bytes("PNG", mode="RGBA"))
    assert Image.open(io.BytesIO(checked.content)).mode == "RGBA"
    checked = check_file("screenshot", "p.png", image_bytes("PNG", mode="P"))
    assert Image.open(io.BytesIO(checked.content)).format == "PNG"
    checked = check_file("screenshot", "cmyk.jpg", image_bytes("JPEG", mode="CMYK"))
    assert Image.open(io.BytesIO(checked.content)).mode == "RGB"


# --- ZIP archives --------------------------------------------------------------------------------------------------


def test_an_honest_zip_is_accepted_as_it_is():
    data = zip_bytes([("project/README.md", "# Taza Suu\n"), ("project/src/main.py", "print('hi')\n" * 50),
                      ("project/data/", "")])
    checked = check_file("archive", "code.zip", data)
    assert checked.content == data and checked.content_type == "application/zip"


def test_a_zip_needs_its_extension():
    assert ".zip" in refused("archive", "report.docx", zip_bytes([("word/document.xml", "<w/>")]))


def test_a_zip_bomb_is_refused():
    bomb = zip_bytes([("zeros.bin", b"\x00" * (10 * 1024 * 1024))])
    assert len(bomb) < 100_000
    assert "ZIP bomb" in refused("archive", "bomb.zip", bomb)


def test_the_sum_of_declared_sizes_is_limited():
    data = zip_bytes([(f"part{i}.txt", bytes(range(256)) * 40) for i in range(5)], compression=zipfile.ZIP_STORED)
    assert check_file("archive", "ok.zip", data)
    message = refused("archive", "big.zip", data, Limits(max_zip_uncompressed_bytes=40_000))
    assert "unpacked" in message


def test_too_many_entries_are_refused():
    data = zip_bytes([(f"f{i}.txt", "x") for i in range(11)])
    assert "too many entries: at most 10" in refused("archive", "many.zip", data, Limits(max_zip_entries=10))
    assert check_file("archive", "many.zip", data, Limits(max_zip_entries=11))
    default = zip_bytes([(f"f{i}", "") for i in range(2001)])
    assert "at most 2000" in refused("archive", "many.zip", default)


@pytest.mark.parametrize("path", ["../../etc/passwd", "project/../../../etc/cron.d/x", "/etc/passwd",
                                  "\\windows\\evil.dll", "..\\..\\evil.bat", "C:\\evil.bat", "c:/evil.bat",
                                  "a/..", ".."])
def test_unsafe_paths_are_refused(path):
    data = zip_bytes([("ok.txt", "fine"), (zipfile.ZipInfo(path), "pwned")])
    assert "unsafe path" in refused("archive", "evil.zip", data)


def test_symbolic_links_are_refused():
    link = zipfile.ZipInfo("project/link")
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    data = zip_bytes([("project/ok.txt", "fine"), (link, "/etc/passwd")])
    assert "symbolic link" in refused("archive", "links.zip", data)


def test_encrypted_entries_are_refused():
    data = bytearray(zip_bytes([("secret.txt", "x" * 100)]))
    # Set the "encrypted" bit in the local and the central header.
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        flags = struct.unpack_from("<H", data, at + flag_at)[0]
        struct.pack_into("<H", data, at + flag_at, flags | 0x1)
    assert "encrypted" in refused("archive", "secret.zip", bytes(data))


def test_overlapping_entries_are_refused():
    data = bytearray(zip_bytes([("a.txt", "a" * 1000), ("b.txt", "b" * 1000)]))
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)  # b.txt's local header offset now points at a.txt
    assert "ZIP bomb" in refused("archive", "overlap.zip", bytes(data))


def test_damaged_and_empty_zips_are_refused():
    data = zip_bytes([("a.txt", "a")])
    assert "could not be read" in refused("archive", "cut.zip", data[:20])
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    assert "must be a ZIP" in refused("archive", "empty.zip", empty.getvalue())  # no local header at all


# --- the tiny PDF --------------------------------------------------------------------------------------------------


def test_minimal_pdf_is_well_formed():
    data = minimal_pdf(["Taza Suu", "Clean water (for all)", "Отчёт \\ 100%"])
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    assert b"(Clean water \\(for all\\)) Tj" in data and b"(?????" in data
    xref_at = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[xref_at:].startswith(b"xref\n0 6\n")
    entries = data[xref_at:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        assert len(entry) + 1 == 20 and entry.endswith(b" n ")
        assert data[int(entry[:10]):].startswith(f"{number} 0 obj\n".encode())
    length = int(re.search(rb"/Length (\d+)", data).group(1))
    start = data.index(b"stream\n") + len(b"stream\n")
    assert data[start + length:].startswith(b"\nendstream")
    assert check_file("deck", "deck.pdf", data).content == data


def test_the_declared_entry_count_is_checked_before_reading_the_directory(monkeypatch):
    data = zip_bytes([(f"f{i}.txt", "x") for i in range(11)])

    def never(*args, **kwargs):
        raise AssertionError("the central directory should not be read")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    assert "at most 10" in refused("archive", "many.zip", data, Limits(max_zip_entries=10))
