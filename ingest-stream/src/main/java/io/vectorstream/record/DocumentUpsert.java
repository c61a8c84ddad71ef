package io.vectorstream.record;

import java.util.List;

/**
 * The value of a document record on {@code vectorstream.chunks}: the document, and, when it was
 * written with its chunks, the ids of the chunks it keeps (every other chunk of it is deleted; the
 * kept ones follow as their own chunk records).
 *
 * @param chunkIds the ids of the chunks the document keeps, or {@code null} to keep all
 */
public record DocumentUpsert(DocumentRecord document, List<String> chunkIds) {
}
