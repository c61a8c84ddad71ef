package io.vectorstream.schema;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The index of a library: its kind ({@code flat} for now) and the kind's parameters. */
public record IndexSpec(String kind, ObjectNode params) {

    /** Exact search, the default. */
    public static final IndexSpec FLAT = new IndexSpec("flat", null);
}
