package io.vectorstream.index;

import io.vectorstream.schema.Metric;
import java.util.Map;
import java.util.Set;

/**
 * Makes an index from a library's {@code index.kind} and {@code index.params}: the one place that
 * knows the kinds and their parameter names.
 */
public final class IndexFactory {

    /** The kinds there are. */
    public static final Set<String> KINDS = Set.of("flat", "ivf", "lsh");

    private IndexFactory() {
    }

    /**
     * @param params numeric parameters by name; absent ones take their defaults
     * @throws IllegalArgumentException for an unknown kind, an unknown parameter or a bad value
     */
    public static <K> VectorIndex<K> create(final String kind, final int dimension, final Metric metric,
                                            final Map<String, ? extends Number> params) {
        return switch (kind) {
            case "flat" -> {
                requireOnly(kind, params, Set.of());
                yield new FlatIndex<>(dimension, metric);
            }
            case "ivf" -> {
                requireOnly(kind, params, Set.of("nlist", "nprobe", "trainThreshold", "retrainGrowth", "samplePerList",
                        "iterations", "seed", "sq8", "rerank"));
                IvfParams d = IvfParams.DEFAULT;
                yield new IvfIndex<>(dimension, metric, new IvfParams(
                        intOf(params, "nlist", d.nlist()), intOf(params, "nprobe", d.nprobe()),
                        intOf(params, "trainThreshold", d.trainThreshold()),
                        doubleOf(params, "retrainGrowth", d.retrainGrowth()),
                        intOf(params, "samplePerList", d.samplePerList()), intOf(params, "iterations", d.iterations()),
                        longOf(params, "seed", d.seed()), intOf(params, "sq8", d.sq8() ? 1 : 0) != 0,
                        intOf(params, "rerank", d.rerank())));
            }
            case "lsh" -> {
                requireOnly(kind, params, Set.of("tables", "bits", "probes", "collisions", "width", "seed"));
                LshParams d = LshParams.DEFAULT;
                yield new LshIndex<>(dimension, metric, new LshParams(intOf(params, "tables", d.tables()),
                        intOf(params, "bits", d.bits()), intOf(params, "probes", d.probes()),
                        intOf(params, "collisions", d.collisions()),
                        doubleOf(params, "width", d.width()), longOf(params, "seed", d.seed())));
            }
            default -> throw new IllegalArgumentException("unknown index kind '" + kind + "' (flat, ivf, lsh)");
        };
    }

    private static void requireOnly(final String kind, final Map<String, ? extends Number> params,
                                    final Set<String> known) {
        for (String name : params.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "' for index kind " + kind
                        + (known.isEmpty() ? " (it takes none)" : " (known: " + known + ")"));
            }
        }
    }

    private static int intOf(final Map<String, ? extends Number> params, final String name, final int fallback) {
        Number n = params.get(name);
        return n == null ? fallback : n.intValue();
    }

    private static long longOf(final Map<String, ? extends Number> params, final String name, final long fallback) {
        Number n = params.get(name);
        return n == null ? fallback : n.longValue();
    }

    private static double doubleOf(final Map<String, ? extends Number> params, final String name,
                                   final double fallback) {
        Number n = params.get(name);
        return n == null ? fallback : n.doubleValue();
    }
}
