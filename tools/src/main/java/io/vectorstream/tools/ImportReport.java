package io.vectorstream.tools;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** What an import wrote and refused; the writes' callbacks report from several threads. */
final class ImportReport {

    private final List<ImportItem.Refused> refusals = new ArrayList<>();
    private long documents;
    private long chunks;

    synchronized void written(final ImportItem item) {
        if (item instanceof ImportItem.DocumentWrite document) {
            documents++;
            chunks += document.chunkCount();
        } else {
            chunks++;
        }
    }

    synchronized void refused(final ImportItem.Refused refusal) {
        refusals.add(refusal);
    }

    synchronized List<ImportItem.Refused> refusals() {
        return List.copyOf(refusals);
    }

    synchronized void print(final PrintStream out, final String libraryId, final boolean kafka, final double seconds) {
        out.printf("Imported into library '%s' %s in %.1f s: %,d document(s) and %,d chunk(s) %s; %,d refused%s%n",
                libraryId, kafka ? "as events on Kafka" : "over HTTP", seconds, documents, chunks,
                kafka ? "published" : "written", refusals.size(), refusals.isEmpty() ? "." : ":");
        refusals.stream().sorted((a, b) -> compareSources(a.source(), b.source()))
                .forEach(r -> out.println("  " + r.source() + ": " + r.reason()));
        if (kafka) {
            out.println("The stream checks published events: any it refuses are dead letters (bin/vectorstream dlq"
                    + " list).");
        }
    }

    /** file:line in file order, then line order. */
    private static int compareSources(final String a, final String b) {
        int colonA = a.lastIndexOf(':');
        int colonB = b.lastIndexOf(':');
        String fileA = colonA < 0 ? a : a.substring(0, colonA);
        String fileB = colonB < 0 ? b : b.substring(0, colonB);
        if (!fileA.equals(fileB)) {
            return fileA.compareTo(fileB);
        }
        return Integer.compare(line(a, colonA), line(b, colonB));
    }

    private static int line(final String source, final int colon) {
        try {
            return colon < 0 ? 0 : Integer.parseInt(source.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
