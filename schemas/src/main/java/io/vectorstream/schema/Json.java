package io.vectorstream.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one Jackson configuration of the project: events, REST bodies and stored metadata. */
public final class Json {

    /**
     * Thread-safe shared mapper. The fast double parser roughly doubles the rate at which events
     * with JSON-array vectors are parsed (FACTS.md: float parsing is most of the cost). Unknown
     * properties are not ignored silently here: the JSON Schemas reject them first, with a field name.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
                    .build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    /**
     * Reads one JSON value and nothing after it: {@code {...} garbage} and {@code {...}{...}} are
     * malformed (a plain {@code readTree} stops after the first value and ignores the rest), for
     * request bodies and events alike.
     */
    public static final ObjectReader ONE_VALUE = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /**
     * Parses JSON this service wrote itself (stored metadata, index specs).
     *
     * @throws IllegalStateException if it does not parse, which means stored data is damaged
     */
    public static JsonNode tree(final String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
