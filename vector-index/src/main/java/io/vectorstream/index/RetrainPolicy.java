package io.vectorstream.index;

/**
 * When an {@link IvfIndex} should (re)train: the first time at {@link IvfParams#trainThreshold()}
 * vectors, then when it has grown to {@link IvfParams#retrainGrowth()} times its training size,
 * when the data drifted away from the centroids, or when one list ran away from the average. It
 * decides from counts and sums alone (what was inserted and removed since the last training, and
 * how far the inserts lay from their centroids), so it can be tested without any vectors.
 *
 * <p>It also keeps whether a training is due but not started yet (a bulk load that put it off, an
 * explicit request, a background pool without room). Writer thread only, like the index's other
 * writer-side state: nothing here is read by searches.
 */
final class RetrainPolicy {

    /**
     * Retrain when vectors inserted since training lie this much farther (mean squared distance)
     * from their centroids than the vectors held out of the k-means sample did. On noisy
     * embedding-like data a new topic raises that distance only a little, so the margin is small.
     */
    static final double DRIFT = 1.12;

    private final int trainThreshold;
    private final double retrainGrowth;

    private int trainedSize;
    /** Mean squared distance of the training vectors to their centroids. */
    private double trainedResidual;
    private int insertsSinceTraining;
    /** Sum of the squared distances of the vectors inserted since, to the centroids they went to. */
    private double residualSinceTraining;
    private int removalsSinceTraining;
    /** Set after a retraining caused by drift: retrain once more after a quarter of its size in inserts. */
    private boolean followUpPending;
    /** A training is due but not started: a bulk load put it off, it was asked for, or there was no room. */
    private boolean trainingDue;

    RetrainPolicy(final IvfParams params) {
        this.trainThreshold = params.trainThreshold();
        this.retrainGrowth = params.retrainGrowth();
    }

    /**
     * A vector was put (new or replacing one).
     *
     * @param squaredDistance its squared distance to the centroid of the list it went to; 0 while
     *                        the index is untrained (there is no centroid to drift from)
     */
    void inserted(final double squaredDistance) {
        insertsSinceTraining++;
        residualSinceTraining += squaredDistance;
    }

    void removed() {
        removalsSinceTraining++;
    }

    /**
     * Whether the put just counted should start a training.
     *
     * @param trained  whether the index has centroids
     * @param size     vectors in the index now
     * @param nlist    its lists now
     * @param listLive live entries of the list the put went to
     */
    boolean shouldTrain(final boolean trained, final int size, final int nlist, final int listLive) {
        if (!trained) {
            return size >= trainThreshold;
        }
        if (size >= retrainGrowth * trainedSize) {
            return true;
        }
        if (followUpPending && insertsSinceTraining >= trainedSize / 4) {
            return true;
        }
        // The data moved away from the centroids: new vectors lie much farther from their centroid
        // than the training vectors did (new topics scatter over old lists), or one list grew far
        // past the average. Judged once enough inserts are in to tell.
        if (insertsSinceTraining < Math.max(1_000, trainedSize / 10)) {
            return false;
        }
        double average = (double) size / nlist;
        boolean runaway = insertsSinceTraining > trainedSize / 2 && listLive > 16 * average + 64;
        return hasDrifted() || runaway;
    }

    /** New vectors lie farther from their centroids than the training vectors did, or half of those are gone. */
    boolean hasDrifted() {
        return insertsSinceTraining >= Math.max(1_000, trainedSize / 10)
                && residualSinceTraining / insertsSinceTraining > DRIFT * trainedResidual // false when no baseline
                || removalsSinceTraining > trainedSize / 2;
    }

    /**
     * Starts over after a training (or adoption) made on {@code size} vectors whose held-out
     * vectors lay {@code residual} from their centroids ({@code +Infinity}: no baseline, drift is
     * not judged). Nothing is due any more.
     */
    void trained(final int size, final double residual) {
        trainedSize = size;
        trainedResidual = residual;
        insertsSinceTraining = 0;
        residualSinceTraining = 0;
        removalsSinceTraining = 0;
        followUpPending = false;
        trainingDue = false;
    }

    /**
     * After {@link #trained} for an adopted training: what the counters would say had they not
     * started over. Vectors deleted since that training count as removals, and a size that calls
     * for a new training asks for one.
     *
     * @param size vectors in the index now
     */
    void adopted(final int size) {
        removalsSinceTraining = Math.max(0, trainedSize - size);
        trainingDue = size >= retrainGrowth * trainedSize || removalsSinceTraining > trainedSize / 2;
    }

    /**
     * A training just started (or ran) because of a drift, or not: after one, the new distribution
     * was only starting to arrive, so the index looks again after a quarter of its size in inserts.
     */
    void followUp(final boolean afterDrift) {
        followUpPending = afterDrift;
    }

    /** A bulk load ended with {@code size} vectors: due if inserting them one by one would have trained. */
    void bulkLoadEnded(final boolean trained, final int size) {
        trainingDue = trained ? size >= retrainGrowth * trainedSize : size >= trainThreshold;
    }

    /** Training was asked for whatever the size: due unless there is nothing to train on. */
    void requested(final int size) {
        trainingDue = size > 0;
    }

    /** A training could not start now (no room beside the writer): due, asked again at the writer's next call. */
    void postponed() {
        trainingDue = true;
    }

    /**
     * Whether a training is due, and if so, no longer: the caller starts it now (and it stays
     * done with even when it finds nothing left to train on).
     */
    boolean takeDue() {
        if (!trainingDue) {
            return false;
        }
        trainingDue = false;
        return true;
    }

    boolean isDue() {
        return trainingDue;
    }

    int trainedSize() {
        return trainedSize;
    }

    double trainedResidual() {
        return trainedResidual;
    }
}
