package io.vectorstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.InvalidIndexParameter;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.schema.IndexSpec;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.Metric;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns a library's index spec (kind and params, as JSON) into an index, and checks it. */
public final class IndexSpecs {

    private IndexSpecs() {
    }

    /** A new, empty index as {@code indexJson} ({@code {"kind":..., "params":{...}}}) describes. */
    public static <K> VectorIndex<K> create(final String indexJson, final int dimension, final Metric metric) {
        JsonNode spec = Json.tree(indexJson);
        return IndexFactory.create(spec.path("kind").asText("flat"), dimension, metric, params(spec.get("params")));
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

    /** What is wrong with a spec, or {@code null} when an index can be made from it. */
    public static Problem problem(final IndexSpec spec, final int dimension, final Metric metric) {
        try {
            IndexFactory.create(spec.kind(), dimension, metric, params(spec.params()));
            return null;
        } catch (InvalidIndexParameter e) {
            return new Problem("invalid index: " + e.getMessage(), e.parameter());
        } catch (IllegalArgumentException e) {
            return new Problem("invalid index: " + e.getMessage(), null);
        }
    }

    private static Map<String, Number> params(final JsonNode params) {
        Map<String, Number> out = new LinkedHashMap<>();
        if (params != null) {
            params.fields().forEachRemaining(field -> out.put(field.getKey(), field.getValue().numberValue()));
        }
        return out;
    }
}
