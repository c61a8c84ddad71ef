package io.vectorstream.index;

import java.util.Arrays;

/**
 * The vectors an IVF training is computed from or installed with: each live vector (a copy) and
 * the slot of the {@link SlotStore} it lives in, in slot order.
 */
record LiveVectors(int[] slots, float[][] vectors) {

    /** A snapshot of the store's live vectors: taken on the writer's thread, the store's only mutator. */
    static LiveVectors of(final SlotStore<?> store) {
        int highWater = store.highWater();
        int[] slots = new int[highWater];
        float[][] vectors = new float[highWater][];
        int n = 0;
        for (int slot = 0; slot < highWater; slot++) {
            if (store.keyAt(slot) != null) {
                slots[n] = slot;
                vectors[n++] = store.vectorAt(slot);
            }
        }
        return new LiveVectors(Arrays.copyOf(slots, n), Arrays.copyOf(vectors, n));
    }
}
