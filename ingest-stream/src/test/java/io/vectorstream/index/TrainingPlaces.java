package io.vectorstream.index;

/**
 * Holds the process's training place ({@link BackgroundTraining#SHARED}) from a test of another
 * package, as another index's training would: what an index that crosses its threshold meanwhile
 * does when it finds no room.
 */
public final class TrainingPlaces {

    private TrainingPlaces() {
    }

    /** Takes the shared place; closing gives it back. */
    public static AutoCloseable holdShared() {
        BackgroundTraining.Slot slot = BackgroundTraining.SHARED.tryTake();
        if (slot == null) {
            throw new IllegalStateException("the shared training place is taken already");
        }
        return slot::giveBack;
    }
}
