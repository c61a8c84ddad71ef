package io.vectorstream.tools;

import io.vectorstream.client.DocumentRequest;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.client.VectorStreamException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Writes import items over HTTP, a few calls in flight: each refused write is reported with its
 * file and line and the reason the service gave, and the others go on.
 */
final class HttpImport {

    /** Writes in flight at once: enough to hide a round trip, few enough to stay polite. */
    private static final int WINDOW = 16;

    private final VectorStreamClient client;
    private final String libraryId;
    private final ImportReport report;
    private final ProgressBar bar;
    /** Documents written by this import (their write, which a chunk of theirs waits for) or found. */
    private final Map<String, CompletableFuture<?>> documents = new HashMap<>();

    HttpImport(final VectorStreamClient client, final String libraryId, final ImportReport report,
               final ProgressBar bar) {
        this.client = client;
        this.libraryId = libraryId;
        this.report = report;
        this.bar = bar;
    }

    void write(final List<ImportItem> items) {
        Deque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
        for (ImportItem item : items) {
            CompletableFuture<?> write = switch (item) {
                case ImportItem.DocumentWrite document -> {
                    CompletableFuture<?> put = client.putDocumentAsync(libraryId, document.documentId(),
                            document.document(), false);
                    documents.put(document.documentId(), put);
                    yield put;
                }
                case ImportItem.ChunkWrite chunk -> {
                    documentBefore(chunk);
                    yield client.putChunkAsync(libraryId, chunk.documentId(), chunk.chunk(), false);
                }
                case ImportItem.Refused refused -> CompletableFuture.completedFuture(null);
            };
            inFlight.add(write.handle((ok, failure) -> {
                if (failure == null) {
                    report.written(item);
                } else {
                    report.refused(new ImportItem.Refused(item.source(), reason(failure)));
                }
                bar.advance(Math.max(1, ImportItem.chunksOf(item).size()));
                return null;
            }));
            if (inFlight.size() >= WINDOW) {
                inFlight.removeFirst().join();
            }
        }
        inFlight.forEach(CompletableFuture::join);
    }

    /**
     * Makes sure the chunk's document exists before the chunk is written: waits for this import's
     * write of it, or creates it (empty) when the library does not have it.
     */
    private void documentBefore(final ImportItem.ChunkWrite chunk) {
        CompletableFuture<?> written = documents.get(chunk.documentId());
        if (written != null) {
            written.handle((ok, failure) -> null).join(); // a refused document: the chunk is then refused too
            return;
        }
        try {
            client.getDocument(libraryId, chunk.documentId());
        } catch (VectorStreamException.NotFound missing) {
            client.putDocument(libraryId, chunk.documentId(), DocumentRequest.of(null, null), false);
        }
        documents.put(chunk.documentId(), CompletableFuture.completedFuture(null));
    }

    private static String reason(final Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof VectorStreamException refused) {
            return refused.status() + " " + refused.serviceMessage()
                    + (refused.field() == null ? "" : " (field " + refused.field() + ")");
        }
        return cause.toString();
    }
}
