package io.vectorstream.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.Event;
import io.vectorstream.schema.EventType;
import io.vectorstream.schema.IndexSpec;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.LibraryBody;
import io.vectorstream.schema.Limits;
import io.vectorstream.schema.SchemaValidator.Schema;
import io.vectorstream.store.IndexMemory;
import io.vectorstream.store.IndexSpecs;
import io.vectorstream.stream.ConsistencyToken;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The API's writes: each checks what it can against the current state (so a caller gets a 4xx
 * at once rather than a dead letter later), then publishes one event. The stream applies the
 * same rules again, since other producers write to the topic too. Each write names its principal,
 * the name of the API key that asked for it ({@code null} when the API is open or the service
 * itself writes): the event carries it ({@link EventPublisher#PRINCIPAL_HEADER}).
 */
public final class WriteService {

    /**
     * A published write.
     *
     * @param created whether it creates a record that did not exist (as far as this instance saw)
     */
    public record Written(ConsistencyToken token, String libraryId, String documentId, String chunkId,
                          boolean created) {
    }

    private final EventPublisher publisher;
    private final ShardReader reader;
    private final EmbeddingService embeddings;
    private final Limits limits;

    /** @param limits the sizes a record may take, as the stream enforces them */
    public WriteService(final EventPublisher publisher, final ShardReader reader, final EmbeddingService embeddings,
                        final Limits limits) {
        this.publisher = publisher;
        this.reader = reader;
        this.embeddings = embeddings;
        this.limits = limits;
    }

    public Written createLibrary(final String principal, final JsonNode body) {
        if (body.isObject() && !body.has("dimension") && !body.has("model")) {
            // The schema says it with anyOf, whose first branch alone would be reported.
            throw Refusal.badRequest("dimension is required, unless the library names a model (which gives it)",
                    "dimension");
        }
        Validation.requireWithinLimits(limits, body, Limits.Kind.LIBRARY);
        Validation.requireValid(Schema.LIBRARY, body);
        LibraryBody library = toLibrary(body);
        int dimension;
        if (library.model() != null) {
            dimension = embeddings.requireModel(library.model(), "model").dimension();
            if (library.dimension() != null && library.dimension() != dimension) {
                throw Refusal.badRequest("dimension " + library.dimension() + " differs from the dimension of model '"
                        + library.model() + "', " + dimension, "dimension");
            }
        } else {
            dimension = library.dimension();
        }
        Validation.requireIndex(library.index(), dimension, "index");
        ObjectNode payload = ((ObjectNode) body).deepCopy();
        String newId = payload.hasNonNull("id") ? payload.get("id").asText() : null;
        String id = newId != null ? newId : UUID.randomUUID().toString();
        payload.put("id", id);
        Validation.requireIndexMemory(id, IndexSpecs.fixedBytes(library.index(), dimension) * reader.shardCount());
        if (reader.library(id).isPresent()) {
            throw Refusal.conflict("library '" + id + "' already exists", "id");
        }
        // Another create of the same id may be published meanwhile: the stream applies only the first.
        return new Written(publisher.publish(Event.of(EventType.LIBRARY_UPSERTED, id, null, null, payload)
                .expecting(-1), principal), id, null, null, true);
    }

    public Written patchLibrary(final String principal, final String libraryId, final JsonNode patch) {
        Validation.requireWithinLimits(limits, patch, Limits.Kind.LIBRARY);
        Validation.requireValid(Schema.LIBRARY_PATCH, patch);
        LibraryRecord current = reader.requireLibrary(libraryId).library();
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("id", libraryId);
        payload.set("name", patch.hasNonNull("name") ? patch.get("name") : Json.MAPPER.valueToTree(current.name()));
        payload.set("metadata", patch.hasNonNull("metadata") ? patch.get("metadata") : Json.tree(current.metadataJson()));
        payload.put("dimension", current.dimension());
        payload.put("metric", current.metric().wireName());
        if (current.model() != null) {
            payload.put("model", current.model());
        }
        payload.set("index", patch.hasNonNull("index") ? patch.get("index")
                : IndexSpecs.tolerated(current.indexJson(), current.dimension()));
        if (patch.has("metadataSchema") || current.metadataSchemaJson() != null) {
            payload.set("metadataSchema", patch.has("metadataSchema") ? patch.get("metadataSchema")
                    : Json.tree(current.metadataSchemaJson()));
        }
        IndexSpec index = toLibrary(payload).index();
        Validation.requireIndex(index, current.dimension(), "index");
        Validation.requireIndexMemory(libraryId, Math.max(0, IndexSpecs.fixedBytes(index, current.dimension())
                - IndexSpecs.fixedBytes(IndexSpecs.spec(current.indexJson(), current.dimension()), current.dimension()))
                * reader.shardCount());
        // The unchanged fields come from the version read here: applied only if no other write
        // changed the library meanwhile, whose change this one would otherwise undo.
        return new Written(publisher.publish(Event.of(EventType.LIBRARY_UPSERTED, libraryId, null, null, payload)
                .expecting(current.version()), principal), libraryId, null, null, false);
    }

    /** Asks every shard to rebuild (and, for IVF, retrain) the library's index now. */
    public Written requestIndexBuild(final String principal, final String libraryId) {
        reader.requireLibraryRecord(libraryId);
        Event event = Event.of(EventType.LIBRARY_INDEX_REQUESTED, libraryId, null, null, null);
        return new Written(publisher.publish(event, principal), libraryId, null, null, false);
    }

    public Written deleteLibrary(final String principal, final String libraryId) {
        reader.requireLibraryRecord(libraryId);
        Event event = Event.of(EventType.LIBRARY_DELETED, libraryId, null, null, null);
        return new Written(publisher.publish(event, principal), libraryId, null, null, false);
    }

    public Written putDocument(final String principal, final String libraryId, final String documentId,
                               final JsonNode body) {
        Validation.requireWithinLimits(limits, body, Limits.Kind.DOCUMENT);
        Validation.requireValid(Schema.DOCUMENT, body);
        requireMatchingId(body, documentId);
        LibraryRecord library = reader.requireLibraryRecord(libraryId);
        JsonNode chunks = body.get("chunks");
        if (chunks != null) {
            // The chunks replace the document's: only those past its current count take more memory.
            int before = reader.document(libraryId, documentId).map(d -> d.chunkCount()).orElse(0);
            Validation.requireIndexMemory(libraryId, Math.max(0, chunks.size() - before)
                    * IndexMemory.perVector(library.dimension()));
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < chunks.size(); i++) {
                if (!ids.add(chunks.get(i).get("id").asText())) {
                    throw Refusal.badRequest("chunk id '" + chunks.get(i).get("id").asText() + "' appears twice",
                            "chunks[" + i + "].id");
                }
                Validation.requireChunkContent(library, chunks.get(i), "chunks[" + i + "].");
            }
        }
        boolean created = reader.document(libraryId, documentId).isEmpty();
        Event event = Event.of(EventType.DOCUMENT_UPSERTED, libraryId, documentId, null, body);
        return new Written(publisher.publish(event, principal), libraryId, documentId, null, created);
    }

    public Written deleteDocument(final String principal, final String libraryId, final String documentId) {
        reader.requireDocument(libraryId, documentId);
        Event event = Event.of(EventType.DOCUMENT_DELETED, libraryId, documentId, null, null);
        return new Written(publisher.publish(event, principal), libraryId, documentId, null, false);
    }

    public Written putChunk(final String principal, final String libraryId, final String documentId,
                            final String chunkId,
                            final JsonNode body) {
        Validation.requireWithinLimits(limits, body, Limits.Kind.CHUNK);
        Validation.requireValid(Schema.CHUNK, body);
        requireMatchingId(body, chunkId);
        LibraryRecord library = reader.requireLibraryRecord(libraryId);
        reader.requireDocument(libraryId, documentId);
        Validation.requireChunkContent(library, body, "");
        boolean created = reader.chunk(libraryId, documentId, chunkId).isEmpty();
        if (created) { // a rewrite takes no more memory
            Validation.requireIndexMemory(libraryId, IndexMemory.perVector(library.dimension()));
        }
        Event event = Event.of(EventType.CHUNK_UPSERTED, libraryId, documentId, chunkId, body);
        return new Written(publisher.publish(event, principal), libraryId, documentId, chunkId, created);
    }

    public Written deleteChunk(final String principal, final String libraryId, final String documentId,
                               final String chunkId) {
        reader.requireChunk(libraryId, documentId, chunkId);
        Event event = Event.of(EventType.CHUNK_DELETED, libraryId, documentId, chunkId, null);
        return new Written(publisher.publish(event, principal), libraryId, documentId, chunkId, false);
    }

    private static LibraryBody toLibrary(final JsonNode json) {
        try {
            return Json.MAPPER.treeToValue(json, LibraryBody.class).withDefaults();
        } catch (JsonProcessingException e) {
            throw Refusal.badRequest("unreadable library: " + e.getOriginalMessage(), null);
        }
    }

    private static void requireMatchingId(final JsonNode body, final String pathId) {
        if (body.hasNonNull("id") && !body.get("id").asText().equals(pathId)) {
            throw Refusal.badRequest("id '" + body.get("id").asText() + "' differs from the id in the path '"
                    + pathId + "'", "id");
        }
    }
}
