package io.vectorstream.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.Models;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.DocumentUpsert;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.schema.ChunkBody;
import io.vectorstream.schema.DocumentBody;
import io.vectorstream.schema.Event;
import io.vectorstream.schema.EventType;
import io.vectorstream.schema.Ids;
import io.vectorstream.schema.IndexSpec;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.LibraryBody;
import io.vectorstream.schema.Limits;
import io.vectorstream.schema.SchemaValidator;
import io.vectorstream.schema.VectorRules;
import io.vectorstream.schema.Violation;
import io.vectorstream.schema.filter.MetadataSchema;
import io.vectorstream.store.IndexSpecs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns one event of the input topic into the records of the shards, or into a rejection with a
 * reason. Pure: no Kafka here, so every rule is testable alone. The rules: the event must parse,
 * match {@code event.json}, be keyed by its library id, name a known library (except to create
 * one), keep a library's dimension and metric, and carry finite vectors of the library's dimension
 * (non-zero under cosine, where they are normalised here).
 */
public final class EventTranslator {

    /** What became of an event. */
    public sealed interface Outcome {
    }

    /** The event is valid: write these records (in order) to the shards. */
    public record Accepted(List<ShardRecord> records) implements Outcome {
    }

    /** The event is invalid: send it to the dead-letter topic with this reason. */
    public record Rejected(String reason, String field) implements Outcome {
    }

    /** One record for {@code vectorstream.chunks}; a {@code null} value deletes (and cascades). */
    public record ShardRecord(RecordKey key, byte[] value) {
    }

    private final SchemaValidator validator = SchemaValidator.get();
    private final TextEmbedding embedding;
    private final Limits limits;

    /**
     * @param embedding the models that embed chunks sent with text only
     * @param limits    the sizes a record may take
     */
    public EventTranslator(final TextEmbedding embedding, final Limits limits) {
        this.embedding = embedding;
        this.limits = limits;
    }

    /**
     * What becomes of one event: a {@code chunk.upserted} with its vector is read in one pass when
     * it is plainly valid ({@link VectorChunkEvents}); every other event, and any doubt, takes the
     * general path. Both give the same outcome for any event ({@code EventTranslatorFastPathTest}).
     *
     * @param key       the record key (must be the library id)
     * @param value     the event, JSON in UTF-8
     * @param offset    its offset in the events topic: the version of what it writes
     * @param timestamp its record timestamp, used when the event has no {@code occurredAt}
     * @param libraries the libraries known so far, by id
     */
    public Outcome translate(final byte[] key, final byte[] value, final long offset, final long timestamp,
                             final Function<String, LibraryRecord> libraries) {
        Outcome plain = acceptPlainVectorChunk(key, VectorChunkEvents.read(value), offset, timestamp, libraries);
        return withRecordsThatFit(plain != null ? plain : translateInGeneral(key, value, offset, timestamp, libraries));
    }

    /** The longest record key: a tag and three ids of 128 ASCII characters, each with its 2-byte length. */
    private static final int MAX_KEY_BYTES = 1 + 3 * (2 + Ids.MAX_LENGTH);

    /**
     * The outcome, or a rejection when a record it would write is larger than the topics and
     * changelogs take ({@link Topics#MAX_RECORD_BYTES}). The limits keep every record far below
     * that; this is the net under them: a record Kafka refuses to take would stop the stream
     * thread, and the event would stop it again at every restart.
     */
    static Outcome withRecordsThatFit(final Outcome outcome) {
        if (outcome instanceof Accepted accepted) {
            for (ShardRecord record : accepted.records()) {
                long bytes = MAX_KEY_BYTES + (record.value() == null ? 0 : record.value().length);
                if (bytes > Topics.MAX_RECORD_BYTES) {
                    return new Rejected("the event makes a record of " + bytes + " bytes ("
                            + record.key().getClass().getSimpleName() + "), over the " + Topics.MAX_RECORD_BYTES
                            + " the internal topics take", "payload");
                }
            }
        }
        return outcome;
    }

    /**
     * The common case, a {@code chunk.upserted} with its vector, read in one pass
     * ({@link VectorChunkEvents}): accepted with the records the general path would write, or
     * {@code null} when any rule of the general path might reject it, so that the general path
     * gives the reason.
     */
    private Outcome acceptPlainVectorChunk(final byte[] key, final VectorChunkEvents.VectorChunk chunk,
                                                  final long offset, final long timestamp,
                                                  final Function<String, LibraryRecord> libraries) {
        if (chunk == null || key == null || !chunk.libraryId().equals(new String(key, StandardCharsets.UTF_8))) {
            return null;
        }
        LibraryRecord library = libraries.apply(chunk.libraryId());
        if (library == null || library.metadataSchemaJson() != null // the general path checks the metadata's types
                || limits.metadataViolation(Limits.utf8Length(chunk.metadataJson()), "") != null
                || (chunk.text() != null && limits.textViolation(chunk.text(), "") != null)) {
            return null;
        }
        float[] vector;
        try {
            vector = VectorRules.checkedInPlace(library.dimension(), library.metric(), chunk.vector(), "payload.embedding");
        } catch (VectorRules.InvalidVector e) {
            return null;
        }
        long time = chunk.occurredAt() == null ? timestamp : Instant.parse(chunk.occurredAt()).toEpochMilli();
        ChunkRecord record = new ChunkRecord(library.id(), chunk.documentId(), chunk.chunkId(),
                chunk.text() == null ? "" : chunk.text(), vector, chunk.metadataJson(), offset, time, time);
        return new Accepted(List.of(new ShardRecord(new RecordKey.ChunkKey(library.id(), chunk.documentId(),
                chunk.chunkId()), RecordCodec.encode(record))));
    }

    /** Every rule, on any event: parse, schema, then the type's own rules. */
    Outcome translateInGeneral(final byte[] key, final byte[] value, final long offset, final long timestamp,
                               final Function<String, LibraryRecord> libraries) {
        if (value == null) {
            return new Rejected("empty record value: an event is a JSON object", null);
        }
        JsonNode json;
        try {
            json = Json.ONE_VALUE.readTree(value);
        } catch (JsonProcessingException e) {
            return new Rejected("malformed JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            return new Rejected("unreadable value: " + e.getMessage(), null);
        }
        if (json == null || !json.isObject()) {
            return new Rejected("an event is a JSON object", null);
        }
        // Before the schema: a size past a limit is found in one cheap pass, and the schema's
        // checks of every one of 20,000 chunks need not run to say so.
        Violation overLimit = limitViolation(json);
        if (overLimit != null) {
            return new Rejected(overLimit.message(), "payload." + overLimit.field());
        }
        Violation first = validator.firstViolation(SchemaValidator.Schema.EVENT, json);
        if (first != null) {
            return new Rejected("schema violation: " + first, first.field());
        }
        Event event;
        try {
            event = Json.MAPPER.treeToValue(json, Event.class);
        } catch (JsonProcessingException e) {
            return new Rejected("unreadable event: " + e.getOriginalMessage(), null);
        }
        String keyText = key == null ? null : new String(key, StandardCharsets.UTF_8);
        if (!event.libraryId().equals(keyText)) {
            return new Rejected("record key must be the library id '" + event.libraryId() + "', was "
                    + (keyText == null ? "null" : "'" + keyText + "'"), "libraryId");
        }
        long time = eventTime(event, timestamp);
        LibraryRecord library = libraries.apply(event.libraryId());
        if (library == null && event.type() != EventType.LIBRARY_UPSERTED) {
            return new Rejected("unknown library '" + event.libraryId() + "'", "libraryId");
        }
        if (event.expectedVersion() != null) {
            Rejected conflict = versionConflict(event, library);
            if (conflict != null) {
                return conflict;
            }
        }
        try {
            return switch (event.type()) {
                case LIBRARY_UPSERTED -> upsertLibrary(event, library, offset, time);
                case LIBRARY_DELETED -> accept(new ShardRecord(new RecordKey.LibraryKey(event.libraryId()), null));
                case DOCUMENT_UPSERTED -> upsertDocument(event, library, offset, time);
                case DOCUMENT_DELETED -> accept(
                        new ShardRecord(new RecordKey.DocumentKey(event.libraryId(), event.documentId()), null));
                case CHUNK_UPSERTED -> upsertChunk(event, library, offset, time);
                case CHUNK_DELETED -> accept(new ShardRecord(
                        new RecordKey.ChunkKey(event.libraryId(), event.documentId(), event.chunkId()), null));
                case LIBRARY_INDEX_REQUESTED -> accept(new ShardRecord(
                        new RecordKey.IndexRequestKey(event.libraryId()), RecordCodec.encodeOffset(offset)));
            };
        } catch (VectorRules.InvalidVector e) {
            return new Rejected(e.getMessage(), e.field());
        } catch (Models.UnknownModelException e) {
            return new Rejected(e.getMessage(), "payload.model");
        } catch (JsonProcessingException e) {
            return new Rejected("unreadable payload: " + e.getOriginalMessage(), "payload");
        }
    }

    /** The first limit the payload of an upsert breaks, or {@code null}. */
    private Violation limitViolation(final JsonNode event) {
        Limits.Kind kind = switch (event.path("type").asText()) {
            case "library.upserted" -> Limits.Kind.LIBRARY;
            case "document.upserted" -> Limits.Kind.DOCUMENT;
            case "chunk.upserted" -> Limits.Kind.CHUNK;
            default -> null;
        };
        return kind == null ? null : limits.violation(event.get("payload"), kind);
    }

    /** Why an event with an {@code expectedVersion} cannot apply, or {@code null} when it can. */
    private static Rejected versionConflict(final Event event, final LibraryRecord library) {
        long expected = event.expectedVersion();
        if (event.type() != EventType.LIBRARY_UPSERTED) {
            return new Rejected("expectedVersion applies to library.upserted only", "expectedVersion");
        }
        if (library == null) {
            return expected == -1 ? null : new Rejected("library '" + event.libraryId() + "' does not exist; the "
                    + "write expected version " + expected, "expectedVersion");
        }
        if (expected == -1) {
            return new Rejected("library '" + event.libraryId() + "' already exists (version " + library.version()
                    + "); the write was a create", "expectedVersion");
        }
        return library.version() == expected ? null : new Rejected("library '" + event.libraryId() + "' is at version "
                + library.version() + ", the write expected " + expected + ": another write changed it first",
                "expectedVersion");
    }

    private Outcome upsertChunk(final Event event, final LibraryRecord library, final long offset, final long time)
            throws JsonProcessingException, VectorRules.InvalidVector {
        ChunkBody body = Json.MAPPER.treeToValue(event.payload(), ChunkBody.class);
        Rejected otherId = otherPayloadId(body.id(), "chunkId", event.chunkId());
        if (otherId != null) {
            return otherId;
        }
        return new Accepted(chunkRecords(library, event.documentId(), List.of(body.withId(event.chunkId())),
                List.of("payload"), offset, time));
    }

    /**
     * The rejection of a payload whose (optional) {@code id} names another record than the
     * envelope's {@code idName}, or {@code null} when it names the same or none.
     */
    private static Rejected otherPayloadId(final String payloadId, final String idName, final String eventId) {
        return payloadId == null || payloadId.equals(eventId) ? null
                : new Rejected("payload id '" + payloadId + "' differs from " + idName + " '" + eventId + "'",
                        "payload.id");
    }

    private static Outcome accept(final ShardRecord... records) {
        return new Accepted(List.of(records));
    }

    private Outcome upsertLibrary(final Event event, final LibraryRecord existing, final long offset, final long time)
            throws JsonProcessingException {
        LibraryBody body = Json.MAPPER.treeToValue(event.payload(), LibraryBody.class).withDefaults();
        Rejected otherId = otherPayloadId(body.id(), "libraryId", event.libraryId());
        if (otherId != null) {
            return otherId;
        }
        int dimension;
        if (body.model() != null) {
            int modelDimension = embedding.dimension(body.model());
            if (body.dimension() != null && body.dimension() != modelDimension) {
                return new Rejected("dimension " + body.dimension() + " differs from the dimension of model '"
                        + body.model() + "', " + modelDimension, "payload.dimension");
            }
            dimension = modelDimension;
        } else {
            dimension = body.dimension();
        }
        if (existing != null && existing.dimension() != dimension) {
            return new Rejected("the dimension of library '" + event.libraryId() + "' is " + existing.dimension()
                    + " and cannot change", "payload.dimension");
        }
        if (existing != null && !Objects.equals(existing.model(), body.model())) {
            return new Rejected("the model of library '" + event.libraryId() + "' is "
                    + (existing.model() == null ? "none" : "'" + existing.model() + "'")
                    + " and cannot change: its vectors came from it", "payload.model");
        }
        if (existing != null && existing.metric() != body.metric()) {
            return new Rejected("the metric of library '" + event.libraryId() + "' is " + existing.metric().wireName()
                    + " and cannot change", "payload.metric");
        }
        IndexSpec index = body.index();
        IndexSpecs.Problem indexProblem = IndexSpecs.problem(index, dimension);
        if (indexProblem != null) {
            return new Rejected(indexProblem.message(), indexProblem.field("payload.index"));
        }
        LibraryRecord record = new LibraryRecord(event.libraryId(), body.name(), json(body.metadata()),
                dimension, body.metric(), Json.MAPPER.writeValueAsString(index), offset, time, time, body.model(),
                body.metadataSchema() == null || body.metadataSchema().isEmpty() ? null
                        : Json.MAPPER.writeValueAsString(body.metadataSchema()));
        return accept(new ShardRecord(new RecordKey.LibraryKey(event.libraryId()), RecordCodec.encode(record)));
    }

    private Outcome upsertDocument(final Event event, final LibraryRecord library, final long offset, final long time)
            throws JsonProcessingException, VectorRules.InvalidVector {
        DocumentBody body = Json.MAPPER.treeToValue(event.payload(), DocumentBody.class);
        Rejected otherId = otherPayloadId(body.id(), "documentId", event.documentId());
        if (otherId != null) {
            return otherId;
        }
        List<ShardRecord> records = new ArrayList<>();
        List<String> chunkIds = null;
        List<ShardRecord> chunks = List.of();
        if (body.chunks() != null) {
            chunkIds = new ArrayList<>(body.chunks().size());
            List<String> paths = new ArrayList<>(body.chunks().size());
            var seen = new HashSet<String>();
            for (int i = 0; i < body.chunks().size(); i++) {
                ChunkBody chunk = body.chunks().get(i);
                if (!seen.add(chunk.id())) {
                    return new Rejected("chunk id '" + chunk.id() + "' appears twice", "payload.chunks[" + i + "].id");
                }
                chunkIds.add(chunk.id());
                paths.add("payload.chunks[" + i + "]");
            }
            chunks = chunkRecords(library, event.documentId(), body.chunks(), paths, offset, time);
        }
        DocumentRecord document = new DocumentRecord(event.libraryId(), event.documentId(), json(body.metadata()),
                offset, time, time);
        records.add(new ShardRecord(new RecordKey.DocumentKey(event.libraryId(), event.documentId()),
                RecordCodec.encode(new DocumentUpsert(document, chunkIds))));
        records.addAll(chunks);
        return new Accepted(records);
    }

    /**
     * The records of chunks of one document. Chunks that bring a vector keep it; the texts of the
     * others are embedded by the library's model, all in one call.
     *
     * @param paths the JSON path of each chunk in the event, for error messages
     */
    private List<ShardRecord> chunkRecords(final LibraryRecord library, final String documentId,
                                           final List<ChunkBody> bodies, final List<String> paths, final long offset,
                                           final long time) throws VectorRules.InvalidVector, JsonProcessingException {
        float[][] vectors = new float[bodies.size()][];
        List<Integer> toEmbed = new ArrayList<>();
        MetadataSchema schema = library.metadataSchema();
        for (int i = 0; i < bodies.size(); i++) {
            ChunkBody body = bodies.get(i);
            Violation wrongType = schema.isEmpty() || body.metadata() == null ? null
                    : schema.violation(Json.MAPPER.valueToTree(body.metadata()), paths.get(i) + ".metadata");
            if (wrongType != null) {
                throw new VectorRules.InvalidVector(wrongType.message(), wrongType.field()); // before any embedding
            }
            if (body.embedding() != null) {
                vectors[i] = VectorRules.checked(library.dimension(), library.metric(), body.embedding(), paths.get(i) + ".embedding");
            } else if (library.model() == null) {
                throw new VectorRules.InvalidVector("embedding is required: library '" + library.id()
                        + "' has no model to embed text with", paths.get(i) + ".embedding");
            } else if (body.text() == null || body.text().isBlank()) {
                throw new VectorRules.InvalidVector("text is empty: there is nothing to embed", paths.get(i) + ".text");
            } else {
                toEmbed.add(i);
            }
        }
        if (!toEmbed.isEmpty()) {
            float[][] embedded;
            try {
                embedded = embedding.embed(library.model(), toEmbed.stream().map(i -> bodies.get(i).text()).toList());
            } catch (Embedder.EmbeddingException e) {
                throw new VectorRules.InvalidVector(e.getMessage(), paths.get(toEmbed.getFirst()) + ".text");
            } catch (Models.UnknownModelException e) {
                throw new VectorRules.InvalidVector("cannot embed text: " + e.getMessage(), paths.get(toEmbed.getFirst()) + ".text");
            }
            for (int j = 0; j < embedded.length; j++) {
                int i = toEmbed.get(j);
                vectors[i] = VectorRules.checked(library.dimension(), library.metric(), embedded[j], paths.get(i) + ".text");
            }
        }
        List<ShardRecord> records = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            ChunkBody body = bodies.get(i);
            ChunkRecord record = new ChunkRecord(library.id(), documentId, body.id(),
                    body.text() == null ? "" : body.text(), vectors[i], json(body.metadata()), offset, time, time);
            records.add(new ShardRecord(new RecordKey.ChunkKey(library.id(), documentId, body.id()),
                    RecordCodec.encode(record)));
        }
        return records;
    }


    private static String json(final Map<String, Object> metadata) throws JsonProcessingException {
        return Json.MAPPER.writeValueAsString(metadata == null ? Map.of() : metadata);
    }

    private static long eventTime(final Event event, final long fallback) {
        String text = event.occurredAt();
        if (text != null) {
            // RFC 3339 (the schema's date-time) allows a space between date and time; Instant wants a T.
            if (text.length() > 10 && text.charAt(10) == ' ') {
                text = text.substring(0, 10) + 'T' + text.substring(11);
            }
            try {
                return Instant.parse(text).toEpochMilli();
            } catch (DateTimeParseException e) {
                // Another form the schema's date-time takes and Instant does not: the record's time.
            }
        }
        return fallback;
    }

}
