package io.vectorstream.index;

import java.util.Arrays;

/**
 * A binary min-heap of graph nodes by score, on primitive arrays (no object per node): a
 * search's results (the worst at the root, to be pushed out) and, with scores negated, its
 * candidates (the best first). Each node carries the key its score was read with.
 */
final class NodeHeap {

    private float[] scores;
    private int[] slots;
    private Object[] keys;
    private int size;

    NodeHeap(final int capacity) {
        scores = new float[Math.max(1, capacity)];
        slots = new int[scores.length];
        keys = new Object[scores.length];
    }

    int size() {
        return size;
    }

    float peekScore() {
        return scores[0];
    }

    int peekSlot() {
        return slots[0];
    }

    Object peekKey() {
        return keys[0];
    }

    /** A copy, heap order and all. */
    NodeHeap copy() {
        NodeHeap copy = new NodeHeap(size);
        System.arraycopy(scores, 0, copy.scores, 0, size);
        System.arraycopy(slots, 0, copy.slots, 0, size);
        System.arraycopy(keys, 0, copy.keys, 0, size);
        copy.size = size;
        return copy;
    }

    void clear() {
        Arrays.fill(keys, 0, size, null);
        size = 0;
    }

    void push(final float score, final int slot, final Object key) {
        if (size == scores.length) {
            scores = Arrays.copyOf(scores, size * 2);
            slots = Arrays.copyOf(slots, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (scores[parent] <= score) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        scores[i] = score;
        slots[i] = slot;
        keys[i] = key;
    }

    /** Removes the root. */
    void pop() {
        int last = --size;
        float score = scores[last];
        int slot = slots[last];
        Object key = keys[last];
        keys[last] = null;
        if (last == 0) {
            return;
        }
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && scores[child + 1] < scores[child]) {
                child++;
            }
            if (score <= scores[child]) {
                break;
            }
            move(child, i);
            i = child;
        }
        scores[i] = score;
        slots[i] = slot;
        keys[i] = key;
    }

    private void move(final int from, final int to) {
        scores[to] = scores[from];
        slots[to] = slots[from];
        keys[to] = keys[from];
    }
}
