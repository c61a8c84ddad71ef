package io.vectorstream.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.type.TypeFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A client of a vectorstream service's HTTP API: every endpoint of {@code /v1}, each as a blocking
 * method and as one answering a {@link CompletableFuture} ({@code ...Async}). Thread-safe; share
 * one per service.
 *
 * <p>Session consistency: the client keeps the newest consistency token of its own writes and
 * sends it with every later call, so a program reads its own writes without handling tokens (the
 * service waits, up to 10 s, until they are applied). {@link Builder#sessionConsistency(boolean)}
 * switches it off; a read then waits only for a token given to it.
 *
 * <p>Errors are {@link VectorStreamException}s of the answer's status ({@code NotFound},
 * {@code BadRequest} with the field at fault, ...). Calls that change nothing are retried on 429
 * and 503 after the service's {@code Retry-After}; writes are not.
 */
public final class VectorStreamClient {

    private static final TypeFactory TYPES = Transport.JSON.getTypeFactory();

    private final Transport transport;
    private final SessionTokens session;
    private final boolean sessionConsistency;

    private VectorStreamClient(final Builder builder) {
        this.sessionConsistency = builder.sessionConsistency;
        this.session = new SessionTokens();
        HttpClient http = HttpClient.newBuilder().connectTimeout(builder.timeout).build();
        String base = builder.baseUrl.toString();
        this.transport = new Transport(URI.create(base.endsWith("/") ? base : base + "/"), builder.apiKey,
                builder.timeout, builder.maxRetries, http, session, sessionConsistency);
    }

    public static Builder builder(final URI baseUrl) {
        return new Builder(baseUrl);
    }

    /** A client of the service at {@code baseUrl}, with the defaults. */
    public static VectorStreamClient of(final String baseUrl) {
        return builder(URI.create(baseUrl)).build();
    }

    /** How a client talks to its service. */
    public static final class Builder {
        private final URI baseUrl;
        private String apiKey;
        private Duration timeout = Duration.ofSeconds(30);
        private boolean sessionConsistency = true;
        private int maxRetries = 2;

        private Builder(final URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        }

        /** The API key ({@code vs_...}) sent with every call. */
        public Builder apiKey(final String key) {
            this.apiKey = key;
            return this;
        }

        /** How long a call may take (and a connection to open). */
        public Builder timeout(final Duration duration) {
            this.timeout = duration;
            return this;
        }

        /** Whether calls wait for this client's own writes (default true). */
        public Builder sessionConsistency(final boolean on) {
            this.sessionConsistency = on;
            return this;
        }

        /** Retries of a read answered 429 or 503 (default 2). */
        public Builder maxRetries(final int retries) {
            this.maxRetries = retries;
            return this;
        }

        public VectorStreamClient build() {
            return new VectorStreamClient(this);
        }
    }

    /** The token of this client's writes that its calls wait for, or null before the first write. */
    public String consistencyToken() {
        return sessionConsistency ? session.token() : null;
    }

    /** Forgets the writes seen so far: later calls no longer wait for them. */
    public void resetSession() {
        session.clear();
    }

    // ------------------------------------------------------------------------------- libraries

    public WriteReceipt createLibrary(final LibraryRequest library, final boolean wait) {
        return join(createLibraryAsync(library, wait));
    }

    /** Creates a library; with {@code wait}, returns once the stream has applied it. */
    public CompletableFuture<WriteReceipt> createLibraryAsync(final LibraryRequest library, final boolean wait) {
        return transport.write("POST", "v1/libraries", library, wait, library.id());
    }

    public Library getLibrary(final String libraryId) {
        return join(getLibraryAsync(libraryId, null));
    }

    /** A library, once the write of {@code consistencyToken} (may be null) is applied. */
    public CompletableFuture<Library> getLibraryAsync(final String libraryId, final String consistencyToken) {
        return transport.read("GET", library(libraryId), null, consistencyToken, type(Library.class));
    }

    /** Every library in id order; pages are fetched as the stream reaches them. */
    public Stream<Library> listLibraries() {
        return paged("v1/libraries", Library.class);
    }

    public CompletableFuture<List<Library>> listLibrariesAsync() {
        return allPages("v1/libraries", Library.class);
    }

    public WriteReceipt updateLibrary(final String libraryId, final LibraryRequest changes, final boolean wait) {
        return join(updateLibraryAsync(libraryId, changes, wait));
    }

    /** Changes a library's name, metadata, index or metadata schema (fields left null stay). */
    public CompletableFuture<WriteReceipt> updateLibraryAsync(final String libraryId, final LibraryRequest changes,
                                                              final boolean wait) {
        return transport.write("PATCH", library(libraryId), changes, wait, libraryId);
    }

    public WriteReceipt deleteLibrary(final String libraryId, final boolean wait) {
        return join(deleteLibraryAsync(libraryId, wait));
    }

    /** Deletes a library with all its documents and chunks. */
    public CompletableFuture<WriteReceipt> deleteLibraryAsync(final String libraryId, final boolean wait) {
        return transport.write("DELETE", library(libraryId), null, wait, libraryId);
    }

    // ------------------------------------------------------------------------------- documents

    public WriteReceipt putDocument(final String libraryId, final String documentId, final DocumentRequest document,
                                    final boolean wait) {
        return join(putDocumentAsync(libraryId, documentId, document, wait));
    }

    /** Creates or replaces a document (its chunks too, when the request lists them). */
    public CompletableFuture<WriteReceipt> putDocumentAsync(final String libraryId, final String documentId,
                                                            final DocumentRequest document, final boolean wait) {
        return transport.write("PUT", document(libraryId, documentId), document, wait, libraryId, documentId);
    }

    public Document getDocument(final String libraryId, final String documentId) {
        return join(getDocumentAsync(libraryId, documentId));
    }

    public CompletableFuture<Document> getDocumentAsync(final String libraryId, final String documentId) {
        return transport.read("GET", document(libraryId, documentId), null, null, type(Document.class));
    }

    /** A library's documents in id order, page by page as the stream reaches them. */
    public Stream<Document> listDocuments(final String libraryId) {
        return paged(library(libraryId) + "/documents", Document.class);
    }

    public CompletableFuture<List<Document>> listDocumentsAsync(final String libraryId) {
        return allPages(library(libraryId) + "/documents", Document.class);
    }

    public WriteReceipt deleteDocument(final String libraryId, final String documentId, final boolean wait) {
        return join(deleteDocumentAsync(libraryId, documentId, wait));
    }

    public CompletableFuture<WriteReceipt> deleteDocumentAsync(final String libraryId, final String documentId,
                                                               final boolean wait) {
        return transport.write("DELETE", document(libraryId, documentId), null, wait, libraryId, documentId);
    }

    // ------------------------------------------------------------------------------- chunks

    public WriteReceipt putChunk(final String libraryId, final String documentId, final ChunkRequest chunk,
                                 final boolean wait) {
        return join(putChunkAsync(libraryId, documentId, chunk, wait));
    }

    /** Creates or replaces the chunk {@code chunk.id()} of a document that exists. */
    public CompletableFuture<WriteReceipt> putChunkAsync(final String libraryId, final String documentId,
                                                         final ChunkRequest chunk, final boolean wait) {
        return transport.write("PUT", chunk(libraryId, documentId, chunk.id()), chunk, wait, libraryId, documentId,
                chunk.id());
    }

    public Chunk getChunk(final String libraryId, final String documentId, final String chunkId) {
        return join(getChunkAsync(libraryId, documentId, chunkId));
    }

    public CompletableFuture<Chunk> getChunkAsync(final String libraryId, final String documentId,
                                                  final String chunkId) {
        return transport.read("GET", chunk(libraryId, documentId, chunkId), null, null, type(Chunk.class));
    }

    /** A document's chunks in id order, with their embeddings only when {@code withEmbeddings}. */
    public Stream<Chunk> listChunks(final String libraryId, final String documentId, final boolean withEmbeddings) {
        return paged(document(libraryId, documentId) + "/chunks" + (withEmbeddings ? "?include=embedding" : ""),
                Chunk.class);
    }

    public CompletableFuture<List<Chunk>> listChunksAsync(final String libraryId, final String documentId,
                                                          final boolean withEmbeddings) {
        return allPages(document(libraryId, documentId) + "/chunks" + (withEmbeddings ? "?include=embedding" : ""),
                Chunk.class);
    }

    public WriteReceipt deleteChunk(final String libraryId, final String documentId, final String chunkId,
                                    final boolean wait) {
        return join(deleteChunkAsync(libraryId, documentId, chunkId, wait));
    }

    public CompletableFuture<WriteReceipt> deleteChunkAsync(final String libraryId, final String documentId,
                                                            final String chunkId, final boolean wait) {
        return transport.write("DELETE", chunk(libraryId, documentId, chunkId), null, wait, libraryId, documentId,
                chunkId);
    }

    // ------------------------------------------------------------------------------- search

    public SearchResponse search(final String libraryId, final SearchRequest search) {
        return join(searchAsync(libraryId, search));
    }

    /** The k nearest chunks (or best documents, grouped), with the strategy that found them. */
    public CompletableFuture<SearchResponse> searchAsync(final String libraryId, final SearchRequest search) {
        return transport.read("POST", library(libraryId) + "/search", search, null, type(SearchResponse.class));
    }

    public List<SearchResponse> searchBatch(final String libraryId, final List<SearchRequest> searches) {
        return join(searchBatchAsync(libraryId, searches));
    }

    /** Up to 100 searches in one call, answered in order; one bad search refuses the batch (400 naming it). */
    public CompletableFuture<List<SearchResponse>> searchBatchAsync(final String libraryId,
                                                                    final List<SearchRequest> searches) {
        return transport.<JsonNode>read("POST", library(libraryId) + "/search/batch", Map.of("searches", searches), null,
                type(JsonNode.class)).thenApply(answer -> Transport.JSON.convertValue(answer.path("responses"),
                TYPES.constructCollectionType(List.class, SearchResponse.class)));
    }

    public long count(final String libraryId, final Map<String, Object> filter) {
        return join(countAsync(libraryId, filter));
    }

    /** The exact number of the library's chunks that match {@code filter} (all of them when null). */
    public CompletableFuture<Long> countAsync(final String libraryId, final Map<String, Object> filter) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (filter != null) {
            body.put("filter", filter);
        }
        return transport.<JsonNode>read("POST", library(libraryId) + "/count", body, null, type(JsonNode.class))
                .thenApply(answer -> answer.path("count").asLong());
    }

    // ------------------------------------------------------------------------------- models

    public Embeddings embed(final List<String> texts, final String model, final String purpose) {
        return join(embedAsync(texts, model, purpose));
    }

    /** The embeddings of 1 to 256 texts; {@code model} and {@code purpose} ("passage", "query") may be null. */
    public CompletableFuture<Embeddings> embedAsync(final List<String> texts, final String model,
                                                    final String purpose) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("texts", texts);
        if (model != null) {
            body.put("model", model);
        }
        if (purpose != null) {
            body.put("purpose", purpose);
        }
        return transport.read("POST", "v1/embed", body, null, type(Embeddings.class));
    }

    public List<Map<String, Object>> models() {
        return join(modelsAsync());
    }

    /** The embedding models built into the service, each as the service describes it. */
    public CompletableFuture<List<Map<String, Object>>> modelsAsync() {
        return transport.<JsonNode>read("GET", "v1/models", null, null, type(JsonNode.class))
                .thenApply(answer -> Transport.JSON.convertValue(answer.path("models"),
                        TYPES.constructCollectionType(List.class, TYPES.constructMapType(Map.class, String.class,
                                Object.class))));
    }

    public Map<String, Object> cluster() {
        return join(clusterAsync());
    }

    /**
     * The service's instances as the one asked sees them ({@code GET /v1/cluster}): each one's
     * active and standby shards, shards with no owner, and that instance's lag per shard copy.
     */
    public CompletableFuture<Map<String, Object>> clusterAsync() {
        return transport.read("GET", "v1/cluster", null, null,
                TYPES.constructMapType(Map.class, String.class, Object.class));
    }

    // ------------------------------------------------------------------------------- plumbing

    private <T> Stream<T> paged(final String path, final Class<T> item) {
        Iterator<T> pages = new Iterator<>() {
            private Iterator<T> current = List.<T>of().iterator();
            private String cursor;
            private boolean last;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && !last) {
                    Page<T> page = join(page(path, cursor, item));
                    current = page.items().iterator();
                    cursor = page.nextCursor();
                    last = cursor == null;
                }
                return current.hasNext();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED), false);
    }

    private <T> CompletableFuture<List<T>> allPages(final String path, final Class<T> item) {
        List<T> all = new ArrayList<>();
        Function<Page<T>, CompletableFuture<List<T>>> collect = new Function<>() {
            @Override
            public CompletableFuture<List<T>> apply(final Page<T> page) {
                all.addAll(page.items());
                return page.nextCursor() == null ? CompletableFuture.completedFuture(all)
                        : page(path, page.nextCursor(), item).thenCompose(this);
            }
        };
        return page(path, null, item).thenCompose(collect);
    }

    private <T> CompletableFuture<Page<T>> page(final String path, final String cursor, final Class<T> item) {
        String separator = path.contains("?") ? "&" : "?";
        String url = cursor == null ? path : path + separator + "cursor=" + URLEncoder.encode(cursor,
                StandardCharsets.UTF_8);
        return transport.read("GET", url, null, null, TYPES.constructParametricType(Page.class, item));
    }

    private static JavaType type(final Class<?> type) {
        return TYPES.constructType(type);
    }

    private static String library(final String libraryId) {
        return "v1/libraries/" + segment(libraryId, "libraryId");
    }

    private static String document(final String libraryId, final String documentId) {
        return library(libraryId) + "/documents/" + segment(documentId, "documentId");
    }

    private static String chunk(final String libraryId, final String documentId, final String chunkId) {
        return document(libraryId, documentId) + "/chunks/" + segment(chunkId, "chunkId");
    }

    private static String segment(final String id, final String name) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException(name + " must be a non-empty id");
        }
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The future's value, or its {@link VectorStreamException} thrown as it is. */
    private static <T> T join(final CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }
}
