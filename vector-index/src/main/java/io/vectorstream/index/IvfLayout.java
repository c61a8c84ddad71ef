package io.vectorstream.index;

import java.util.Arrays;

/**
 * What an {@link IvfIndex} searches: the centroids, the inverted lists and the quantiser (when
 * sq8), with the centroids' own codes and squared lengths for probing. The index replaces it as a
 * whole when it (re)trains, so a search that read one layout goes on with it undisturbed; only a
 * list of it is ever swapped in place, for its compacted copy, under the write lock.
 *
 * <p>Also the packing of a (list, entry) pair into one {@code long}, which the index keeps per
 * slot and a search uses to name its candidates.
 */
record IvfLayout(float[] centroids, int nlist, PostingList[] lists, ScalarQuantizer quantizer,
                 byte[] centroidCodes, float[] centroidNorms) {

    /** Below the training threshold: one list, no centroids (every search is exact). */
    static IvfLayout untrained(final int dimension) {
        return new IvfLayout(null, 1, new PostingList[] {new PostingList(dimension, 64, false, false)}, null, null,
                null);
    }

    /**
     * A trained layout of {@code nlist} lists holding every vector of {@code live} in the list
     * {@code assignment} names; writes each slot's packed (list, entry) to {@code positions}.
     * Built aside, on the writer's thread, before it is swapped in.
     */
    static IvfLayout assigned(final int dimension, final Metric metric, final LiveVectors live,
                              final float[] centroids, final int nlist, final int[] assignment,
                              final ScalarQuantizer quantizer, final long[] positions) {
        int[] counts = new int[nlist];
        for (int list : assignment) {
            counts[list]++;
        }
        PostingList[] lists = new PostingList[nlist];
        for (int c = 0; c < lists.length; c++) {
            lists[c] = new PostingList(dimension, counts[c] + (counts[c] >> 4) + 4, quantizer != null,
                    metric == Metric.L2);
        }
        byte[] code = new byte[dimension];
        float[][] all = live.vectors();
        for (int i = 0; i < all.length; i++) {
            if (quantizer != null) {
                quantizer.encode(all[i], code, 0);
            }
            int slot = live.slots()[i];
            int entry = lists[assignment[i]].append(slot, code, Similarity.dot(all[i], all[i], 0));
            positions[slot] = pack(assignment[i], entry);
        }
        return of(dimension, centroids, nlist, lists, quantizer);
    }

    /**
     * A layout built beside the writer for a snapshot of the vectors, and the packed position of
     * each slot of the snapshot ({@code -1} for slots not in it): the writer then only places what
     * it wrote or freed meanwhile ({@link IvfStorage#installBuilt}).
     */
    record Built(IvfLayout layout, long[] positions) {
    }

    /** {@link #assigned} for a snapshot, off the writer's thread: codes, norms and lists included. */
    static Built builtAside(final int dimension, final Metric metric, final LiveVectors snapshot,
                            final float[] centroids, final int nlist, final int[] assignment,
                            final ScalarQuantizer quantizer) {
        int highest = -1;
        for (int slot : snapshot.slots()) {
            highest = Math.max(highest, slot);
        }
        long[] positions = new long[highest + 1];
        Arrays.fill(positions, -1);
        return new Built(assigned(dimension, metric, snapshot, centroids, nlist, assignment, quantizer, positions),
                positions);
    }

    /** A trained layout: with a quantiser, the centroids' codes and norms for probing. */
    static IvfLayout of(final int dimension, final float[] centroids, final int nlist, final PostingList[] lists,
                        final ScalarQuantizer quantizer) {
        byte[] centroidCodes = null;
        float[] centroidNorms = null;
        if (quantizer != null) {
            centroidCodes = new byte[nlist * dimension];
            centroidNorms = new float[nlist];
            for (int c = 0; c < nlist; c++) {
                float[] row = Arrays.copyOfRange(centroids, c * dimension, (c + 1) * dimension);
                quantizer.encode(row, centroidCodes, c * dimension);
                centroidNorms[c] = Similarity.dot(row, row, 0);
            }
        }
        return new IvfLayout(centroids, nlist, lists, quantizer, centroidCodes, centroidNorms);
    }

    boolean trained() {
        return centroids != null;
    }

    /** Bytes of the centroids, their codes and the lists (not the vectors: those are in the slot store). */
    long memoryBytes() {
        long bytes = trained() ? (long) centroids.length * Float.BYTES : 0;
        if (centroidCodes != null) {
            bytes += centroidCodes.length + (long) centroidNorms.length * Float.BYTES;
        }
        for (PostingList list : lists) {
            bytes += list.memoryBytes();
        }
        return bytes;
    }

    static long pack(final int list, final int entry) {
        return ((long) list << 32) | (entry & 0xFFFFFFFFL);
    }

    static int listOf(final long packed) {
        return (int) (packed >>> 32);
    }

    static int entryOf(final long packed) {
        return (int) packed;
    }
}
