"""The errors a vectorstream service answers, as exceptions.

Every error the service sends is JSON, ``{"error": {"code", "message", "field"}}``; the client
raises the exception class of its HTTP status, carrying ``status``, ``code``, ``message`` and
``field`` (the dotted path of the offending field, e.g. ``chunks[1].embedding``, or ``None``).
"""

from __future__ import annotations

import json
from typing import Dict, Optional, Type


class VectorStreamError(Exception):
    """An error answered by the service, or the service not answering at all (``status`` ``None``)."""

    def __init__(self, status: Optional[int], code: str, message: str, field: Optional[str] = None,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (field {field})" if field else "")
                         if status is not None else f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


class BadRequestError(VectorStreamError):
    """400: a body, parameter, filter or token the service refuses; ``field`` names it."""


class UnauthorizedError(VectorStreamError):
    """401: no API key, or one this deployment does not know."""


class ForbiddenError(VectorStreamError):
    """403: the key's scope or libraries do not cover the request."""


class NotFoundError(VectorStreamError):
    """404: no such library, document, chunk or endpoint."""


class ConflictError(VectorStreamError):
    """409: a library id that exists, or a waited-for write another write overtook."""


class PayloadTooLargeError(VectorStreamError):
    """413: a body or a field past its limit."""


class UnsupportedMediaTypeError(VectorStreamError):
    """415: a body that is not JSON (the client always sends JSON)."""


class OverloadedError(VectorStreamError):
    """429: the embedding model is busy; retry after ``retry_after`` seconds."""


class ServerError(VectorStreamError):
    """500: the model failed, or something unexpected (the server's log has the details)."""


class UnavailableError(VectorStreamError):
    """503: not running yet, a shard cannot answer now, a token not applied in time, or at capacity."""


class InsufficientStorageError(VectorStreamError):
    """507: a write past the instance's index memory budget."""


class ConnectionFailedError(VectorStreamError):
    """The service could not be reached, or did not answer within the timeout (``status`` is None)."""


_BY_STATUS: Dict[int, Type[VectorStreamError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    429: OverloadedError,
    500: ServerError,
    503: UnavailableError,
    507: InsufficientStorageError,
}


def error_from_response(status: int, body: bytes, retry_after: Optional[str] = None) -> VectorStreamError:
    """The exception for an error answer: its class by status, its fields from the JSON body."""
    code, message, field = "http_" + str(status), "", None
    try:
        error = json.loads(body.decode("utf-8"))["error"]
        code = error.get("code") or code
        message = error.get("message") or ""
        field = error.get("field")
    except (ValueError, KeyError, TypeError, AttributeError):
        message = body.decode("utf-8", "replace")[:500]  # not the service's JSON: a proxy's page, say
    seconds: Optional[float] = None
    if retry_after is not None:
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = None
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else VectorStreamError)
    return cls(status, code, message, field, seconds)
