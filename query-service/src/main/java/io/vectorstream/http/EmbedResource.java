package io.vectorstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.ModelManifest;
import io.vectorstream.embed.Models;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.SchemaValidator.Schema;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.Validation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code POST /v1/embed}: the model over HTTP; {@code GET /v1/models}: the models and their caches. */
final class EmbedResource implements HttpService {

    private final EmbeddingService embeddings;

    EmbedResource(final EmbeddingService embeddings) {
        this.embeddings = embeddings;
    }

    @Override
    public void routing(final HttpRules rules) {
        rules.post("/embed", this::embed)
                .get("/models", this::models);
    }

    private void embed(final ServerRequest req, final ServerResponse res) {
        JsonNode body = Requests.jsonBody(req);
        Validation.requireValid(Schema.EMBED_REQUEST, body);
        String model = body.hasNonNull("model") ? body.get("model").asText() : embeddings.defaultModel();
        Embedder.Purpose purpose = "query".equals(body.path("purpose").asText("passage"))
                ? Embedder.Purpose.QUERY : Embedder.Purpose.PASSAGE;
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < body.get("texts").size(); i++) {
            String text = body.get("texts").get(i).asText();
            if (text.isBlank()) {
                throw ApiException.badRequest("text is empty: there is nothing to embed",
                        "texts[" + i + "]");
            }
            texts.add(text);
        }
        float[][] vectors = embeddings.embed(model, texts, purpose, "model");
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("model", model);
        out.put("dimension", vectors[0].length);
        ArrayNode list = out.putArray("embeddings");
        for (float[] vector : vectors) {
            ArrayNode values = list.addArray();
            for (float v : vector) {
                values.add(v);
            }
        }
        Responses.json(res, 200, out);
    }

    private void models(final ServerRequest req, final ServerResponse res) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("default", embeddings.defaultModel());
        ArrayNode list = out.putArray("models");
        for (ModelManifest manifest : embeddings.available().values()) {
            ObjectNode model = list.addObject();
            model.put("id", manifest.modelId());
            model.put("dimension", manifest.dimension());
            model.put("pooling", manifest.pooling().name().toLowerCase(Locale.ROOT));
            model.put("maxTokens", manifest.maxTokens());
            model.put("source", manifest.sourceArtifact());
            model.put("licence", manifest.licence());
            embeddings.precision(manifest.modelId()).ifPresent(p -> model.put("precision", p.label()));
            for (Models.CacheStats stats : embeddings.cacheStats()) {
                if (stats.modelId().equals(manifest.modelId())) {
                    ObjectNode cache = model.putObject("cache");
                    cache.put("hits", stats.hits());
                    cache.put("misses", stats.misses());
                    cache.put("entries", stats.entries());
                    cache.put("capacity", stats.capacity());
                    cache.put("evictions", stats.evictions());
                }
            }
        }
        Responses.json(res, 200, out);
    }
}
