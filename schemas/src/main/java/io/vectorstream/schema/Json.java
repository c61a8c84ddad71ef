package io.vectorstream.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializerBase;
import io.vectorstream.index.Metric;

/** The one Jackson configuration of the project: events, REST bodies and stored metadata. */
public final class Json {

    /**
     * Thread-safe shared mapper. The fast double parser roughly doubles the rate at which events
     * with JSON-array vectors are parsed (measured: parsing floats is most of the cost). Unknown
     * properties are not ignored silently here: the JSON Schemas reject them first, with a field name.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
                    .build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .addModule(wireNames())
            .build();

    /**
     * Reads one JSON value and nothing after it: {@code {...} garbage} and {@code {...}{...}} are
     * malformed (a plain {@code readTree} stops after the first value and ignores the rest), for
     * request bodies and events alike.
     */
    public static final ObjectReader ONE_VALUE = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** Types of modules that know no JSON library, written and read by their wire names. */
    private static SimpleModule wireNames() {
        return new SimpleModule("vectorstream-wire-names")
                .addSerializer(Metric.class, new ToStringSerializerBase(Metric.class) {
                    @Override
                    public String valueToString(final Object value) {
                        return ((Metric) value).wireName();
                    }
                })
                .addDeserializer(Metric.class, new FromStringDeserializer<Metric>(Metric.class) {
                    @Override
                    protected Metric _deserialize(final String value, final DeserializationContext context) {
                        return Metric.fromWireName(value);
                    }
                });
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
