package io.vectorstream.index;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Set;

/**
 * Makes an index from a library's {@code index.kind} and {@code index.params}: the one place that
 * knows the kinds and their parameter names.
 */
public final class IndexFactory {

    /** The kinds a library may choose. */
    public static final Set<String> KINDS = Set.of("flat", "ivf", "lsh", "hnsw");

    private IndexFactory() {
    }

    /**
     * @param params numeric parameters by name; absent ones take their defaults
     * @throws IllegalArgumentException for an unknown kind, an unknown parameter or a bad value
     */
    public static <K> VectorIndex<K> create(final String kind, final int dimension, final Metric metric,
                                            final Map<String, ? extends Number> params) {
        return create(kind, dimension, metric, params, null);
    }

    /**
     * As {@link #create(String, int, Metric, Map)}, with the trainings and builds an index starts
     * by itself run on {@code background} ({@code null}: on the thread that writes the index).
     */
    public static <K> VectorIndex<K> create(final String kind, final int dimension, final Metric metric,
                                            final Map<String, ? extends Number> params,
                                            final BackgroundTraining background) {
        return switch (parameters(kind, params, dimension)) {
            case IvfParams ivf -> new IvfIndex<>(dimension, metric, ivf, background);
            case LshParams lsh -> new LshIndex<>(dimension, metric, lsh);
            case FlatParams flat -> new FlatIndex<>(dimension, metric, flat);
            case HnswParams hnsw -> new HnswIndex<>(dimension, metric, hnsw, background);
            default -> throw new IllegalStateException("no index for " + kind);
        };
    }

    /**
     * Checks a kind and its parameters for vectors of {@code dimension} as {@link #create} would,
     * without making the index (an LSH index's projections may take megabytes).
     *
     * @throws IllegalArgumentException as {@link #create}
     */
    public static void check(final String kind, final Map<String, ? extends Number> params, final int dimension) {
        parameters(kind, params, dimension);
    }

    /**
     * The kind's parameter record ({@link FlatParams}, {@link IvfParams}, {@link LshParams},
     * {@link HnswParams}),
     * checked against {@code dimension} where memory depends on it.
     */
    private static Object parameters(final String kind, final Map<String, ? extends Number> params,
                                     final int dimension) {
        Object parameters = parameters(kind, params);
        if (parameters instanceof LshParams lsh) {
            lsh.requireFits(dimension);
        }
        return parameters;
    }

    private static Object parameters(final String kind, final Map<String, ? extends Number> params) {
        return switch (kind) {
            case "flat" -> {
                requireOnly(kind, params, Set.of("sq8"));
                yield new FlatParams(booleanOf(params, "sq8", FlatParams.DEFAULT.sq8()));
            }
            case "ivf" -> {
                requireOnly(kind, params, Set.of("nlist", "nprobe", "trainThreshold", "retrainGrowth", "samplePerList",
                        "iterations", "seed", "sq8", "rerank"));
                IvfParams d = IvfParams.DEFAULT;
                yield new IvfParams(
                        intOf(params, "nlist", d.nlist()), intOf(params, "nprobe", d.nprobe()),
                        intOf(params, "trainThreshold", d.trainThreshold()),
                        doubleOf(params, "retrainGrowth", d.retrainGrowth()),
                        intOf(params, "samplePerList", d.samplePerList()), intOf(params, "iterations", d.iterations()),
                        longOf(params, "seed", d.seed()), booleanOf(params, "sq8", d.sq8()),
                        intOf(params, "rerank", d.rerank()));
            }
            case "lsh" -> {
                requireOnly(kind, params, Set.of("tables", "bits", "probes", "collisions", "width", "seed", "sq8"));
                LshParams d = LshParams.DEFAULT;
                yield new LshParams(intOf(params, "tables", d.tables()),
                        intOf(params, "bits", d.bits()), intOf(params, "probes", d.probes()),
                        intOf(params, "collisions", d.collisions()),
                        doubleOf(params, "width", d.width()), longOf(params, "seed", d.seed()),
                        booleanOf(params, "sq8", d.sq8()));
            }
            case "hnsw" -> {
                requireOnly(kind, params, Set.of("m", "efConstruction", "efSearch"));
                HnswParams d = HnswParams.DEFAULT;
                yield new HnswParams(intOf(params, "m", d.m()), intOf(params, "efConstruction", d.efConstruction()),
                        intOf(params, "efSearch", d.efSearch()));
            }
            default -> throw new IllegalArgumentException("unknown index kind '" + kind + "' (flat, ivf, lsh, hnsw)");
        };
    }

    private static void requireOnly(final String kind, final Map<String, ? extends Number> params,
                                    final Set<String> known) {
        for (String name : params.keySet()) {
            if (!known.contains(name)) {
                throw new InvalidIndexParameter(name, "unknown parameter '" + name + "' for index kind " + kind
                        + (known.isEmpty() ? " (it takes none)" : " (known: " + known + ")"));
            }
        }
    }

    private static int intOf(final Map<String, ? extends Number> params, final String name, final int fallback) {
        long value = longOf(params, name, fallback);
        if (value != (int) value) {
            throw new InvalidIndexParameter(name, name + " must be a 32-bit whole number, got " + value);
        }
        return (int) value;
    }

    /** A whole number, as JSON gives it ({@code 8}, {@code 8.0}); {@code 2.7} is refused, not rounded. */
    private static long longOf(final Map<String, ? extends Number> params, final String name, final long fallback) {
        Number n = params.get(name);
        if (n == null) {
            return fallback;
        }
        if (n instanceof Double || n instanceof Float) {
            double value = n.doubleValue();
            if (value != Math.rint(value) || value < -0x1p63 || value >= 0x1p63) {
                throw new InvalidIndexParameter(name, name + " must be a whole number within 64 bits, got " + n);
            }
            return (long) value;
        }
        if (n instanceof BigInteger || n instanceof BigDecimal) {
            try {
                return new BigDecimal(n.toString()).longValueExact();
            } catch (ArithmeticException e) {
                throw new InvalidIndexParameter(name, name + " must be a whole number within 64 bits, got " + n);
            }
        }
        return n.longValue();
    }

    private static double doubleOf(final Map<String, ? extends Number> params, final String name,
                                   final double fallback) {
        Number n = params.get(name);
        return n == null ? fallback : n.doubleValue();
    }

    private static boolean booleanOf(final Map<String, ? extends Number> params, final String name,
                                     final boolean fallback) {
        long value = longOf(params, name, fallback ? 1 : 0);
        if (value != 0 && value != 1) {
            throw new InvalidIndexParameter(name, name + " must be 0 (off) or 1 (on), got " + value);
        }
        return value == 1;
    }
}
