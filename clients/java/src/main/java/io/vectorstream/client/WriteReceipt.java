package io.vectorstream.client;

/**
 * What a write did: {@code accepted} (published; applied a moment later), {@code applied} (the
 * client waited for it) or {@code deleted}, and the consistency token of its event
 * ({@code partition:offset}), which a read may wait for.
 */
public record WriteReceipt(String status, String consistencyToken, String libraryId, String documentId,
                           String chunkId) {
}
