package io.vectorstream.schema.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.schema.Json;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The filter language on one chunk: each operator and value type, the logic, and every refusal with its path. */
class FilterTest {

    /**
     * The chunk: metadata {@code year 2021, title "Night trains of Europe", tags [rail, travel],
     * draft false, score 4.5, editor null}, its document's {@code lang "en"}, id {@code c1} in
     * document {@code d1}, created 2026-12-01T10:00:00Z.
     */
    private static final FilterTarget CHUNK = new FilterTarget() {
        private final JsonNode metadata = Json.tree("""
                {"year": 2021, "title": "Night trains of Europe", "tags": ["rail", "travel"], "draft": false,
                 "score": 4.5, "editor": null}""");
        private final JsonNode document = Json.tree("{\"lang\": \"en\"}");

        @Override
        public JsonNode field(final String name) {
            return switch (name) {
                case "id" -> Json.MAPPER.getNodeFactory().textNode("c1");
                case "documentId" -> Json.MAPPER.getNodeFactory().textNode("d1");
                default -> name.startsWith(FilterParser.DOCUMENT_PREFIX)
                        ? document.path(name.substring(FilterParser.DOCUMENT_PREFIX.length()))
                        : metadata.has(name) ? metadata.get(name) : MissingNode.getInstance();
            };
        }

        @Override
        public Instant time(final String name) {
            return name.equals("createdAt") ? Instant.parse("2026-12-01T10:00:00Z") : null;
        }
    };

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'year': 2021}                                  | true",
        "{'year': 2021.0}                                | true",
        "{'year': '2021'}                                | false",
        "{'year': {'$gte': 2020, '$lt': 2022}}            | true",
        "{'year': {'$gt': 2021}}                          | false",
        "{'score': {'$lte': 4.5}}                         | true",
        "{'title': {'$gt': 'M'}}                          | true",
        "{'title': {'$gt': 5}}                            | false",
        "{'year': {'$ne': 2020}}                          | true",
        "{'missing': {'$ne': 1}}                          | true",
        "{'missing': 1}                                   | false",
        "{'draft': false}                                 | true",
        "{'draft': {'$ne': true}}                         | true",
        "{'editor': null}                                 | true",
        "{'editor': {'$exists': true}}                    | true",
        "{'missing': {'$exists': false}}                  | true",
        "{'year': {'$in': [1999, 2021]}}                  | true",
        "{'year': {'$nin': [1999, 2021]}}                 | false",
        "{'title': {'$contains': 'trains'}}               | true",
        "{'tags': {'$contains': 'rail'}}                  | true",
        "{'tags': {'$contains': 'rai'}}                   | false",
        "{'tags': 'rail'}                                 | false",
        "{'document.lang': 'en'}                          | true",
        "{'document.lang': {'$in': ['de', 'fr']}}         | false",
        "{'id': 'c1', 'documentId': 'd1'}                 | true",
        "{'createdAt': {'$gte': '2026-12-01T00:00:00Z'}}  | true",
        "{'createdAt': {'$gt': '2026-12-01T11:00:00+02:00'}} | true",
        "{'updatedAt': {'$gt': '2000-01-01T00:00:00Z'}}   | false",
        "{'$or': [{'year': 1999}, {'draft': false}]}      | true",
        "{'$and': [{'year': 2021}, {'draft': true}]}      | false",
        "{'$not': {'year': 2021}}                         | false",
        "{'$not': {'missing': {'$gt': 1}}}                | true",
        "{'year': 2021, 'draft': true}                    | false",
    })
    void matches(final String filter, final boolean expected) {
        assertEquals(expected, FilterParser.parse(Json.tree(filter.replace('\'', '"')), "filter").test(CHUNK), filter);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "[1]                                    | filter",
        "{}                                     | filter",
        "{'year': {'$between': [1, 2]}}         | filter.year.$between",
        "{'$xor': []}                           | filter.$xor",
        "{'$or': []}                            | filter.$or",
        "{'$or': [{'year': 1}, 'x']}            | filter.$or[1]",
        "{'$or': [{'a': 1}, {'year': {'$gte': true}}]} | filter.$or[1].year.$gte",
        "{'year': {}}                           | filter.year",
        "{'year': [2021]}                       | filter.year",
        "{'year': {'$in': 2021}}                | filter.year.$in",
        "{'year': {'$in': [[1]]}}               | filter.year.$in[0]",
        "{'year': {'$exists': 'yes'}}           | filter.year.$exists",
        "{'tags': {'$contains': 1}}             | filter.tags.$contains",
        "{'createdAt': {'$gt': 'yesterday'}}    | filter.createdAt.$gt",
        "{'createdAt': {'$in': ['2026-12-01T00:00:00Z']}} | filter.createdAt.$in",
        "{'document.': 1}                       | filter.document.",
        "{'year': {'$eq': {'a': 1}}}            | filter.year.$eq",
    })
    void refusalsNameThePath(final String filter, final String path) {
        FilterException e = assertThrows(FilterException.class,
                () -> FilterParser.parse(Json.tree(filter.replace('\'', '"')), "filter"), filter);
        assertEquals(path, e.path(), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"16, true", "17, false"})
    void nestingIsBounded(final int levels, final boolean accepted) {
        ObjectNode filter = Json.MAPPER.createObjectNode().put("year", 2021);
        for (int i = 1; i < levels; i++) {
            ObjectNode outer = Json.MAPPER.createObjectNode();
            outer.set("$not", filter);
            filter = outer;
        }
        ObjectNode deepest = filter;
        if (accepted) {
            assertEquals(levels % 2 == 1, FilterParser.parse(deepest, "filter").test(CHUNK));
        } else {
            FilterException e = assertThrows(FilterException.class, () -> FilterParser.parse(deepest, "filter"));
            assertEquals("filter" + ".$not".repeat(16), e.path());
        }
    }
}
