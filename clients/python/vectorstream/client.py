"""A client of the vectorstream HTTP API, on the standard library only.

Every endpoint of ``/v1`` is a method. Request bodies are given as keyword arguments named as in
the REST body (``groupBy``, ``metadataSchema``); their snake_case spellings (``group_by``,
``metadata_schema``) work too. Answers are the service's JSON as dicts and lists.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import ConnectionFailedError, VectorStreamError, error_from_response

JsonObject = Dict[str, Any]

_TOKEN_HEADER = "X-Consistency-Token"
_API_KEY_HEADER = "X-Api-Key"
_SNAKE = re.compile(r"_([a-z0-9])")


def _camel(name: str) -> str:
    """``metadata_schema`` -> ``metadataSchema``; names without an underscore stay as they are."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


def _body(fields: Mapping[str, Any]) -> JsonObject:
    """The REST body of keyword arguments: names in camelCase, arguments left at None left out."""
    return {_camel(name): value for name, value in fields.items() if value is not None}


def _json_default(value: Any) -> Any:
    """Arrays and scalars of numpy (or anything with ``tolist``), without importing numpy."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _segment(identifier: str) -> str:
    if not isinstance(identifier, str) or not identifier:
        raise ValueError(f"an id must be a non-empty string, not {identifier!r}")
    return urllib.parse.quote(identifier, safe="")


class _Session:
    """The newest consistency token of this client's own writes, per partition of the events topic."""

    def __init__(self) -> None:
        self._offsets: Dict[int, int] = {}

    def observe(self, token: Optional[str]) -> None:
        if not token:
            return
        for part in token.split(","):
            partition, _, offset = part.strip().partition(":")
            try:
                p, o = int(partition), int(offset)
            except ValueError:
                continue  # not a token this client understands: ignore rather than fail the write
            if o > self._offsets.get(p, -1):
                self._offsets[p] = o

    def token(self) -> Optional[str]:
        if not self._offsets:
            return None
        return ",".join(f"{p}:{o}" for p, o in sorted(self._offsets.items()))

    def clear(self) -> None:
        self._offsets.clear()


class Client:
    """A vectorstream service at ``base_url``.

    Session consistency: the client remembers the consistency token of each of its own writes
    and sends the newest with its reads, searches and writes, so a program reads what it wrote
    without handling tokens (each call then waits, up to 10 s on the server, until those writes
    are applied). ``session_consistency=False`` switches it off: reads are then eventually consistent,
    unless a call passes ``consistency_token=`` itself.

    Requests that change nothing (reads, searches, counts, embeddings) are retried up to
    ``max_retries`` times when the service answers 429 or 503, after the ``Retry-After`` it names.
    """

    def __init__(self, base_url: str = "http://localhost:8080", api_key: Optional[str] = None,
                 timeout: float = 30.0, session_consistency: bool = True, max_retries: int = 2) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.session_consistency = session_consistency
        self.max_retries = max_retries
        self._session = _Session()

    # ----------------------------------------------------------------------------- session

    @property
    def consistency_token(self) -> Optional[str]:
        """The token the client sends with its reads: its writes' newest position per partition."""
        return self._session.token()

    def reset_session(self) -> None:
        """Forgets the writes seen so far: later reads no longer wait for them."""
        self._session.clear()

    # ----------------------------------------------------------------------------- libraries

    def create_library(self, name: Optional[str] = None, *, wait: bool = False, **fields: Any) -> JsonObject:
        """Creates a library: ``name``, and ``id``, ``dimension``, ``metric``, ``model``, ``index``,
        ``metadata``, ``metadataSchema`` as in the REST body. Without ``wait``, answers
        ``{"status": "accepted", "consistencyToken", ...}``; with it, the stored library."""
        return self._write("POST", "/v1/libraries", _body(dict(fields, name=name)), wait)

    def get_library(self, library_id: str, *, consistency_token: Optional[str] = None) -> JsonObject:
        """A library, with ``documentCount`` and ``chunkCount``."""
        return self._read("GET", f"/v1/libraries/{_segment(library_id)}", token=consistency_token)

    def list_libraries(self, *, limit: Optional[int] = None,
                       consistency_token: Optional[str] = None) -> Iterator[JsonObject]:
        """Every library, in id order; pages of ``limit`` are fetched as the iteration reaches them."""
        return self._pages("/v1/libraries", {"limit": limit}, consistency_token)

    def update_library(self, library_id: str, *, wait: bool = False, **fields: Any) -> JsonObject:
        """Changes ``name``, ``metadata``, ``index`` or ``metadataSchema`` (a PATCH)."""
        return self._write("PATCH", f"/v1/libraries/{_segment(library_id)}", _body(fields), wait)

    def delete_library(self, library_id: str, *, wait: bool = False) -> JsonObject:
        """Deletes a library with all its documents and chunks."""
        return self._write("DELETE", f"/v1/libraries/{_segment(library_id)}", None, wait)

    # ----------------------------------------------------------------------------- documents

    def put_document(self, library_id: str, document_id: str, *, wait: bool = False, **fields: Any) -> JsonObject:
        """Creates or replaces a document: ``metadata`` and optionally ``chunks`` (each a dict with
        its ``id``, ``text``, ``embedding``, ``metadata``), which then replace all its chunks."""
        return self._write("PUT", f"/v1/libraries/{_segment(library_id)}/documents/{_segment(document_id)}",
                           _body(fields), wait)

    def get_document(self, library_id: str, document_id: str, *,
                     consistency_token: Optional[str] = None) -> JsonObject:
        """A document, with ``chunkCount``."""
        return self._read("GET", f"/v1/libraries/{_segment(library_id)}/documents/{_segment(document_id)}",
                          token=consistency_token)

    def list_documents(self, library_id: str, *, limit: Optional[int] = None,
                       consistency_token: Optional[str] = None) -> Iterator[JsonObject]:
        """Every document of a library, in id order, page by page."""
        return self._pages(f"/v1/libraries/{_segment(library_id)}/documents", {"limit": limit}, consistency_token)

    def delete_document(self, library_id: str, document_id: str, *, wait: bool = False) -> JsonObject:
        """Deletes a document and its chunks."""
        return self._write("DELETE", f"/v1/libraries/{_segment(library_id)}/documents/{_segment(document_id)}",
                           None, wait)

    # ----------------------------------------------------------------------------- chunks

    def put_chunk(self, library_id: str, document_id: str, chunk_id: str, *, wait: bool = False,
                  **fields: Any) -> JsonObject:
        """Creates or replaces a chunk: ``text``, ``embedding`` (a list of floats or a numpy array;
        may be left out in a library with a model), ``metadata``."""
        return self._write("PUT", self._chunk_path(library_id, document_id, chunk_id), _body(fields), wait)

    def get_chunk(self, library_id: str, document_id: str, chunk_id: str, *,
                  consistency_token: Optional[str] = None) -> JsonObject:
        """A chunk, with its embedding."""
        return self._read("GET", self._chunk_path(library_id, document_id, chunk_id), token=consistency_token)

    def list_chunks(self, library_id: str, document_id: str, *, include_embedding: bool = False,
                    limit: Optional[int] = None, consistency_token: Optional[str] = None) -> Iterator[JsonObject]:
        """Every chunk of a document, in id order, page by page; embeddings only when asked for."""
        query = {"limit": limit, "include": "embedding" if include_embedding else None}
        return self._pages(f"/v1/libraries/{_segment(library_id)}/documents/{_segment(document_id)}/chunks",
                           query, consistency_token)

    def delete_chunk(self, library_id: str, document_id: str, chunk_id: str, *, wait: bool = False) -> JsonObject:
        """Deletes a chunk."""
        return self._write("DELETE", self._chunk_path(library_id, document_id, chunk_id), None, wait)

    # ----------------------------------------------------------------------------- search

    def search(self, library_id: str, vector: Optional[Sequence[float]] = None, *, text: Optional[str] = None,
               like: Union[None, Tuple[str, str], Mapping[str, str]] = None, k: Optional[int] = None,
               filter: Optional[Mapping[str, Any]] = None, consistency_token: Optional[str] = None,
               **options: Any) -> JsonObject:
        """The k nearest chunks to ``vector``, to ``text`` (embedded by the library's model) or,
        ``like=(document_id, chunk_id)``, to a stored chunk (itself left out); ``filter`` in the
        filter language, and every other search option named as in the REST body (``groupBy``,
        ``groupSize``, ``nprobe``, ``probes``, ``ef``, ``exact``, ``allowPartial``, ``maxLagOffsets``).
        Answers the whole response: ``results`` (or ``groups``), ``strategy``, ``exhaustive``..."""
        body = self._search_body(vector, text, like, k, filter, options)
        return self._read("POST", f"/v1/libraries/{_segment(library_id)}/search", body, consistency_token)

    def search_batch(self, library_id: str, searches: Sequence[Mapping[str, Any]], *,
                     consistency_token: Optional[str] = None) -> List[JsonObject]:
        """Up to 100 searches in one call (each a dict of the arguments of :meth:`search`), answers in order."""
        bodies = [self._search_body(s.get("vector"), s.get("text"), s.get("like"), s.get("k"), s.get("filter"),
                                    {n: v for n, v in s.items() if n not in ("vector", "text", "like", "k", "filter")})
                  for s in searches]
        answer = self._read("POST", f"/v1/libraries/{_segment(library_id)}/search/batch", {"searches": bodies},
                            consistency_token)
        return answer["responses"]

    def count(self, library_id: str, filter: Optional[Mapping[str, Any]] = None, *,
              consistency_token: Optional[str] = None) -> int:
        """The exact number of the library's chunks that match ``filter`` (all of them without one)."""
        body = {} if filter is None else {"filter": filter}
        return self._read("POST", f"/v1/libraries/{_segment(library_id)}/count", body, consistency_token)["count"]

    # ----------------------------------------------------------------------------- models

    def embed(self, texts: Sequence[str], *, model: Optional[str] = None,
              purpose: Optional[str] = None) -> JsonObject:
        """The embeddings of 1 to 256 texts: ``{"model", "dimension", "embeddings"}``; ``purpose``
        is ``"passage"`` (the default) or ``"query"``."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not one string")
        return self._request("POST", "/v1/embed", _body({"texts": list(texts), "model": model, "purpose": purpose}),
                             retry=True)[0]

    def models(self) -> List[JsonObject]:
        """The embedding models built into the service."""
        answer = self._request("GET", "/v1/models", None, retry=True)[0]
        return answer["models"] if isinstance(answer, dict) and "models" in answer else answer

    def cluster(self) -> JsonObject:
        """The service's instances and the shards each holds."""
        return self._request("GET", "/v1/cluster", None, retry=True)[0]

    # ----------------------------------------------------------------------------- plumbing

    @staticmethod
    def _chunk_path(library_id: str, document_id: str, chunk_id: str) -> str:
        return (f"/v1/libraries/{_segment(library_id)}/documents/{_segment(document_id)}"
                f"/chunks/{_segment(chunk_id)}")

    @staticmethod
    def _search_body(vector: Any, text: Optional[str], like: Any, k: Optional[int], filter: Any,
                     options: Mapping[str, Any]) -> JsonObject:
        if isinstance(like, tuple):
            like = {"documentId": like[0], "chunkId": like[1]}
        return _body(dict(options, vector=vector, text=text, like=like, k=k, filter=filter))

    def _write(self, method: str, path: str, body: Optional[JsonObject], wait: bool) -> JsonObject:
        # A write carries the session's token too: its checks (does the library exist?) then see
        # the writes before it, so a chunk put right after its library's create finds the library.
        answer, headers = self._request(method, path + ("?wait=true" if wait else ""), body, retry=False,
                                        headers=self._token_header(None))
        self._session.observe(headers.get(_TOKEN_HEADER) or (answer or {}).get("consistencyToken"))
        return answer

    def _read(self, method: str, path: str, body: Optional[JsonObject] = None,
              token: Optional[str] = None) -> Any:
        return self._request(method, path, body, retry=True, headers=self._token_header(token))[0]

    def _token_header(self, token: Optional[str]) -> Dict[str, str]:
        tokens = [t for t in (token, self._session.token() if self.session_consistency else None) if t]
        return {_TOKEN_HEADER: ",".join(tokens)} if tokens else {}

    def _pages(self, path: str, query: Mapping[str, Any], token: Optional[str]) -> Iterator[JsonObject]:
        parameters = {name: value for name, value in query.items() if value is not None}
        while True:
            page = self._read("GET", path + ("?" + urllib.parse.urlencode(parameters) if parameters else ""),
                              token=token)
            yield from page["items"]
            cursor = page.get("nextCursor")
            if not cursor:
                return
            parameters["cursor"] = cursor

    def _request(self, method: str, path: str, body: Optional[JsonObject], *, retry: bool,
                 headers: Optional[Mapping[str, str]] = None) -> Tuple[Any, Mapping[str, str]]:
        data = None if body is None else json.dumps(body, default=_json_default,
                                                    allow_nan=False).encode("utf-8")
        request_headers = {"Accept": "application/json"}
        if data is not None:
            request_headers["Content-Type"] = "application/json"
        if self.api_key:
            request_headers[_API_KEY_HEADER] = self.api_key
        request_headers.update(headers or {})
        attempt = 0
        while True:
            request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=request_headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return (json.loads(raw.decode("utf-8")) if raw else None), response.headers
            except urllib.error.HTTPError as failure:
                error = error_from_response(failure.code, failure.read(), failure.headers.get("Retry-After"))
                if not (retry and failure.code in (429, 503) and attempt < self.max_retries):
                    raise error from None
                attempt += 1
                time.sleep(error.retry_after if error.retry_after is not None else 1.0)
            except (urllib.error.URLError, OSError) as failure:
                reason = getattr(failure, "reason", failure)
                raise ConnectionFailedError(None, "connection_failed",
                                            f"{method} {self.base_url}{path}: {reason}") from None


__all__ = ["Client", "VectorStreamError"]
