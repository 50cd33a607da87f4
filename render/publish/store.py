"""The stores films are published to, behind one small interface: check, list, upload (verified),
link, sweep.

- :class:`S3Store`: AWS S3 and every S3-compatible store, through s3fs. A PUT is atomic: an object is
  whole under its key or not there; the store checks each body against its MD5 (``Content-MD5``) and
  the returned ETag is compared again; the sha256 goes along as object metadata. Large files go up
  in parts, and parts of an upload a killed run left behind are aborted by the next one.
- :class:`FolderStore`: SFTP (sshfs), WebDAV (webdav4) and a mounted share (``file://``). Each file
  goes to a temporary name beside its key, then is renamed over it, so no reader ever sees half a
  file; the size on the store is checked after the rename; temporaries a killed run left are swept.

Credentials are never handled here: each back end reads its own standard places.
"""

from __future__ import annotations

import base64
import netrc
import os
import posixpath
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from render.ground.formats import media_type
from render.ground.plugins import STORES

__all__ = ["Remote", "Store", "S3Store", "FolderStore", "open_store", "Mismatch", "TEMPORARY"]

SINGLE_PUT = 64 << 20  #: bytes up to which a file goes up in one PUT
TEMPORARY = ".happy-part"  #: the ending of a file on its way up
_CONNECT_SECONDS = 15


class Mismatch(OSError):
    """The store holds something other than what was sent (a transient fault: sent again)."""


@dataclass(frozen=True)
class Remote:
    """What a store says of one object: its size, and its ETag or an equivalent (None: none given)."""

    bytes: int
    etag: str | None


class Store:
    """A place to publish to: ``url`` as the scene gives it; ``ident`` names it in the manifest."""

    url: str
    ident: str
    host: str | None
    errors: tuple[type[BaseException], ...] = (OSError,)  #: what its back end raises when the store fails

    def check(self) -> None:
        """Raise (the back end's exception) when the bucket or folder cannot be reached or is missing."""
        raise NotImplementedError

    def listing(self, prefix: str) -> dict[str, Remote]:
        """Every object under ``prefix`` (a key's folder), by key."""
        raise NotImplementedError

    def upload(self, local: Path, key: str, size: int, sha256: str, md5: str) -> Remote:
        """Put ``local`` under ``key``, whole or not at all; raise :class:`Mismatch` when the store
        holds other bytes afterwards."""
        raise NotImplementedError

    def link(self, key: str, expires_s: float) -> str | None:
        """A link that opens ``key`` in a browser, if the store can give one."""
        return None

    def sweep(self, listing: dict[str, Remote], keys: set[str]) -> int:
        """Remove what killed uploads of ``keys`` left behind (nothing else); return how many."""
        return 0


class S3Store(Store):
    def __init__(self, url: str, endpoint: str | None, region: str | None) -> None:
        import s3fs

        parts = urlsplit(url)
        self.url, self.bucket, self.root = url, parts.netloc, parts.path.strip("/")
        endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        self.ident = f"{url} at {endpoint}" if endpoint else url
        self.host = urlsplit(endpoint).hostname if endpoint else "s3.amazonaws.com"
        # Tries are ours (the publisher's backoff); botocore's own would only multiply them.
        config = {"connect_timeout": _CONNECT_SECONDS, "read_timeout": 120, "retries": {"max_attempts": 1, "mode": "standard"}}
        self.fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True, config_kwargs=config,
                                    client_kwargs={"region_name": region} if region else {})
        import aiohttp
        import botocore.exceptions

        self.errors = (OSError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, aiohttp.ClientError)

    def _key(self, key: str) -> str:
        return f"{self.root}/{key}" if self.root else key

    def check(self) -> None:
        # A listing, not a HEAD: a HEAD's refusal carries no body, so bad keys and a missing right look alike.
        self.fs.call_s3("list_objects_v2", Bucket=self.bucket, Prefix=self.root, MaxKeys=1)

    def listing(self, prefix: str) -> dict[str, Remote]:
        found = self.fs.find(f"{self.bucket}/{self._key(prefix)}".rstrip("/"), detail=True)
        skip = len(f"{self.bucket}/{self.root}/") if self.root else len(f"{self.bucket}/")
        return {name[skip:]: Remote(int(info["size"]), _etag(info)) for name, info in found.items()
                if info.get("type") == "file"}

    def upload(self, local: Path, key: str, size: int, sha256: str, md5: str) -> Remote:
        kind = media_type(key)
        if size <= SINGLE_PUT:
            reply = self.fs.call_s3("put_object", Bucket=self.bucket, Key=self._key(key), Body=local.read_bytes(),
                                    ContentType=kind, ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode(),
                                    Metadata={"sha256": sha256})
            etag = str(reply.get("ETag", "")).strip('"') or None
            if etag is not None and "-" not in etag and etag != md5:
                raise Mismatch(f"the store's ETag {etag} is not the file's MD5")
            return Remote(size, etag)
        # In parts: s3fs aborts the upload when a part fails; the next run aborts what a kill left.
        self.fs.put_file(str(local), f"{self.bucket}/{self._key(key)}", ContentType=kind, Metadata={"sha256": sha256})
        head = self.fs.call_s3("head_object", Bucket=self.bucket, Key=self._key(key))
        if head.get("ContentLength") != size or head.get("Metadata", {}).get("sha256") != sha256:
            raise Mismatch("the stored object's size or sha256 is not the file's")
        return Remote(size, str(head.get("ETag", "")).strip('"') or None)

    def link(self, key: str, expires_s: float) -> str | None:
        return self.fs.url(f"{self.bucket}/{self._key(key)}", expires=int(expires_s))

    def sweep(self, listing: dict[str, Remote], keys: set[str]) -> int:
        # Only unfinished uploads of our own keys: anyone else's, however close their names, are left alone.
        ours = {self._key(key) for key in keys}
        prefix = posixpath.commonpath(sorted(ours)) if len(ours) > 1 else next(iter(ours), "")
        reply = self.fs.call_s3("list_multipart_uploads", Bucket=self.bucket, Prefix=prefix)
        left = [upload for upload in reply.get("Uploads", []) if upload.get("Key") in ours]
        for upload in left:
            self.fs.call_s3("abort_multipart_upload", Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        return len(left)


class FolderStore(Store):
    """A folder tree on SFTP, WebDAV or a mounted share: temporary name, then rename."""

    def __init__(self, url: str, fs: Any, root: str, host: str | None, rename: Any,
                 errors: tuple[type[BaseException], ...] = (OSError,)) -> None:
        self.url = self.ident = url
        self.errors = errors
        self.fs, self.root, self.host, self._rename = fs, root.rstrip("/"), host, rename
        self._made: set[str] = set()
        self._lock = threading.Lock()

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}" if self.root else key

    def check(self) -> None:
        info = self.fs.info(self.root)
        if info.get("type") != "directory":
            raise NotADirectoryError(f"{self.root} is not a folder")

    def listing(self, prefix: str) -> dict[str, Remote]:
        top = self._path(prefix).rstrip("/")
        try:
            found = self.fs.find(top, detail=True)
        except FileNotFoundError:
            return {}
        return {(name[len(self.root) + 1:] if self.root else name.lstrip("/")): Remote(int(info["size"]), _etag(info))
                for name, info in found.items() if info.get("type") == "file"}

    def upload(self, local: Path, key: str, size: int, sha256: str, md5: str) -> Remote:
        final = self._path(key)
        folder = posixpath.dirname(final)
        with self._lock:  # the others wait until the folder is there
            if folder and folder not in self._made:
                self.fs.makedirs(folder, exist_ok=True)
                self._made.add(folder)
        temporary = f"{folder + '/' if folder else ''}.{posixpath.basename(final)}.{secrets.token_hex(4)}{TEMPORARY}"
        try:
            self.fs.put_file(str(local), temporary)
            self._rename(temporary, final)
        except BaseException:
            _quietly(self.fs.rm_file, temporary)
            raise
        info = self.fs.info(final)
        if int(info["size"]) != size:
            raise Mismatch(f"{key}: {info['size']} bytes on the store, {size} here")
        return Remote(size, _etag(info))

    def sweep(self, listing: dict[str, Remote], keys: set[str]) -> int:
        # Only the temporaries of our own keys (".<name>.<8 hex>.happy-part" beside each).
        ours = {(posixpath.dirname(key), f".{posixpath.basename(key)}.") for key in keys}
        left = [key for key in listing if key.endswith(TEMPORARY) and
                (posixpath.dirname(key), posixpath.basename(key)[: -len(TEMPORARY) - 8]) in ours]
        for key in left:
            _quietly(self.fs.rm_file, self._path(key))
        return len(left)


def open_store(url: str, endpoint: str | None = None, region: str | None = None) -> Store:
    """The store ``url`` names (a URL already checked by the scene's schema), through the stores'
    registry (:data:`render.ground.plugins.STORES`)."""
    return STORES[urlsplit(url).scheme.lower()].load()(url, endpoint, region)


def open_s3(url: str, endpoint: str | None, region: str | None) -> Store:
    """An S3 bucket (AWS, or any S3-compatible store at ``endpoint``)."""
    return S3Store(url, endpoint, region)


def open_sftp(url: str, endpoint: str | None, region: str | None) -> Store:
    """A folder on an SSH server, its host key checked against known_hosts."""
    from sshfs import SSHFileSystem

    parts = urlsplit(url)
    # known_hosts=(): asyncssh's own default, ~/.ssh/known_hosts (sshfs would trust any host key).
    options: dict[str, Any] = {"connect_timeout": _CONNECT_SECONDS, "known_hosts": ()}
    if parts.username:
        options["username"] = parts.username
    import asyncssh

    fs = _connected(lambda: SSHFileSystem(parts.hostname, port=parts.port or 22, skip_instance_cache=True, **options),
                    (OSError, asyncssh.Error), url, parts.hostname)
    return FolderStore(url, fs, parts.path, parts.hostname, fs.mv, (OSError, asyncssh.Error))


def open_webdav(url: str, endpoint: str | None, region: str | None) -> Store:
    """A WebDAV folder (webdavs: over TLS), credentials from netrc or the environment."""
    from webdav4.fsspec import WebdavFileSystem

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.netloc.rpartition("@")[2]  # host[:port], an IPv6 address in its brackets
    base = f"{'https' if scheme == 'webdavs' else 'http'}://{host}{parts.path}"
    import httpx
    from webdav4.client import ClientError

    fs = WebdavFileSystem(base, auth=_webdav_auth(parts.hostname or "", parts.username), timeout=_CONNECT_SECONDS * 4)
    return FolderStore(url, fs, "", parts.hostname, lambda src, dst: fs.client.move(src, dst, overwrite=True),
                       (OSError, ClientError, httpx.HTTPError))


def open_folder(url: str, endpoint: str | None, region: str | None) -> Store:
    """A folder of this machine (a mounted share)."""
    from fsspec.implementations.local import LocalFileSystem

    fs = LocalFileSystem()
    return FolderStore(url, fs, urlsplit(url).path, None, lambda src, dst: os.replace(src, dst))


def _connected(make: Any, errors: tuple[type[BaseException], ...], url: str, host: str | None) -> Any:
    """An SFTP connection is made as the file system is: its faults said as the others are."""
    from render.publish.faults import fault

    try:
        return make()
    except errors as exc:
        raise fault(exc, url, host)[1] from exc


def _webdav_auth(host: str, user: str | None) -> tuple[str, str] | None:
    """User and password from netrc ($NETRC, else ~/.netrc), else $WEBDAV_USERNAME / $WEBDAV_PASSWORD."""
    try:
        entry = netrc.netrc(os.environ.get("NETRC")).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        entry = None
    if entry and (user is None or entry[0] == user):
        return entry[0], entry[2] or ""
    name, password = user or os.environ.get("WEBDAV_USERNAME"), os.environ.get("WEBDAV_PASSWORD")
    return (name, password or "") if name else None


def _etag(info: dict[str, Any]) -> str | None:
    """The store's ETag; else the size and modification time, which change when the file does."""
    etag = info.get("ETag") or info.get("etag")
    if etag:
        return str(etag).strip('"')
    when = info.get("mtime") or info.get("modified") or info.get("LastModified")
    if isinstance(when, datetime):
        when = when.timestamp()
    return f"{info.get('size')}-{int(when)}" if when is not None else None


def _quietly(action: Any, *args: Any) -> None:
    try:
        action(*args)
    except Exception:  # noqa: BLE001 - tidying after a failure that is being reported already
        pass
