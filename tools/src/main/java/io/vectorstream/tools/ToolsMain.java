package io.vectorstream.tools;

import io.vectorstream.cli.Options;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code bin/vectorstream seed|import ...}: commands that reach a running service through the Java
 * client, as a user's program would, in a module of their own.
 */
public final class ToolsMain {

    static final String USAGE = """
            Usage: vectorstream seed|import [OPTIONS]

              seed    Creates a library with a model (when missing) and writes example records into it:
                      short texts on eight topics shipped with vectorstream, embedded through the
                      service's POST /v1/embed. Running it again writes the same ids: nothing is doubled.
                        --url URL (default http://localhost:8080)  --library ID (default example)
                        --count N (default 200, at most 320)  --model ID (default all-minilm-l6-v2)
                        --api-key KEY (default: $VECTORSTREAM_API_KEY)
              import  Writes files into a library that exists, with a summary of what was written and
                      refused (with the reasons):
                        FILE.jsonl  one REST body per line: a document (its "id", "metadata",
                                    "chunks") or a chunk (its "documentId", "id", "text",
                                    "embedding", "metadata"); a bad line is reported, the rest written
                        texts_DOC.json  a JSON array of {"text", "page_refs"}: the chunks of document
                                    DOC, with pages_DOC.csv beside it (page_ref,page_number); each
                                    chunk's metadata "pages" lists its page numbers; a reference the
                                    CSV lacks writes nothing of that document
                        --url URL  --library ID (required)  --api-key KEY
                        --kafka BOOTSTRAP  publish events to the events topic instead of HTTP
                                    (--topic, default vectorstream.events; checks happen in the stream)
                        --dry-run  write nothing: print {"text", "vector", "pages"} per text, one JSON
                                    object per line, the vectors from the service's /v1/embed
            """;

    private ToolsMain() {
    }

    public static void main(final String[] args) {
        List<String> all = Arrays.asList(args);
        if (all.isEmpty() || all.stream().anyMatch(Set.of("help", "--help", "-h")::contains)) {
            System.out.print(USAGE);
            return;
        }
        try {
            int exit = switch (all.getFirst()) {
                case "seed" -> SeedCommand.run(all.subList(1, all.size()), System.out, System.err);
                case "import" -> ImportCommand.run(all.subList(1, all.size()), System.out, System.err);
                default -> throw new Options.UsageException("unknown command '" + all.getFirst() + "'");
            };
            System.exit(exit);
        } catch (Options.UsageException e) {
            System.err.println("vectorstream " + all.getFirst() + ": " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (RuntimeException e) {
            System.err.println("vectorstream " + all.getFirst() + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
