"""What went wrong with a store, in one line and an exit code; and whether trying again may help.

The back ends (s3fs/botocore, sshfs/asyncssh, webdav4/httpx) raise their own exceptions, often one
wrapped in another; :func:`fault` walks the chain and sorts them: permanent faults (unknown host,
credentials or permission refused, no such bucket or folder, no space) are said at once; the others
(refused or dropped connections, time-outs, a server's 5xx) are transient, tried again with backoff,
and said as an unreachable store when the tries run out.
"""

from __future__ import annotations

import errno
import socket
from typing import Iterator

from render.errors import ExitCode, PublishError

__all__ = ["fault"]

_DENIED_WORDS = ("access key", "accesskeyid", "signature", "credentials", "authoriz", "authenticat", "401")
_FULL_WORDS = ("quota", "storage full", "no space", "insufficient storage", "entitytoolarge")
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def fault(exc: BaseException, store: str, host: str | None) -> tuple[bool, PublishError]:
    """(transient, the error to say) for ``exc`` raised while publishing to ``store``."""
    chain = list(_chain(exc))
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain).lower()
    where = host or store
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service not known" in text \
            or "name resolution" in text or "nodename nor servname" in text:
        return False, PublishError(f"{store}: cannot find the host {where!r}; check its name in the URL or endpoint",
                                   ExitCode.UNREACHABLE)
    if "NoCredentialsError" in names or "unable to locate credentials" in text:
        return False, PublishError(f"{store}: no credentials found; set them where the README's publishing section "
                                   "says they are read from", ExitCode.DENIED)
    if "ParamValidationError" in names:
        return False, PublishError(f"{store}: the store's client refused the request "
                                   f"({_first_line(exc)}); check the URL and publish.key", ExitCode.UNREACHABLE)
    if "HostKeyNotVerifiable" in names:
        return False, PublishError(f"{store}: the host key of {where} is not in ~/.ssh/known_hosts; connect once with "
                                   f"ssh {where} to check and trust it", ExitCode.DENIED)
    if any(isinstance(e, OSError) and e.errno in _FULL_ERRNOS for e in chain) or "InsufficientStorage" in names \
            or any(word in text for word in _FULL_WORDS):
        return False, PublishError(f"{store}: the store is full (no space left or quota exceeded); free some and "
                                   "publish again", ExitCode.FULL)
    if any(isinstance(e, OSError) and e.errno == errno.EROFS for e in chain) or "read-only file system" in text:
        return False, PublishError(f"{store}: the folder is on a read-only file system; publish to a writable one",
                                   ExitCode.DENIED)
    if any(isinstance(e, OSError) and e.errno == errno.ELOOP for e in chain) or "too many levels of symbolic links" in text:
        return False, PublishError(f"{store}: the folder's path goes round a loop of links; point publish.to at the "
                                   "folder itself", ExitCode.DENIED)
    if "PermissionDenied" in names or (_status(chain) == 401) or (
            any(isinstance(e, PermissionError) for e in chain) and any(w in text for w in _DENIED_WORDS)):
        return False, PublishError(f"{store}: the credentials were refused; check them where the README's "
                                   "publishing section says they are read from", ExitCode.DENIED)
    if any(isinstance(e, PermissionError) for e in chain) or _status(chain) == 403 or "ForbiddenOperation" in names:
        return False, PublishError(f"{store}: permission denied; the account may not write there", ExitCode.DENIED)
    if any(isinstance(e, (FileNotFoundError, NotADirectoryError)) for e in chain) or _status(chain) == 404 \
            or "ResourceNotFound" in names:
        return False, PublishError(f"{store}: no such bucket or folder; create it, or correct the URL",
                                   ExitCode.NO_FOLDER)
    status = _status(chain) or _code(chain)
    if status is not None and 400 <= status < 500 and status not in (408, 429):  # the request itself is wrong
        return False, PublishError(f"{store}: the store refused the request ({status}: {_first_line(exc)}); "
                                   "check the URL and publish.key", ExitCode.UNREACHABLE)
    refused = any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text \
        or "connect call failed" in text
    reason = "refused the connection (is the server running, and the port right?)" if refused else \
        f"stopped answering ({_first_line(exc)})"
    return True, PublishError(f"{store}: {where} {reason}", ExitCode.UNREACHABLE)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status(chain: list[BaseException]) -> int | None:
    """The HTTP status a WebDAV or S3 error carries, if any."""
    for e in chain:
        for holder in (e, getattr(e, "response", None)):
            status = getattr(holder, "status_code", None)
            if isinstance(status, int):
                return status
    return None


def _code(chain: list[BaseException]) -> int | None:
    """The HTTP status a botocore ClientError carries in its response."""
    for e in chain:
        response = getattr(e, "response", None)
        if isinstance(response, dict):
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if isinstance(status, int):
                return status
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
