"""The Python client against a real vectorstream service (see service.py for which one)."""

from __future__ import annotations

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package from this checkout, installed or not
sys.path.insert(0, str(Path(__file__).resolve().parent))

from service import SERVICE, unique  # noqa: E402

import vectorstream  # noqa: E402
from vectorstream import (BadRequestError, Client, ConflictError, ConnectionFailedError,  # noqa: E402
                          ForbiddenError, InsufficientStorageError, NotFoundError, OverloadedError,
                          PayloadTooLargeError, ServerError, UnauthorizedError, UnavailableError, VectorStreamError)
from vectorstream.errors import error_from_response  # noqa: E402


def setUpModule() -> None:
    SERVICE.start()


def tearDownModule() -> None:
    SERVICE.stop()


def client(**options) -> Client:
    return Client(SERVICE.url, api_key=SERVICE.admin_key, **options)


class Vector:
    """Stands for a numpy array: anything with ``tolist`` is sent as its list."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def tolist(self):
        return self.values


class LibrariesTest(unittest.TestCase):

    def test_create_read_update_list_and_delete_a_library(self) -> None:
        api = client()
        lib = unique("lib")
        created = api.create_library("Points", id=lib, dimension=3, metric="l2", metadata={"team": "search"},
                                     wait=True)
        self.assertEqual((lib, "Points", 3, "l2"), (created["id"], created["name"], created["dimension"],
                                                   created["metric"]))
        api.update_library(lib, name="Renamed", index={"kind": "ivf", "params": {"nlist": 4}})
        library = api.get_library(lib)  # read-your-writes: the rename without a token in this code
        self.assertEqual("Renamed", library["name"])
        self.assertEqual("ivf", library["index"]["kind"])
        self.assertIn(lib, [item["id"] for item in api.list_libraries(limit=1)])
        api.delete_library(lib)
        with self.assertRaises(NotFoundError) as missing:
            api.get_library(lib)
        self.assertEqual((404, "not_found"), (missing.exception.status, missing.exception.code))

    def test_snake_case_names_are_sent_as_the_rest_bodys_camel_case(self) -> None:
        api = client()
        lib = unique("typed")
        api.create_library("Typed", id=lib, dimension=2, metadata_schema={"year": "number"})
        api.put_document(lib, "d")
        self.assertEqual({"year": "number"}, api.get_library(lib)["metadataSchema"])
        with self.assertRaises(BadRequestError) as refused:
            api.put_chunk(lib, "d", "c", embedding=[1, 0], metadata={"year": "last"})
        self.assertEqual("metadata.year", refused.exception.field)


class DocumentsAndChunksTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls) -> None:
        cls.api = client()
        cls.lib = unique("docs")
        cls.api.create_library("Docs", id=cls.lib, dimension=2, metric="l2")

    def test_documents_and_chunks_round_trip(self) -> None:
        api, lib = self.api, self.lib
        api.put_document(lib, "trip", metadata={"title": "Trip"}, chunks=[
            {"id": "a", "text": "first", "embedding": [1, 0], "metadata": {"page": 1}},
            {"id": "b", "text": "second", "embedding": [0, 1]}])
        self.assertEqual(2, api.get_document(lib, "trip")["chunkCount"])
        api.put_chunk(lib, "trip", "c", text="third", embedding=Vector(3, 4), metadata={"page": 3})
        chunk = api.get_chunk(lib, "trip", "c")
        self.assertEqual(("third", [3.0, 4.0], {"page": 3}), (chunk["text"], chunk["embedding"], chunk["metadata"]))
        listed = list(api.list_chunks(lib, "trip", limit=2))
        self.assertEqual(["a", "b", "c"], [c["id"] for c in listed], "pages followed in id order")
        self.assertNotIn("embedding", listed[0])
        self.assertEqual([1.0, 0.0], next(api.list_chunks(lib, "trip", include_embedding=True))["embedding"])
        deleted = api.delete_chunk(lib, "trip", "b", wait=True)
        self.assertEqual("deleted", deleted["status"])
        self.assertEqual(["a", "c"], [c["id"] for c in api.list_chunks(lib, "trip")])
        api.delete_document(lib, "trip")
        with self.assertRaises(NotFoundError):
            api.get_chunk(lib, "trip", "a")

    def test_listing_documents_follows_cursors_across_pages(self) -> None:
        api, lib = self.api, self.lib
        for i in range(25):
            api.put_document(lib, f"page-{i:02d}", metadata={"i": i})
        ids = [d["id"] for d in api.list_documents(lib, limit=10) if d["id"].startswith("page-")]
        self.assertEqual([f"page-{i:02d}" for i in range(25)], ids)

    def test_numpy_arrays_when_numpy_is_installed(self) -> None:
        try:
            import numpy  # noqa: F401
        except ImportError:
            self.skipTest("numpy is not installed (the client never needs it)")
        self.api.put_document(self.lib, "np")
        self.api.put_chunk(self.lib, "np", "v", embedding=numpy.array([0.5, 0.25], dtype=numpy.float32))
        self.assertEqual([0.5, 0.25], self.api.get_chunk(self.lib, "np", "v")["embedding"])


class ConsistencyTest(unittest.TestCase):

    def test_a_program_reads_its_own_writes_without_handling_tokens(self) -> None:
        api = client()
        lib = unique("ryw")
        api.create_library("RYW", id=lib, dimension=2, metric="l2")
        api.put_document(lib, "d")
        for i in range(15):
            api.put_chunk(lib, "d", "c", text=f"version {i}", embedding=[i, 1])
            self.assertEqual(f"version {i}", api.get_chunk(lib, "d", "c")["text"])
            hit = api.search(lib, [i, 1], k=1)["results"][0]
            self.assertEqual((f"version {i}", 0.0), (hit["text"], hit["score"]))
            self.assertEqual(1, api.count(lib))

    def test_the_session_token_holds_the_newest_write_and_can_be_switched_off(self) -> None:
        api = client()
        lib = unique("tokens")
        first = api.create_library("Tokens", id=lib, dimension=2)["consistencyToken"]
        self.assertEqual(first, api.consistency_token)
        second = api.put_document(lib, "d")["consistencyToken"]
        self.assertEqual(second, api.consistency_token)
        self.assertGreater(int(second.split(":")[1]), int(first.split(":")[1]))
        self.assertEqual(0, api.get_document(lib, "d")["chunkCount"])  # waited for: applied now
        api.reset_session()
        self.assertIsNone(api.consistency_token)
        quiet = client(session_consistency=False)
        token = quiet.put_chunk(lib, "d", "e", embedding=[0, 1])["consistencyToken"]
        self.assertEqual("e", quiet.get_chunk(lib, "d", "e", consistency_token=token)["id"])


class SearchTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls) -> None:
        cls.api = client()
        cls.lib = unique("search")
        cls.api.create_library("Search", id=cls.lib, dimension=2, metric="l2")
        for doc in range(4):
            cls.api.put_document(cls.lib, f"d{doc}", metadata={"shelf": "top" if doc < 2 else "bottom"}, chunks=[
                {"id": f"c{i}", "text": f"doc {doc} chunk {i}", "embedding": [doc * 10 + i, 0],
                 "metadata": {"year": 2000 + doc, "tags": ["even" if i % 2 == 0 else "odd"]}}
                for i in range(3)])

    def test_nearest_with_filter_group_by_and_like(self) -> None:
        api, lib = self.api, self.lib
        near = api.search(lib, [21.25, 0], k=2)
        self.assertEqual([("d2", "c1"), ("d2", "c2")], [(h["documentId"], h["chunkId"]) for h in near["results"]])
        self.assertEqual([0.25, 0.75], [round(h["score"], 6) for h in near["results"]], "l2 distances")
        filtered = api.search(lib, [21, 0], k=3, filter={"year": {"$gte": 2003}, "tags": {"$contains": "even"}})
        self.assertEqual(["c0", "c2"], sorted(h["chunkId"] for h in filtered["results"]))
        self.assertTrue(all(h["documentId"] == "d3" for h in filtered["results"]))
        self.assertIn("strategy", filtered)
        documents = api.search(lib, [0, 0], k=2, filter={"document.shelf": "bottom"}, group_by="documentId",
                               groupSize=2)
        self.assertEqual(["d2", "d3"], [g["documentId"] for g in documents["groups"]])
        self.assertEqual(["c0", "c1"], [h["chunkId"] for h in documents["groups"][0]["hits"]])
        like = api.search(lib, like=("d1", "c1"), k=2)
        self.assertEqual(["c0", "c2"], sorted(h["chunkId"] for h in like["results"]), "the example itself left out")

    def test_batch_and_count(self) -> None:
        api, lib = self.api, self.lib
        answers = api.search_batch(lib, [{"vector": [0, 0], "k": 1}, {"vector": [31, 0], "k": 1, "filter": {"year": 2001}}])
        self.assertEqual(["c0", "c2"], [a["results"][0]["chunkId"] for a in answers])
        self.assertEqual("d1", answers[1]["results"][0]["documentId"])
        self.assertEqual(12, api.count(lib))
        self.assertEqual(3, api.count(lib, {"year": {"$lt": 2001}}))
        with self.assertRaises(BadRequestError) as refused:
            api.search_batch(lib, [{"vector": [0, 0]}, {"vector": [0, 0], "filter": {"year": {"$near": 1}}}])
        self.assertTrue(refused.exception.field.startswith("searches[1].filter"), refused.exception.field)

    def test_text_search_and_the_model(self) -> None:
        api = client()
        top = api.search("example", text="how do satellites stay up", k=1)["results"][0]
        self.assertEqual("orbits", top["chunkId"])
        embedded = api.embed(["how do satellites stay up"], purpose="query")
        self.assertEqual(384, embedded["dimension"])
        vector = embedded["embeddings"][0]
        self.assertAlmostEqual(1.0, math.sqrt(sum(x * x for x in vector)), places=3)
        self.assertEqual("orbits", api.search("example", vector, k=1)["results"][0]["chunkId"])
        self.assertIn("all-minilm-l6-v2", [m["id"] for m in api.models()])


class ErrorsTest(unittest.TestCase):

    def test_refusals_are_typed_exceptions_naming_the_field(self) -> None:
        api = client()
        lib = unique("errors")
        api.create_library("Errors", id=lib, dimension=2)
        api.put_document(lib, "d")
        with self.assertRaises(BadRequestError) as wrong:
            api.search(lib, [1, 2, 3])
        self.assertEqual((400, "invalid_request", "vector"), (wrong.exception.status, wrong.exception.code,
                                                              wrong.exception.field))
        self.assertIn("dimension", wrong.exception.message)
        with self.assertRaises(ConflictError) as taken:
            api.create_library("Again", id=lib, dimension=2)
        self.assertEqual(409, taken.exception.status)
        with self.assertRaises(NotFoundError):
            api.get_document(lib, "nothing")
        with self.assertRaises(PayloadTooLargeError) as large:
            api.put_chunk(lib, "d", "c", embedding=[1, 0], metadata={"big": "x" * 70_000})
        self.assertEqual((413, "metadata"), (large.exception.status, large.exception.field))
        with self.assertRaises(ValueError):
            api.get_library("")

    def test_keys_decide_who_may_do_what(self) -> None:
        if not SERVICE.admin_key:
            self.skipTest("the service runs without API keys")
        lib = unique("keys")
        admin = client()
        admin.create_library("Keys", id=lib, dimension=2)
        admin.put_document(lib, "d")
        with self.assertRaises(UnauthorizedError) as anonymous:
            Client(SERVICE.url).get_library(lib)
        self.assertEqual((401, "unauthorized"), (anonymous.exception.status, anonymous.exception.code))
        reader = Client(SERVICE.url, api_key=SERVICE.read_key)
        self.assertEqual(lib, reader.get_library(lib, consistency_token=admin.put_chunk(
            lib, "d", "c", embedding=[1, 0])["consistencyToken"])["id"])
        with self.assertRaises(ForbiddenError) as forbidden:
            reader.put_chunk(lib, "d", "c", embedding=[0, 1])
        self.assertEqual((403, "forbidden"), (forbidden.exception.status, forbidden.exception.code))
        self.assertIn("python-read", forbidden.exception.message)

    def test_a_service_that_does_not_answer(self) -> None:
        with self.assertRaises(ConnectionFailedError) as down:
            Client("http://127.0.0.1:9", timeout=2).get_library("x")
        self.assertIsNone(down.exception.status)
        self.assertIsInstance(down.exception, VectorStreamError)

    def test_statuses_the_service_gives_under_load_or_failure_map_to_their_classes(self) -> None:
        cases = {429: OverloadedError, 500: ServerError, 503: UnavailableError, 507: InsufficientStorageError}
        for status, cls in cases.items():
            error = error_from_response(status, b'{"error":{"code":"c","message":"m","field":null}}', "1")
            self.assertIs(cls, type(error))
            self.assertEqual((status, "c", "m", None, 1.0),
                             (error.status, error.code, error.message, error.field, error.retry_after))
        proxy = error_from_response(502, b"<html>bad gateway</html>")
        self.assertIsInstance(proxy, ServerError)
        self.assertEqual(("http_502", "<html>bad gateway</html>"), (proxy.code, proxy.message))


class ClusterTest(unittest.TestCase):

    def test_one_dev_instance_holds_every_shard(self) -> None:
        cluster = client().cluster()
        self.assertEqual("RUNNING", cluster["state"])
        self.assertEqual(1, len(cluster["instances"]))
        instance = cluster["instances"][0]
        self.assertTrue(instance["self"])
        self.assertEqual(list(range(cluster["shards"])), sorted(instance["active"]))
        self.assertEqual([], cluster["unassigned"])


class PackageTest(unittest.TestCase):

    def test_the_package_exports_its_client_and_version(self) -> None:
        self.assertEqual("0.1.0", vectorstream.__version__)
        self.assertIs(Client, vectorstream.Client)


if __name__ == "__main__":
    unittest.main()
