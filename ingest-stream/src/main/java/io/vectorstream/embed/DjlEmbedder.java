package io.vectorstream.embed;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.vectorstream.index.Similarity;
import io.vectorstream.metrics.PipelineMeters;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A built model folder run on DJL's PyTorch engine: Hugging Face tokenizer, then
 * {@link BertEncoderBlock}.
 *
 * <p>Texts are sorted by token count and cut into batches of similar length, each padded only to
 * its own longest text: with one padded batch per call, a single long text would make every short
 * one pay for its length. A batch also stops at {@value #TOKENS_PER_TEXT} tokens per text of the
 * batch size so that memory stays bounded whatever the caller sends.
 */
public final class DjlEmbedder implements Embedder {

    /** Texts per forward pass unless the options say otherwise ({@link ModelOptions#DEFAULT_BATCH}). */
    public static final int MAX_BATCH = ModelOptions.DEFAULT_BATCH;
    /** A batch's token budget per text of the batch size. */
    static final int TOKENS_PER_TEXT = 128;
    private static final Logger LOG = LoggerFactory.getLogger(DjlEmbedder.class);
    /** Measured: >= 0.99997 on 500 sentences; a bfloat16 pass below this is broken, not imprecise. */
    private static final double MIN_COSINE_TO_FLOAT32 = 0.999;

    private final ModelManifest manifest;
    /** Texts per forward pass. */
    private final int maxBatch;
    private final HuggingFaceTokenizer tokenizer;
    private final Model model;
    private final BertEncoderBlock block;
    /** The forward parameters of each precision (never modified). */
    private static final Map<Precision, PairList<String, Object>> FORWARD_PARAMS = Map.of(
            Precision.FLOAT32, new PairList<>(List.of(BertEncoderBlock.PRECISION), List.of(Precision.FLOAT32)),
            Precision.BFLOAT16, new PairList<>(List.of(BertEncoderBlock.PRECISION), List.of(Precision.BFLOAT16)));
    private volatile Precision precision = Precision.FLOAT32;
    private final LongAdder busyNanos = new LongAdder();
    /**
     * Forward passes hold it shared, {@link #close} exclusively: the native model must not be
     * freed under a pass still running (a shutdown that gave up waiting for a batch in flight).
     */
    private final ReentrantReadWriteLock passes = new ReentrantReadWriteLock();
    private boolean closed;

    private DjlEmbedder(final ModelManifest manifest, final HuggingFaceTokenizer tokenizer, final Model model,
                        final BertEncoderBlock block, final int maxBatch) {
        this.manifest = manifest;
        this.maxBatch = maxBatch;
        this.tokenizer = tokenizer;
        this.model = model;
        this.block = block;
    }

    /** {@link #load(Path, ModelOptions)} with the default options. */
    public static DjlEmbedder load(final Path modelDir) throws IOException {
        return load(modelDir, ModelOptions.DEFAULT);
    }

    /**
     * Loads the model built in {@code modelDir} (see {@link ModelBuilder}) in the precision the
     * options ask for. By default ({@code auto}) that is the fastest this CPU runs natively, and
     * if this PyTorch build cannot run the bfloat16 layers the model runs in float32 and the log
     * says why.
     */
    public static DjlEmbedder load(final Path modelDir, final ModelOptions options) throws IOException {
        Optional<Precision> requested = options.precision();
        return load(modelDir, requested.orElseGet(Precision::fastestNative), requested.isEmpty(), options);
    }

    /** Loads the model built in {@code modelDir} to run in {@code precision}, or fails. */
    public static DjlEmbedder load(final Path modelDir, final Precision precision) throws IOException {
        return load(modelDir, precision, false, ModelOptions.DEFAULT);
    }

    private static DjlEmbedder load(final Path modelDir, final Precision precision, final boolean fallBack,
                                    final ModelOptions options) throws IOException {
        DjlEmbedder embedder = loadFloat32(modelDir, options);
        if (precision == Precision.BFLOAT16) {
            try {
                embedder.usePrecision(Precision.BFLOAT16);
            } catch (EmbeddingException e) {
                if (!fallBack) {
                    embedder.close();
                    throw new IOException("cannot run " + embedder.modelId() + " in bfloat16: " + e.getMessage(), e);
                }
                LOG.warn("Model {} runs in float32: its bfloat16 layers failed on this machine ({})",
                        embedder.modelId(), e.getMessage());
                embedder.block.release(Precision.BFLOAT16);
            }
        }
        return embedder;
    }

    /**
     * Switches precision once a forward pass in it has succeeded and agrees with float32 (the
     * first pass in bfloat16 also packs its weights, so no caller pays for that). The bfloat16
     * layers rest on internal oneDNN operations of libtorch: a build where they compute something
     * else must not go unnoticed.
     */
    private void usePrecision(final Precision wanted) {
        List<String> probe = List.of("A short sentence to check the model with.");
        float[] reference = embedBatches(probe, Purpose.PASSAGE, Precision.FLOAT32)[0];
        float[] vector = embedBatches(probe, Purpose.PASSAGE, wanted)[0];
        double cosine = Similarity.dot(vector, reference, 0); // both unit length
        if (!(cosine >= MIN_COSINE_TO_FLOAT32)) {
            throw new EmbeddingException(wanted.label() + " gives a vector at cosine " + cosine
                    + " to float32's (at least " + MIN_COSINE_TO_FLOAT32 + " expected)", null);
        }
        precision = wanted;
    }

    private static DjlEmbedder loadFloat32(final Path modelDir, final ModelOptions options) throws IOException {
        DjlRuntime.configure(options.threads());
        ModelManifest manifest = ModelManifest.read(modelDir);
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(modelDir.resolve(ModelManifest.TOKENIZER_FILE))
                .optAddSpecialTokens(true)
                .optTruncation(true)
                .optMaxLength(manifest.maxTokens())
                .optPadding(false)
                .build();
        Model model = Model.newInstance(manifest.djlModelName(), Device.cpu(), "PyTorch");
        BertEncoderBlock block = new BertEncoderBlock(manifest.encoder(), manifest.pooling());
        model.setBlock(block);
        boolean loaded = false;
        try {
            model.load(modelDir, manifest.djlModelName());
            // DJL skips, silently, a parameter file that does not start with its magic bytes.
            if (!block.getParameters().values().stream().allMatch(Parameter::isInitialized)) {
                throw new IOException("the parameters in " + modelDir.resolve(manifest.paramsFile())
                        + " are not a DJL parameter file; rebuild the model (bin/vectorstream build-model --force)");
            }
            loaded = true;
        } catch (MalformedModelException e) {
            throw new IOException("unreadable model parameters in " + modelDir + ": " + e.getMessage(), e);
        } finally {
            if (!loaded) {
                model.close();
                tokenizer.close();
            }
        }
        return new DjlEmbedder(manifest, tokenizer, model, block, options.batch());
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** The number format the dense layers run in. */
    public Precision precision() {
        return precision;
    }

    @Override
    public String modelId() {
        return manifest.modelId();
    }

    @Override
    public int dimension() {
        return manifest.dimension();
    }

    @Override
    public float[][] embed(final List<String> texts, final Purpose purpose) {
        passes.readLock().lock();
        long start = System.nanoTime();
        try {
            if (closed) {
                throw new IllegalStateException("model " + manifest.modelId() + " is closed");
            }
            return embedBatches(texts, purpose, precision);
        } finally {
            busyNanos.add(System.nanoTime() - start);
            passes.readLock().unlock();
        }
    }

    /**
     * Nanoseconds spent in {@link #embed} so far, summed over the threads calling it: over a
     * window of time, the share of it the model was working (the pipeline benchmark's measure of
     * how much the model waits for the Kafka work around it).
     */
    public long busyNanos() {
        return busyNanos.sum();
    }

    private float[][] embedBatches(final List<String> texts, final Purpose purpose, final Precision inPrecision) {
        float[][] vectors = new float[texts.size()][];
        if (texts.isEmpty()) {
            return vectors;
        }
        String prefix = purpose == Purpose.QUERY ? manifest.queryPrefix() : manifest.passagePrefix();
        try {
            Encoding[] encodings = tokenizer.batchEncode(prefix.isEmpty() ? texts
                    : texts.stream().map(text -> prefix + text).toList());
            Integer[] order = new Integer[encodings.length];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
            int start = 0;
            while (start < order.length) {
                int end = start + 1;
                while (end < order.length && end - start < maxBatch
                        && (long) (end - start + 1) * encodings[order[end]].getIds().length
                        <= (long) maxBatch * TOKENS_PER_TEXT) {
                    end++;
                }
                long passStart = System.nanoTime();
                runBatch(encodings, order, start, end, vectors, FORWARD_PARAMS.get(inPrecision));
                PipelineMeters.modelPass(manifest.modelId(), purpose.name().toLowerCase(Locale.ROOT),
                        end - start, Duration.ofNanos(System.nanoTime() - passStart));
                start = end;
            }
            return vectors;
        } catch (RuntimeException e) {
            throw new EmbeddingException("model " + modelId() + " failed: " + e, e);
        }
    }

    /** Embeds {@code encodings[order[start..end)]}, sorted by length, padded to the last (longest). */
    private void runBatch(final Encoding[] encodings, final Integer[] order, final int start, final int end,
                          final float[][] into, final PairList<String, Object> forwardParams) {
        int rows = end - start;
        int tokens = encodings[order[end - 1]].getIds().length;
        long[] ids = new long[rows * tokens];
        long[] mask = new long[rows * tokens];
        for (int row = 0; row < rows; row++) {
            long[] rowIds = encodings[order[start + row]].getIds();
            System.arraycopy(rowIds, 0, ids, row * tokens, rowIds.length);
            Arrays.fill(mask, row * tokens, row * tokens + rowIds.length, 1L);
        }
        DjlRuntime.applyThreadsOfThisThread();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList inputs = new NDList(manager.create(ids, new Shape(rows, tokens)),
                    manager.create(mask, new Shape(rows, tokens)));
            NDArray output = block.forward(new ParameterStore(manager, false), inputs, false, forwardParams)
                    .singletonOrThrow();
            float[] flat = output.toFloatArray();
            int dimension = manifest.dimension();
            for (int row = 0; row < rows; row++) {
                into[order[start + row]] = Arrays.copyOfRange(flat, row * dimension, (row + 1) * dimension);
            }
        }
    }

    @Override
    public void close() {
        try {
            if (!passes.writeLock().tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                // Freeing it now would crash the process under the running pass; it is ending anyway.
                LOG.warn("model {}: a forward pass still runs after {} s; its native memory is not freed",
                        manifest.modelId(), CLOSE_WAIT_SECONDS);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Precision each : Precision.values()) {
                block.release(each);
            }
            model.close();
            tokenizer.close();
        } finally {
            passes.writeLock().unlock();
        }
    }

    /** How long {@link #close} waits for forward passes still running. */
    private static final long CLOSE_WAIT_SECONDS = 60;
}
