"""Create a library with a model, write a document of three chunks, search it by text and with a filter.

    python3 examples/quickstart.py [http://localhost:8080]      (VECTORSTREAM_API_KEY if keys are on)
"""

import os
import sys

from vectorstream import Client, NotFoundError

client = Client(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080",
                api_key=os.environ.get("VECTORSTREAM_API_KEY"))

try:
    client.delete_library("notes")  # a fresh start for the example
except NotFoundError:
    pass
client.create_library("Notes", id="notes", model="all-minilm-l6-v2")
client.put_document("notes", "trip", metadata={"title": "Trip"}, chunks=[
    {"id": "train", "text": "The night train to Vienna leaves at 22:40 from platform 4.", "metadata": {"day": 1}},
    {"id": "hotel", "text": "The hotel is booked for three nights, breakfast included.", "metadata": {"day": 1}},
    {"id": "museum", "text": "Buy museum tickets online to skip the queue.", "metadata": {"day": 2}},
])
# No token handling: the client sends its own writes' token with its reads, so they see the writes.
for hit in client.search("notes", text="when does my train depart", k=2)["results"]:
    print(f"{hit['score']:.3f}  {hit['chunkId']:7} {hit['text']}")
answer = client.search("notes", text="sightseeing", k=2, filter={"day": {"$gte": 2}})
print(answer["strategy"], [hit["chunkId"] for hit in answer["results"]])
print("chunks on day 1:", client.count("notes", {"day": 1}))
print("documents:", [doc["id"] for doc in client.list_documents("notes")])
