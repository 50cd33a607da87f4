"""Where the films go after a render: the ``publish`` section (a store and what is put there), and
the ``youtube`` section (what the upload sidecar tells the YouTube Data API).

Nothing secret lives in a scene: a URL with a password is refused; credentials come from the
standard places (AWS variables and profiles, ssh keys and agent, netrc), read by the back ends.
"""

from __future__ import annotations

import re
import string
from typing import Any, Literal, Optional
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, field_validator

from render.ground.plugins import STORES
from render.scene.base import StrictFloat, StrictInt, _Spec

__all__ = ["PublishSpec", "YoutubeSpec", "FILE_KINDS", "KEY_FIELDS", "SCHEMES", "check_store_url"]

FileKind = Literal["video", "sidecar", "gif", "webp", "mov", "viewer", "stills", "readout", "frames", "crops"]
FILE_KINDS: tuple[str, ...] = FileKind.__args__  # type: ignore[attr-defined]
KEY_FIELDS = ("scene", "clip", "file", "name", "ext")
SCHEMES = tuple(STORES)  #: the stores' registry


def check_store_url(value: str) -> str:
    """``value``, normalised (scheme in lower case, no trailing slash), if it names a store the tool
    publishes to; ValueError saying what is wrong otherwise (a password never repeated)."""
    shown = redacted(value)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks it is a number)
    except ValueError as exc:
        raise ValueError(f"{shown!r} is not a URL ({redacted(str(exc))})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"{shown!r}: publish to s3://bucket/prefix, sftp://[user@]host[:port]/path, "
                         "webdav(s)://[user@]host[:port]/path or file:///path")
    if parts.password is not None:
        raise ValueError(f"{shown!r} carries a password: never put one in a scene; see the README's publishing "
                         "section for where credentials go")
    if parts.query or parts.fragment:
        raise ValueError(f"{shown!r}: a store URL has no ?query or #fragment")
    if scheme == "s3" and (not parts.hostname or parts.username or parts.port):
        raise ValueError(f"{shown!r}: write s3://bucket or s3://bucket/prefix (the endpoint goes in publish.endpoint_url)")
    if scheme == "s3" and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", parts.netloc):
        raise ValueError(f"{shown!r}: {parts.netloc!r} is not a bucket name (3 to 63 lower-case letters, digits, "
                         "'.' and '-')")
    if scheme in ("sftp", "webdav", "webdavs"):
        if not parts.hostname:
            raise ValueError(f"{shown!r}: name the host, e.g. {scheme}://host/path")
        if not _host_name(parts.hostname):
            raise ValueError(f"{shown!r}: {parts.hostname!r} is not a host name (labels of 1 to 63 characters, "
                             "253 in all) nor an IP address")
    if scheme == "sftp" and parts.path in ("", "/"):
        raise ValueError(f"{shown!r}: name the folder on the server, e.g. sftp://host/srv/films")
    if scheme == "file" and (parts.netloc or parts.path in ("", "/")):
        raise ValueError(f"{shown!r}: write file:///absolute/folder (three slashes)")
    if len(value) > 1000:
        raise ValueError(f"{shown[:60]!r}...: {len(value)} characters; a store URL has at most 1000")
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def redacted(text: str) -> str:
    """``text`` with the password of any URL in it replaced by ``***``."""
    return re.sub(r"(://[^/@\s:]*):[^/@\s]*@", r"\1:***@", text)


def _host_name(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(0 < len(label.encode("idna" if not label.isascii() else "ascii",
                                                         errors="replace")) <= 63 for label in labels)


class PublishSpec(_Spec):
    """Where ``render publish`` (and ``render SCENE --publish``) puts the scene's files."""

    to: Optional[str] = Field(
        None, description="The store: s3://bucket[/prefix] (AWS S3 or any S3-compatible store), "
        "sftp://[user@]host[:port]/path, webdav://[user@]host[:port]/path (webdavs:// over TLS) or "
        "file:///folder. Overridden by --to.")
    endpoint_url: Optional[str] = Field(
        None, pattern=r"^https?://[^\s/@]+(/[^\s]*)?$",
        description="S3 only: an S3-compatible store's address (MinIO, R2, B2, SeaweedFS...); default: "
        "$AWS_ENDPOINT_URL, else AWS.")
    region: Optional[str] = Field(None, pattern=r"^[a-z0-9-]{1,40}$", description="S3 only: the bucket's region.")
    key: str = Field(
        "{scene}/{file}", min_length=1, max_length=500,
        description="Where each file goes under the store's URL: {scene}, {clip}, {file} (its path in the "
        "scene's folder, e.g. face-0.mp4 or stills/mean.png), {name} (without its extension), {ext}.")
    files: tuple[FileKind, ...] = Field(
        ("video", "sidecar"), min_length=1,
        description="What is published of each clip: video (the MP4 and the WebM), sidecar, gif, webp, mov (ProRes, "
        "for editing: large), viewer, stills, readout, frames, crops.")
    public_url: Optional[str] = Field(
        None,
        description="The address the store's files are public at (a public bucket, a CDN, a web server's "
        "folder): share links are this plus the key. Default for S3: presigned links.")
    expires_days: StrictFloat = Field(
        7.0, ge=1 / 24, le=7.0, description="S3 presigned links stay valid this many days: at least an hour "
        "(1/24, 0.0417: a shorter link may be dead before anyone opens it), at most 7 (S3's limit).")
    jobs: StrictInt = Field(16, ge=1, le=64, description="Files uploaded at once.")

    @field_validator("files", mode="before")
    @classmethod
    def _one_kind_or_more(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value  # files: gif, as a list of one

    @field_validator("to")
    @classmethod
    def _store(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_store_url(value)

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        if not re.fullmatch(r"https?://[^\s/@]+(/[^\s]*)?", value) or len(value) > 500:
            raise ValueError(f"{redacted(value)[:80]!r}: write http(s)://host/folder, without a user or password, "
                             "in at most 500 characters")
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        try:
            fields = [f for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ValueError(f"{value!r}: {exc}; write fields as {{scene}}, {{clip}}, {{file}}, {{name}}, {{ext}}") from None
        unknown = [f for f in fields if f not in KEY_FIELDS]
        if unknown:
            raise ValueError(f"{value!r}: unknown field {{{unknown[0]}}}; use {', '.join('{%s}' % f for f in KEY_FIELDS)}")
        if "file" not in fields and not {"name", "ext"} <= set(fields):
            raise ValueError(f"{value!r} would put several files under one key: include {{file}}, or {{name}} and {{ext}}")
        if any(spec or conv for _, f, spec, conv in string.Formatter().parse(value) if f is not None):
            raise ValueError(f"{value!r}: write fields plainly, as {{scene}}, without a format or a conversion")
        sample = value.format(scene="scene", clip="clip", file="frames/clip/0000.png", name="frames/clip/0000", ext="png")
        if "\\" in value or any(part in ("", ".", "..") or part.startswith(".") for part in sample.split("/")):
            raise ValueError(f"{value!r}: a key is a relative path of names, without '//', a trailing '/', "
                             "names starting with '.' (hidden, or '..'), or backslashes")
        return value


class YoutubeSpec(_Spec):
    """What the upload sidecar's ``youtube`` body (YouTube Data API ``videos.insert``) says."""

    category: StrictInt = Field(1, ge=1, le=44, description="categoryId: 1 Film & Animation, 22 People & Blogs, 27 Education...")
    privacy: Literal["private", "unlisted", "public"] = Field("private", description="privacyStatus of the upload.")
    made_for_kids: bool = Field(False, description="selfDeclaredMadeForKids.")
    license: Literal["youtube", "creativeCommon"] = Field("youtube", description="The video's licence.")


def tags_problem(tags: tuple[str, ...]) -> Optional[str]:
    """YouTube's rule for tags: at most 500 characters together, a tag with a space counting its quotes,
    commas between; no '<' or '>'."""
    if any(set(tag) & set("<>,") for tag in tags):
        return "tags may not contain '<', '>' or ','"
    length = sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + max(len(tags) - 1, 0)
    if length > 500:
        return f"the tags take {length} characters as YouTube counts them (at most 500); drop some"
    return None
