"""A visitor's upload: the ``photo`` field of a multipart/form-data body, parsed in memory.

The body has already been read (and bounded) by the server; here it is split into its parts with
python-multipart's streaming parser, so that no part is ever spooled to a temporary file: a visitor's
photo is not written to disk unless the scene keeps photos.
"""

from __future__ import annotations

__all__ = ["UploadError", "photo_field", "form_fields"]

FIELD = "photo"


class UploadError(Exception):
    """A request whose body is not a form with a photo in it (HTTP 400)."""

    status = 400


def photo_field(content_type: str, body: bytes) -> bytes:
    """The bytes of the form's ``photo`` field."""
    fields = form_fields(content_type, body)
    if FIELD not in fields:
        raise UploadError(f"the form has no field named {FIELD!r}; send the photo in it")
    return fields[FIELD]


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """Every field of the form, by name (the first of a name given twice), each in memory."""
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not 0 < len(options.get(b"boundary", b"")) <= 70:  # RFC 2046's limit
        raise UploadError(f"send the photo as multipart/form-data in a field named {FIELD!r}")
    if not body:
        raise UploadError(f"the request is empty; send the photo in a field named {FIELD!r}")
    parts: list[dict] = []
    header: list[bytes] = [b"", b""]

    def begin() -> None:
        parts.append({"headers": {}, "data": []})

    def field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def header_end() -> None:
        parts[-1]["headers"][header[0].lower()] = header[1]
        header[0] = header[1] = b""

    def data(chunk: bytes, start: int, end: int) -> None:
        parts[-1]["data"].append(chunk[start:end])

    try:
        parser = MultipartParser(options[b"boundary"], {
            "on_part_begin": begin, "on_header_field": field, "on_header_value": value,
            "on_header_end": header_end, "on_part_data": data,
        })
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise UploadError(f"the form could not be read ({type(exc).__name__}); send the photo as "
                          f"multipart/form-data in a field named {FIELD!r}") from None
    fields: dict[str, bytes] = {}
    for part in parts:
        _, disposition = parse_options_header(part["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        fields.setdefault(name, b"".join(part["data"]))
    return fields
