package io.vectorstream.index;

import java.util.Arrays;

/**
 * The nodes of an {@link HnswIndex} stored but not linked yet, in the order they were put: what a
 * graph build beside the writer still has to do. Each entry carries a ticket, so that an entry
 * whose node was removed meanwhile (its slot perhaps reused by another node, with an entry of its
 * own) is recognised as stale and skipped.
 *
 * <p>Not thread-safe by itself: the index uses it under its write lock.
 */
final class LinkBacklog {

    /** Slot and ticket of each entry, in put order; {@code [head, tail)} are still to be taken. */
    private int[] slots = new int[64];
    private int[] tickets = new int[64];
    private int head;
    private int tail;
    /** By slot: the ticket of its pending entry, 0 when it has none. */
    private int[] ticketOf = new int[0];
    private int lastTicket;
    /** The entry {@link #next} took last, which its build links now: pending still until {@link #done}. */
    private int takenSlot = -1;
    private int takenTicket;

    /** Enters the node just stored in {@code slot}. */
    void add(final int slot) {
        if (tail == slots.length) {
            compactOrGrow();
        }
        if (slot >= ticketOf.length) {
            ticketOf = Arrays.copyOf(ticketOf, Math.max(slot + 1, ticketOf.length * 2));
        }
        lastTicket = lastTicket == Integer.MAX_VALUE ? 1 : lastTicket + 1;
        ticketOf[slot] = lastTicket;
        slots[tail] = slot;
        tickets[tail++] = lastTicket;
    }

    /** The node of {@code slot} is gone: its entry, if any, is stale now. */
    void cancel(final int slot) {
        if (slot < ticketOf.length) {
            ticketOf[slot] = 0;
        }
    }

    /** Whether {@code slot} holds a node still to be linked. */
    boolean isPending(final int slot) {
        return slot < ticketOf.length && ticketOf[slot] != 0;
    }

    /**
     * Takes the next entry that is not stale: its slot in the high half, its ticket in the low half;
     * -1 when none is left.
     */
    long next() {
        while (head < tail) {
            int slot = slots[head];
            int ticket = tickets[head++];
            if (holds(slot, ticket)) {
                takenSlot = slot;
                takenTicket = ticket;
                return (long) slot << 32 | ticket & 0xFFFFFFFFL;
            }
        }
        head = 0;
        tail = 0;
        return -1;
    }

    /** Whether the node an entry taken by {@link #next} stands for is still the one in its slot, unlinked. */
    boolean holds(final int slot, final int ticket) {
        return slot < ticketOf.length && ticketOf[slot] == ticket;
    }

    /**
     * The slots of the nodes still to be linked, the one being linked now included (it is in the
     * graph only once {@link #done}); the stale entries left out.
     */
    int[] pendingSlots() {
        int[] pending = new int[tail - head + 1];
        int n = 0;
        if (takenSlot >= 0 && holds(takenSlot, takenTicket)) {
            pending[n++] = takenSlot;
        }
        for (int i = head; i < tail; i++) {
            if (holds(slots[i], tickets[i])) {
                pending[n++] = slots[i];
            }
        }
        return n == pending.length ? pending : Arrays.copyOf(pending, n);
    }

    /** The node of {@code slot} is linked. */
    void done(final int slot) {
        cancel(slot);
    }

    /** Forgets everything, the per-slot tickets too (a build that has ended holds no memory). */
    void clear() {
        takenSlot = -1;
        slots = new int[64];
        tickets = new int[64];
        head = 0;
        tail = 0;
        ticketOf = new int[0];
    }

    private void compactOrGrow() {
        int live = tail - head;
        if (head > 0 && live <= slots.length / 2) {
            System.arraycopy(slots, head, slots, 0, live);
            System.arraycopy(tickets, head, tickets, 0, live);
        } else {
            slots = Arrays.copyOfRange(slots, head, head + slots.length * 2);
            tickets = Arrays.copyOfRange(tickets, head, head + tickets.length * 2);
        }
        head = 0;
        tail = live;
    }
}
