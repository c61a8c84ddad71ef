package io.vectorstream.index;

import java.util.Arrays;

/**
 * One LSH table: a bucket code to the slots hashed there. Open addressing with linear probing on
 * int codes, each bucket an {@code int[]} holding its size in element 0, then the slots: no
 * {@code HashMap} node and boxed code per bucket (about 48 bytes each, 60-70 bytes a vector over
 * 24 tables). Not thread-safe: the index changes it under its write lock and reads it under its
 * read lock.
 */
final class BucketTable {

    private int[] codes = new int[16];
    /** {@code null} marks a free position. */
    private int[][] buckets = new int[16][];
    private int size;

    /** Buckets in the table. */
    int size() {
        return size;
    }

    /** The bucket of {@code code} (size in element 0, then the slots), or null. */
    int[] get(final int code) {
        return buckets[positionOf(code)];
    }

    /** Adds {@code slot} to the bucket of {@code code}. */
    void add(final int code, final int slot) {
        if ((size + 1) * 4 > codes.length * 3) {
            grow();
        }
        int i = positionOf(code);
        int[] bucket = buckets[i];
        if (bucket == null) {
            codes[i] = code;
            buckets[i] = new int[] {1, slot, 0, 0};
            size++;
            return;
        }
        int n = bucket[0];
        if (n + 1 == bucket.length) {
            bucket = Arrays.copyOf(bucket, bucket.length * 2);
            buckets[i] = bucket;
        }
        bucket[n + 1] = slot;
        bucket[0] = n + 1;
    }

    /** Takes {@code slot} out of the bucket of {@code code}; a bucket left empty is dropped. */
    void remove(final int code, final int slot) {
        int mask = codes.length - 1;
        int i = positionOf(code);
        int[] bucket = buckets[i];
        if (bucket == null) {
            return;
        }
        int n = bucket[0];
        for (int j = 1; j <= n; j++) {
            if (bucket[j] == slot) {
                bucket[j] = bucket[n];
                bucket[0] = n - 1;
                break;
            }
        }
        if (bucket[0] > 0) {
            return;
        }
        // Backward-shift deletion (as in KeySlotMap): later entries of the probe run move up.
        int hole = i;
        for (int j = (hole + 1) & mask; buckets[j] != null; j = (j + 1) & mask) {
            int home = indexOf(codes[j], mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                codes[hole] = codes[j];
                buckets[hole] = buckets[j];
                hole = j;
            }
        }
        buckets[hole] = null;
        size--;
    }

    /** Bytes held: the two arrays, each bucket's array. */
    long memoryBytes() {
        long bytes = (long) codes.length * (Integer.BYTES + 8);
        for (int[] bucket : buckets) {
            if (bucket != null) {
                bytes += 16L + (long) bucket.length * Integer.BYTES;
            }
        }
        return bytes;
    }

    private void grow() {
        int[] oldCodes = codes;
        int[][] oldBuckets = buckets;
        codes = new int[oldCodes.length * 2];
        buckets = new int[oldCodes.length * 2][];
        int mask = codes.length - 1;
        for (int i = 0; i < oldCodes.length; i++) {
            if (oldBuckets[i] != null) {
                int j = indexOf(oldCodes[i], mask);
                while (buckets[j] != null) {
                    j = (j + 1) & mask;
                }
                codes[j] = oldCodes[i];
                buckets[j] = oldBuckets[i];
            }
        }
    }

    /** Where {@code code}'s bucket is, or the free position that ends its probe run. */
    private int positionOf(final int code) {
        int mask = codes.length - 1;
        int i = indexOf(code, mask);
        while (buckets[i] != null && codes[i] != code) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int indexOf(final int code, final int mask) {
        int h = code * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
