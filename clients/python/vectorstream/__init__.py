"""Python client of vectorstream, a stream-native vector database (standard library only).

    >>> from vectorstream import Client
    >>> client = Client("http://localhost:8080")
    >>> client.search("example", text="how do satellites stay up", k=2)["results"][0]["chunkId"]
    'orbits'
"""

from .client import Client
from .errors import (BadRequestError, ConflictError, ConnectionFailedError, ForbiddenError,
                     InsufficientStorageError, NotFoundError, OverloadedError, PayloadTooLargeError, ServerError,
                     UnauthorizedError, UnavailableError, UnsupportedMediaTypeError, VectorStreamError)

__version__ = "0.1.0"

__all__ = [
    "Client", "VectorStreamError", "BadRequestError", "UnauthorizedError", "ForbiddenError", "NotFoundError",
    "ConflictError", "PayloadTooLargeError", "UnsupportedMediaTypeError", "OverloadedError", "ServerError",
    "UnavailableError", "InsufficientStorageError", "ConnectionFailedError", "__version__",
]
