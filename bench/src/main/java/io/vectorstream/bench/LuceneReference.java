package io.vectorstream.bench;

import io.vectorstream.index.Metric;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Lucene's HNSW (lucene-core, what Elasticsearch, OpenSearch and Solr run) over the same vectors,
 * the reference a graph index of ours is measured against, in the same run. One segment in memory,
 * built by adding the vectors one by one (Lucene builds the graph as they come), searched from one
 * thread; a query's {@code numCandidates} (Lucene's k, the beam of its search) is the knob of the
 * sweep, the best 10 of them the answer. Never part of the product: only the bench module has it.
 */
final class LuceneReference implements AutoCloseable {

    /** The {@code --index} name of the reference. */
    static final String KIND = "lucene";

    private static final String FIELD = "v";

    private final ByteBuffersDirectory directory;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final double buildSeconds;

    private LuceneReference(final ByteBuffersDirectory directory, final double buildSeconds) throws IOException {
        this.directory = directory;
        this.reader = DirectoryReader.open(directory);
        if (reader.leaves().size() != 1) {
            throw new IllegalStateException("expected one segment, got " + reader.leaves().size());
        }
        this.searcher = new IndexSearcher(reader); // no executor: one thread, as our indexes are measured
        this.buildSeconds = buildSeconds;
    }

    /**
     * Indexes {@code base} in one segment with HNSW of {@code maxConn} (Lucene's m) and
     * {@code beamWidth} (its efConstruction); document i is vector i.
     */
    static LuceneReference build(final float[][] base, final Metric metric, final int maxConn, final int beamWidth,
                                 final PrintStream progress) {
        ByteBuffersDirectory directory = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig()
                .setCodec(new Lucene103Codec() {
                    @Override
                    public KnnVectorsFormat getKnnVectorsFormatForField(final String field) {
                        return new Lucene99HnswVectorsFormat(maxConn, beamWidth);
                    }
                })
                // One segment: no flush before the end, so no merge rebuilds the graph, and doc ids
                // are the insertion order.
                .setRAMBufferSizeMB(1_800) // under the per-thread limit (1,945 MB); 200k x 384 floats take 307 MB
                // Larger sets flush several segments, merged into one at the end: a log merge policy
                // merges neighbours only, so doc ids stay the insertion order.
                .setMergePolicy(new LogByteSizeMergePolicy())
                .setUseCompoundFile(false);
        VectorSimilarityFunction similarity = similarity(metric);
        long start = System.nanoTime();
        long lastReport = start;
        try (IndexWriter writer = new IndexWriter(directory, config)) {
            for (int i = 0; i < base.length; i++) {
                Document document = new Document();
                document.add(new KnnFloatVectorField(FIELD, base[i], similarity));
                writer.addDocument(document);
                long now = System.nanoTime();
                if (now - lastReport > 5_000_000_000L) {
                    progress.printf("  lucene: added %,d / %,d (%.0f s)%n", i + 1, base.length, (now - start) / 1e9);
                    lastReport = now;
                }
            }
            writer.forceMerge(1);
            writer.commit();
            return new LuceneReference(directory, (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Our metrics as Lucene's: cosine is Lucene's cosine, dot its maximum inner product, l2 Euclidean. */
    private static VectorSimilarityFunction similarity(final Metric metric) {
        return switch (metric) {
            case COSINE -> VectorSimilarityFunction.COSINE;
            case DOT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
            case L2 -> VectorSimilarityFunction.EUCLIDEAN;
        };
    }

    double buildSeconds() {
        return buildSeconds;
    }

    /** The index's files in memory per vector: vectors, graph and metadata. */
    double bytesPerVector() {
        try {
            long bytes = 0;
            for (String file : directory.listAll()) {
                bytes += directory.fileLength(file);
            }
            return (double) bytes / reader.maxDoc();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ids of the {@code k} best of {@code numCandidates} found, best first. */
    int[] search(final float[] query, final int k, final int numCandidates) {
        try {
            TopDocs top = searcher.search(new KnnFloatVectorQuery(FIELD, query, numCandidates), k);
            int[] ids = new int[top.scoreDocs.length];
            int i = 0;
            for (ScoreDoc hit : top.scoreDocs) {
                ids[i++] = hit.doc;
            }
            return ids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            reader.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
