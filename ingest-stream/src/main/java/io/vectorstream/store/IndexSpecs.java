package io.vectorstream.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.index.BackgroundTraining;
import io.vectorstream.index.HnswParams;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.InvalidIndexParameter;
import io.vectorstream.index.LshParams;
import io.vectorstream.index.Metric;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.schema.IndexSpec;
import io.vectorstream.schema.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a library's index spec (kind and params, as JSON) into an index, and checks it. */
public final class IndexSpecs {

    private static final Logger LOG = LoggerFactory.getLogger(IndexSpecs.class);

    private IndexSpecs() {
    }

    /**
     * A new, empty index as a stored library's {@code indexJson} ({@code {"kind":..., "params":{...}}})
     * describes, read as {@link #tolerated} reads it.
     *
     * @param background where the index's own trainings run ({@code null}: on the thread that writes it)
     */
    public static <K> VectorIndex<K> create(final String indexJson, final int dimension, final Metric metric,
                                            final BackgroundTraining background) {
        JsonNode spec = tolerated(indexJson, dimension);
        return IndexFactory.create(spec.path("kind").asText("flat"), dimension, metric, params(spec.get("params")),
                background);
    }

    /**
     * A stored spec without the parameters today's ranges refuse: an earlier version accepted
     * values the ranges now exclude (they were narrowed, fractions were rounded), and such a
     * parameter takes its default, with a warning, rather than leave a library that cannot load
     * and a shard that cannot open.
     */
    public static ObjectNode tolerated(final String indexJson, final int dimension) {
        if (!(Json.tree(indexJson) instanceof ObjectNode spec)) {
            return Json.MAPPER.createObjectNode().put("kind", "flat");
        }
        String kind = spec.path("kind").asText("flat");
        while (true) {
            try {
                IndexFactory.check(kind, params(spec.get("params")), dimension);
                return spec;
            } catch (InvalidIndexParameter e) {
                if (!(spec.get("params") instanceof ObjectNode params) || params.isEmpty()) {
                    throw e;
                }
                if (params.remove(e.parameter()) == null) {
                    params.removeAll(); // at fault with its default (tables x bits with other bits): all defaults
                }
                LOG.warn("a stored index spec {} has a parameter out of today's range; it takes its default: {}",
                        indexJson, e.getMessage());
            }
        }
    }

    /**
     * What is wrong with an index spec.
     *
     * @param message   says what and why
     * @param parameter the parameter at fault, or {@code null} when the spec as a whole is
     */
    public record Problem(String message, String parameter) {

        /** The field at fault under {@code indexField}: {@code index.params.nlist}, or {@code index}. */
        public String field(final String indexField) {
            return parameter == null ? indexField : indexField + ".params." + parameter;
        }
    }

    /** What is wrong with a spec, or {@code null} when an index of {@code dimension} can be made from it. */
    public static Problem problem(final IndexSpec spec, final int dimension) {
        try {
            IndexFactory.check(spec.kind(), params(spec.params()), dimension);
            return null;
        } catch (InvalidIndexParameter e) {
            return new Problem("invalid index: " + e.getMessage(), e.parameter());
        } catch (IllegalArgumentException e) {
            return new Problem("invalid index: " + e.getMessage(), null);
        }
    }

    /** A stored library's index spec, read as {@link #tolerated} reads it. */
    public static IndexSpec spec(final String indexJson, final int dimension) {
        ObjectNode spec = tolerated(indexJson, dimension);
        return new IndexSpec(spec.path("kind").asText("flat"),
                spec.get("params") instanceof ObjectNode params ? params : null);
    }

    /**
     * The beam each shard's graph searches with when a query sets none, the library's vectors
     * spread over {@code shards} shards ({@link HnswParams#efPerShard}); 0 (each index's own
     * default) for the other kinds. Read on every search: the spec's two fields only, not the
     * whole check of {@link #tolerated} (an efSearch out of today's range takes the default, as
     * the shards' indexes do).
     */
    public static int defaultEfPerShard(final String indexJson, final int shards) {
        JsonNode spec = Json.tree(indexJson);
        if (!"hnsw".equals(spec.path("kind").asText())) {
            return 0;
        }
        int efSearch = spec.path("params").path("efSearch").asInt(HnswParams.DEFAULT.efSearch());
        boolean inRange = efSearch >= 1 && efSearch <= HnswParams.MAX_EF;
        return HnswParams.efPerShard(inRange ? efSearch : HnswParams.DEFAULT.efSearch(), shards);
    }

    /**
     * What an index of this spec allocates up front in one shard, before it holds a vector (LSH's
     * projections; nothing for the others), without allocating it.
     */
    public static long fixedBytes(final IndexSpec spec, final int dimension) {
        if (!"lsh".equals(spec.kind())) {
            return 0;
        }
        Map<String, Number> params = params(spec.params());
        LshParams d = LshParams.DEFAULT;
        long tables = params.getOrDefault("tables", d.tables()).longValue();
        long bits = params.getOrDefault("bits", d.bits()).longValue();
        return tables * bits * dimension * Float.BYTES;
    }

    private static Map<String, Number> params(final JsonNode params) {
        Map<String, Number> out = new LinkedHashMap<>();
        if (params != null) {
            params.fields().forEachRemaining(field -> out.put(field.getKey(), field.getValue().numberValue()));
        }
        return out;
    }
}
