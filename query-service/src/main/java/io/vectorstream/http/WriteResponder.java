package io.vectorstream.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.schema.Json;
import io.vectorstream.service.Refusal;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService.Written;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Answers a published write: 202 with its consistency token, or with {@code ?wait=true} waits
 * until the shards have applied it and answers 201 (created) or 200 with the stored record.
 */
final class WriteResponder {

    /** How long {@code ?wait=true} waits for the write to be applied. */
    static final Duration WAIT_TIMEOUT = Duration.ofSeconds(30);

    private final ShardReader reader;

    WriteResponder(final ShardReader reader) {
        this.reader = reader;
    }

    /**
     * @param wait     whether the caller asked to wait ({@link Requests#waitRequested}, read before
     *                 the write was published, so a bad value never follows a published write)
     * @param readBack reads the written record once applied (for deletes: {@code null})
     */
    void respond(final boolean wait, final ServerResponse res, final Written written,
                 final Supplier<ObjectNode> readBack) {
        String token = written.token().toString();
        res.header(Requests.TOKEN_HEADER, token);
        if (!wait) {
            Responses.json(res, 202, statusBody("accepted", written));
            return;
        }
        reader.awaitApplied(written.token(), WAIT_TIMEOUT);
        if (readBack == null) {
            Responses.json(res, 200, statusBody("deleted", written));
            return;
        }
        ObjectNode record;
        try {
            record = readBack.get();
        } catch (Refusal notThere) {
            throw ApiException.conflict("the write " + token + " was applied but its record is not there: a concurrent "
                    + "write changed it, or the stream rejected it (see the dead-letter topic)", null);
        }
        // A record's version is the offset of the event that wrote it: an older one means this
        // write was not applied (the stream rejected it: a create that lost a race, a PATCH made
        // against a version another write replaced); a newer one, that a later write followed it.
        long offset = written.token().offsets().values().iterator().next();
        if (record.has("version") && record.get("version").asLong() < offset) {
            throw ApiException.conflict("the write " + token + " was not applied: "
                    + (written.created() ? "another write created it first"
                    : "another write changed it first, or the stream rejected it")
                    + " (the dead-letter topic has the reason); the record is at version "
                    + record.get("version").asLong(), null);
        }
        Responses.json(res, written.created() ? 201 : 200, record);
    }

    /** {@code {"status", "consistencyToken", "libraryId", ...}}: what a write did, without the record. */
    private static ObjectNode statusBody(final String status, final Written written) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", status);
        body.put("consistencyToken", written.token().toString());
        body.put("libraryId", written.libraryId());
        if (written.documentId() != null) {
            body.put("documentId", written.documentId());
        }
        if (written.chunkId() != null) {
            body.put("chunkId", written.chunkId());
        }
        return body;
    }
}
