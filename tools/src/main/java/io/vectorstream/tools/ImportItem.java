package io.vectorstream.tools;

import io.vectorstream.client.ChunkRequest;
import io.vectorstream.client.DocumentRequest;
import java.util.List;

/** What an import file asks to write, or why a part of it cannot be; {@code source} is {@code file:line}. */
sealed interface ImportItem {

    String source();

    /** A document, with the chunks that replace all of its chunks when {@code document.chunks()} is not null. */
    record DocumentWrite(String source, String documentId, DocumentRequest document) implements ImportItem {
        int chunkCount() {
            return document.chunks() == null ? 0 : document.chunks().size();
        }
    }

    /** One chunk of a document, which is created (empty) when it does not exist. */
    record ChunkWrite(String source, String documentId, ChunkRequest chunk) implements ImportItem {
    }

    /** A part of a file that writes nothing, and why. */
    record Refused(String source, String reason) implements ImportItem {
    }

    /** The chunks an item writes. */
    static List<ChunkRequest> chunksOf(final ImportItem item) {
        return switch (item) {
            case DocumentWrite d -> d.document().chunks() == null ? List.of() : d.document().chunks();
            case ChunkWrite c -> List.of(c.chunk());
            case Refused r -> List.of();
        };
    }
}
