package io.vectorstream.index;

import java.util.Arrays;

/**
 * The links of an {@link HnswIndex}'s graph, by slot: each node's top layer and, per layer, its
 * neighbours' slots. The ground layer (every node, {@code 2m} links) is one flat array of fixed
 * strides, {@code [count, n1, n2, ...]} per slot, so a search reads a node's links from one place;
 * the upper layers (a node has them with probability 1/m per layer) are an array per node. Each
 * link keeps its score (the similarity of the two nodes), best first, so that the writer can tell
 * whether a new node beats a full list's worst link without computing the list again.
 *
 * <p>Not thread-safe by itself: the index's one writer changes it under the write lock, and
 * readers read it under an optimistic stamp (an array grown meanwhile is swapped whole).
 */
final class HnswLinks {

    private final int m;
    private final int groundStride;
    private final int upperStride;
    private int[] ground = new int[0];
    private float[] groundScores = new float[0];
    /**
     * By ground link, as {@link #ground}: 1 when a better link of the same list is nearer to it
     * than the list's node is (the link is "dominated", the first to go when the list is full).
     */
    private byte[] groundDominated = new byte[0];
    /** By slot: the links of layers 1..top, {@code upperStride} ints per layer; null for a node of layer 0 only. */
    private int[][] upper = new int[0][];
    private float[][] upperScores = new float[0][];
    /** By slot: the node's top layer, -1 for a slot without a node. */
    private byte[] top = new byte[0];

    HnswLinks(final int m) {
        this.m = m;
        this.groundStride = 1 + 2 * m;
        this.upperStride = 1 + m;
    }

    /** Links a node may have on {@code layer}: {@code 2m} on the ground layer, {@code m} above. */
    int capacity(final int layer) {
        return layer == 0 ? 2 * m : m;
    }

    /** The node of {@code slot}'s top layer, or -1 when the slot has none. */
    int topLayer(final int slot) {
        return slot < top.length ? top[slot] : -1;
    }

    /** Makes {@code slot} a node of layers 0..{@code topLayer} without links. */
    void add(final int slot, final int topLayer) {
        ensureCapacity(slot);
        ground[slot * groundStride] = 0;
        upper[slot] = topLayer == 0 ? null : new int[topLayer * upperStride];
        upperScores[slot] = topLayer == 0 ? null : new float[topLayer * upperStride];
        top[slot] = (byte) topLayer;
    }

    /** Forgets the node of {@code slot}. */
    void remove(final int slot) {
        if (slot < top.length) {
            top[slot] = -1;
            ground[slot * groundStride] = 0;
            upper[slot] = null;
            upperScores[slot] = null;
        }
    }

    /** Copies the links of {@code slot} on {@code layer} into {@code out}; returns how many. */
    int copy(final int slot, final int layer, final int[] out) {
        if (layer == 0) {
            int base = slot * groundStride;
            int count = ground[base];
            System.arraycopy(ground, base + 1, out, 0, count);
            return count;
        }
        int[] links = upper[slot];
        int base = (layer - 1) * upperStride;
        int count = links[base];
        System.arraycopy(links, base + 1, out, 0, count);
        return count;
    }

    /** Copies the scores of {@link #copy}'s links, in the same order; returns how many. Writer only. */
    int copyScores(final int slot, final int layer, final float[] out) {
        int base = layer == 0 ? slot * groundStride : (layer - 1) * upperStride;
        int count = layer == 0 ? ground[base] : upper[slot][base];
        System.arraycopy(layer == 0 ? groundScores : upperScores[slot], base + 1, out, 0, count);
        return count;
    }

    /** Copies whether each of {@link #copy}'s ground links is dominated; returns how many. Writer only. */
    int copyDominated(final int slot, final boolean[] out) {
        int base = slot * groundStride;
        int count = ground[base];
        for (int i = 0; i < count; i++) {
            out[i] = groundDominated[base + 1 + i] != 0;
        }
        return count;
    }

    /**
     * Sets the links of {@code slot} on {@code layer} to {@code ids[0..count)}, with their scores
     * (best first) and, on the ground layer, whether each is dominated.
     */
    void set(final int slot, final int layer, final int[] ids, final float[] scores, final boolean[] dominated,
             final int count) {
        if (count > capacity(layer)) {
            throw new IllegalArgumentException(count + " links over " + capacity(layer));
        }
        int[] array = layer == 0 ? ground : upper[slot];
        float[] scoreArray = layer == 0 ? groundScores : upperScores[slot];
        int base = layer == 0 ? slot * groundStride : (layer - 1) * upperStride;
        System.arraycopy(ids, 0, array, base + 1, count);
        System.arraycopy(scores, 0, scoreArray, base + 1, count);
        if (layer == 0) {
            for (int i = 0; i < count; i++) {
                groundDominated[base + 1 + i] = (byte) (dominated[i] ? 1 : 0);
            }
        }
        array[base] = count;
    }

    /** Heap bytes. */
    long memoryBytes() {
        long bytes = 9L * ground.length + top.length + 32L * upper.length;
        for (int[] links : upper) {
            bytes += links == null ? 0 : 32 + 8L * links.length;
        }
        return bytes;
    }

    private void ensureCapacity(final int slot) {
        if (slot < top.length) {
            return;
        }
        int capacity = Math.max(slot + 1, Math.max(16, top.length * 3 / 2));
        // Grown copies swapped in whole: a reader under a stamp sees the old arrays or the new.
        int[] grownGround = Arrays.copyOf(ground, capacity * groundStride);
        int[][] grownUpper = Arrays.copyOf(upper, capacity);
        byte[] grownTop = Arrays.copyOf(top, capacity);
        Arrays.fill(grownTop, top.length, capacity, (byte) -1);
        groundScores = Arrays.copyOf(groundScores, capacity * groundStride);
        groundDominated = Arrays.copyOf(groundDominated, capacity * groundStride);
        upperScores = Arrays.copyOf(upperScores, capacity);
        ground = grownGround;
        upper = grownUpper;
        top = grownTop;
    }
}
