package io.vectorstream.tools;

import io.vectorstream.client.EventWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Publishes import items as events: checked by the stream, which makes a dead letter of a bad one. */
final class KafkaImport {

    private final EventWriter events;
    private final String libraryId;
    private final ImportReport report;
    private final ProgressBar bar;

    KafkaImport(final EventWriter events, final String libraryId, final ImportReport report, final ProgressBar bar) {
        this.events = events;
        this.libraryId = libraryId;
        this.report = report;
        this.bar = bar;
    }

    void write(final List<ImportItem> items) {
        List<CompletableFuture<String>> sent = items.stream().map(this::publish).toList();
        for (int i = 0; i < items.size(); i++) {
            ImportItem item = items.get(i);
            sent.get(i).handle((ok, failure) -> {
                if (failure == null) {
                    report.written(item);
                } else {
                    report.refused(new ImportItem.Refused(item.source(), "not published: " + failure.getMessage()));
                }
                bar.advance(Math.max(1, ImportItem.chunksOf(item).size()));
                return null;
            }).join();
        }
        events.flush();
    }

    /** The item's event, sent; its token when the broker has it. */
    private CompletableFuture<String> publish(final ImportItem item) {
        return switch (item) {
            case ImportItem.DocumentWrite document -> events.upsertDocument(libraryId, document.documentId(),
                    document.document());
            // A chunk event creates its document when it is missing.
            case ImportItem.ChunkWrite chunk -> events.upsertChunk(libraryId, chunk.documentId(), chunk.chunk());
            case ImportItem.Refused refused -> CompletableFuture.completedFuture(null);
        };
    }
}
