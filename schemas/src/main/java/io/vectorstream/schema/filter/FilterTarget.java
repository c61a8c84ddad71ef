package io.vectorstream.schema.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** What a filter reads of a candidate chunk. */
public interface FilterTarget {

    /**
     * The value of a field: a name of the chunk's metadata, {@code document.<name>} of its
     * document's, or a built-in ({@code id}, {@code documentId}); a missing node when there is none.
     */
    JsonNode field(String name);

    /** A built-in time ({@code createdAt}, {@code updatedAt}), or null. */
    Instant time(String name);
}
