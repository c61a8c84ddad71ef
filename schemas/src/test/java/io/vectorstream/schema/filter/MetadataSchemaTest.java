package io.vectorstream.schema.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.Violation;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A library's metadata schema: which chunk metadata it refuses, and how it types filters. */
class MetadataSchemaTest {

    private static final MetadataSchema SCHEMA = MetadataSchema.of("{\"year\": \"number\", \"title\": \"string\","
            + " \"draft\": \"boolean\", \"published\": \"timestamp\", \"tags\": \"string[]\"}");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'year': 2021, 'title': 't', 'draft': false, 'published': '2026-12-07T10:00:00+01:00', 'tags': []} | ",
        "{'year': null, 'other': [1, {}], 'published': null}                              | ",
        "{'year': '2021'}                                                                   | m.year",
        "{'title': 5}                                                                       | m.title",
        "{'draft': 'no'}                                                                    | m.draft",
        "{'published': 'yesterday'}                                                         | m.published",
        "{'published': 1765101600000}                                                       | m.published",
        "{'tags': ['a', 2]}                                                                 | m.tags",
        "{'tags': 'a'}                                                                      | m.tags",
    })
    void metadataThatGivesADeclaredFieldAnotherTypeIsRefusedNamingIt(final String metadata, final String field) {
        Violation violation = SCHEMA.violation(Json.tree(metadata.replace('\'', '"')), "m");
        assertEquals(field, violation == null ? null : violation.field(), () -> String.valueOf(violation));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'year': {'$gt': '2020'}}               | filter.year.$gt",
        "{'year': {'$in': [2020, 'x']}}           | filter.year.$in[1]",
        "{'year': {'$contains': '2'}}             | filter.year.$contains",
        "{'title': 5}                             | filter.title",
        "{'draft': {'$ne': 1}}                    | filter.draft.$ne",
        "{'tags': 'a'}                            | filter.tags",
        "{'tags': {'$in': ['a']}}                 | filter.tags.$in",
        "{'published': {'$gt': 'Monday'}}         | filter.published.$gt",
        "{'published': {'$in': ['2026-12-07T10:00:00Z']}} | filter.published.$in",
        "{'$or': [{'year': 1}, {'year': true}]}    | filter.$or[1].year",
    })
    void filtersOnDeclaredFieldsAreTypeChecked(final String filter, final String path) {
        JsonNode json = Json.tree(filter.replace('\'', '"'));
        FilterException refused = assertThrows(FilterException.class, () -> FilterParser.parse(json, "filter", SCHEMA));
        assertEquals(path, refused.path(), refused.getMessage());
        FilterParser.parse(json, "filter"); // the language alone takes it
    }

    @Test
    void whatADeclaredFieldTakesAndATimestampComparesAsAnInstant() {
        for (String filter : new String[] {"{\"year\": null}", "{\"year\": {\"$exists\": false}}",
            "{\"tags\": {\"$contains\": \"a\"}}", "{\"title\": {\"$contains\": \"a\"}}", "{\"draft\": {\"$in\": [true, null]}}",
            "{\"undeclared\": {\"$gt\": \"x\"}}", "{\"document.year\": \"x\"}"}) {
            FilterParser.parse(Json.tree(filter), "filter", SCHEMA);
        }
        Filter after = FilterParser.parse(Json.tree("{\"published\": {\"$gt\": \"2026-12-07T10:00:00Z\"}}"), "filter",
                SCHEMA);
        assertEquals(true, after.test(target("\"2026-12-07T12:00:01+02:00\"")));
        assertEquals(false, after.test(target("\"2026-12-07T11:00:00+01:00\"")));
        assertEquals(false, after.test(target("\"next week\"")));
        Filter same = FilterParser.parse(Json.tree("{\"published\": {\"$ne\": \"2026-12-07T10:00:00.000Z\"}}"), "filter",
                SCHEMA);
        assertEquals(false, same.test(target("\"2026-12-07T11:00:00+01:00\"")));
        assertEquals(Instant.parse("2026-12-07T09:00:00Z"), MetadataSchema.instant("2026-12-07T10:00:00+01:00"));
        assertNull(MetadataSchema.instant("2026-12-07"));
        assertThrows(IllegalArgumentException.class, () -> MetadataSchema.of("{\"year\": \"int\"}"));
        assertEquals(true, MetadataSchema.of("{}").isEmpty());
    }

    private static FilterTarget target(final String published) {
        JsonNode metadata = Json.tree("{\"published\": " + published + "}");
        return new FilterTarget() {
            @Override
            public JsonNode field(final String name) {
                return metadata.has(name) ? metadata.get(name) : MissingNode.getInstance();
            }

            @Override
            public Instant time(final String name) {
                return null;
            }
        };
    }
}
