package io.vectorstream.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * The k best (highest internal score) items seen so far: a binary min-heap on primitive scores,
 * so the worst kept item is at the root and a candidate costs one comparison when it loses.
 */
final class TopK<K> {

    private final int k;
    private final float[] scores;
    private final Object[] keys;
    private int size;

    TopK(final int k) {
        this.k = k;
        this.scores = new float[k];
        this.keys = new Object[k];
    }

    /** How many items it keeps at most. */
    int capacity() {
        return k;
    }

    /** Forgets every item. */
    void clear() {
        Arrays.fill(keys, 0, size, null);
        size = 0;
    }

    /** The score a candidate must beat to enter, or negative infinity while not full. */
    float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : scores[0];
    }

    /**
     * Offers {@code key} if {@code allow} accepts it, asking {@code allow} only when the score would
     * enter: a filter that reads records runs for the few candidates that could be kept, not for
     * every vector a scan scores.
     */
    void offer(final K key, final float score, final Predicate<? super K> allow) {
        if (allow == null || wouldKeep(score) && allow.test(key)) {
            offer(key, score);
        }
    }

    private boolean wouldKeep(final float score) {
        return !Float.isNaN(score) && k > 0 && (size < k || score > scores[0]);
    }

    void offer(final K key, final float score) {
        if (Float.isNaN(score) || k == 0) {
            return; // a NaN would sit at the root and keep every later candidate out
        }
        if (size < k) {
            scores[size] = score;
            keys[size] = key;
            siftUp(size++);
        } else if (score > scores[0]) {
            scores[0] = score;
            keys[0] = key;
            siftDown(0);
        }
    }

    /** Empties this queue into a list of its items, best first, with caller-facing scores. */
    @SuppressWarnings("unchecked")
    List<Hit<K>> drainBestFirst(final Metric metric) {
        List<Hit<K>> out = new ArrayList<>(size);
        while (size > 0) {
            out.add(new Hit<>((K) keys[0], Similarity.toUserScore(metric, scores[0])));
            size--;
            scores[0] = scores[size];
            keys[0] = keys[size];
            keys[size] = null;
            siftDown(0);
        }
        Collections.reverse(out);
        return out;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (scores[parent] <= scores[i]) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) {
                return;
            }
            int smallest = left + 1 < size && scores[left + 1] < scores[left] ? left + 1 : left;
            if (scores[i] <= scores[smallest]) {
                return;
            }
            swap(i, smallest);
            i = smallest;
        }
    }

    private void swap(final int a, final int b) {
        float s = scores[a];
        scores[a] = scores[b];
        scores[b] = s;
        Object o = keys[a];
        keys[a] = keys[b];
        keys[b] = o;
    }
}
