package io.vectorstream.client;

import java.util.List;
import java.util.Map;

/**
 * A search's answer: {@code results} best first (or {@code groups} with {@code groupBy}), how they
 * were found ({@code strategy}: {@code exact}, {@code index}, {@code exact-matches},
 * {@code index-filtered}; {@code exhaustive}: every match considered), and which shards answered.
 */
public record SearchResponse(List<Hit> results, List<Group> groups, String index, String strategy,
                             Boolean exhaustive, double tookMs, Boolean partial, List<Integer> answeredShards,
                             List<Integer> missingShards, String missingReason) {

    /** A chunk found, with its score (similarity, higher is closer; under {@code l2} a distance). */
    public record Hit(String chunkId, String documentId, double score, String text, Map<String, Object> metadata) {
    }

    /** A document's best chunks, with {@code groupBy: "documentId"}. */
    public record Group(String documentId, List<Hit> hits) {
    }
}
