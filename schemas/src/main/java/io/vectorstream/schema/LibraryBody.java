package io.vectorstream.schema;

import io.vectorstream.index.Metric;
import java.util.Map;

/**
 * A library as written: the create body of {@code POST /v1/libraries} and the payload of
 * {@code library.upserted} (schema {@code library.json}).
 */
public record LibraryBody(
        String id,
        String name,
        Map<String, Object> metadata,
        Integer dimension,
        Metric metric,
        IndexSpec index,
        String model,
        Map<String, String> metadataSchema) {

    /**
     * The same library with defaults filled in: cosine, flat index, empty metadata. (A library
     * with a model and no dimension gets the model's dimension where the model is known.)
     */
    public LibraryBody withDefaults() {
        return new LibraryBody(id, name, metadata == null ? Map.of() : metadata, dimension,
                metric == null ? Metric.COSINE : metric, index == null ? IndexSpec.FLAT : index, model, metadataSchema);
    }
}
