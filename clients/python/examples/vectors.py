"""Your own vectors (lists, or numpy arrays when numpy is installed), search by example, group by document.

    python3 examples/vectors.py [http://localhost:8080]
"""

import os
import random
import sys

from vectorstream import BadRequestError, Client, NotFoundError

client = Client(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080",
                api_key=os.environ.get("VECTORSTREAM_API_KEY"))
try:
    client.delete_library("points")
except NotFoundError:
    pass
client.create_library("Points", id="points", dimension=8, metric="l2", metadataSchema={"shelf": "string"})
rng = random.Random(7)
for doc in range(5):
    client.put_document("points", f"doc-{doc}", chunks=[
        {"id": f"c{i}", "embedding": [rng.gauss(doc, 1) for _ in range(8)], "metadata": {"shelf": f"s{doc % 2}"}}
        for i in range(4)])

print(client.search("points", [0.0] * 8, k=3)["results"][0]["documentId"])
like = client.search("points", like=("doc-3", "c0"), k=3)          # the chunk's own vector, itself left out
print([(h["documentId"], h["chunkId"]) for h in like["results"]])
grouped = client.search("points", [4.0] * 8, k=2, groupBy="documentId", groupSize=2, filter={"shelf": "s0"})
print([(g["documentId"], [h["chunkId"] for h in g["hits"]]) for g in grouped["groups"]])
try:
    client.search("points", [1.0, 2.0])
except BadRequestError as error:
    print(error.status, error.code, error.field, "-", error.message)
