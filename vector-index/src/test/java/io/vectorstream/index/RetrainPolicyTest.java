package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link RetrainPolicy}'s decisions at each boundary, from counts alone: every rule fires at its
 * threshold and not one below it.
 */
class RetrainPolicyTest {

    private static final double NO_BASELINE = Double.POSITIVE_INFINITY;

    /** Trained on {@code trainedSize} vectors, 10,000 to the first training, growth 2. */
    private static RetrainPolicy trainedOn(final int trainedSize, final double residual) {
        RetrainPolicy policy = new RetrainPolicy(IvfParams.DEFAULT);
        policy.trained(trainedSize, residual);
        return policy;
    }

    private static void insert(final RetrainPolicy policy, final int count, final double squaredDistance) {
        for (int i = 0; i < count; i++) {
            policy.inserted(squaredDistance);
        }
    }

    @Test
    void untrainedItTrainsAtTheThresholdWhateverElseItCounted() {
        RetrainPolicy policy = new RetrainPolicy(IvfParams.DEFAULT.withTrainThreshold(500));
        insert(policy, 5_000, 0);
        for (int i = 0; i < 5_000; i++) {
            policy.removed();
        }
        assertFalse(policy.shouldTrain(false, 499, 1, 499));
        assertTrue(policy.shouldTrain(false, 500, 1, 500));
        assertTrue(policy.shouldTrain(false, 501, 1, 501));
    }

    @Test
    void trainedItRetrainsOnceGrownToRetrainGrowthTimesItsTrainingSize() {
        RetrainPolicy twice = trainedOn(4_000, NO_BASELINE);
        assertFalse(twice.shouldTrain(true, 7_999, 64, 100));
        assertTrue(twice.shouldTrain(true, 8_000, 64, 100));

        RetrainPolicy halfAgain = new RetrainPolicy(new IvfParams(0, 0, 10_000, 1.5, 24, 6, 42, true, 8));
        halfAgain.trained(4_001, NO_BASELINE);
        assertFalse(halfAgain.shouldTrain(true, 6_001, 64, 100), "1.5 x 4,001 = 6,001.5");
        assertTrue(halfAgain.shouldTrain(true, 6_002, 64, 100));
    }

    @Test
    void afterADriftItLooksAgainAfterAQuarterOfItsTrainingSizeInInserts() {
        RetrainPolicy policy = trainedOn(20_000, NO_BASELINE);
        policy.followUp(true);
        insert(policy, 4_999, 1);
        assertFalse(policy.shouldTrain(true, 20_000, 64, 300));
        policy.inserted(1);
        assertTrue(policy.shouldTrain(true, 20_000, 64, 300), "5,000 = 20,000 / 4 inserts");

        RetrainPolicy noFollowUp = trainedOn(20_000, NO_BASELINE);
        noFollowUp.followUp(false);
        insert(noFollowUp, 5_000, 1);
        assertFalse(noFollowUp.shouldTrain(true, 20_000, 64, 300));
    }

    @Test
    void driftIsJudgedOnlyOnceAThousandInsertsOrATenthOfItsTrainingSizeAreIn() {
        RetrainPolicy small = trainedOn(4_000, 1.0); // a tenth is 400: a thousand it is
        insert(small, 999, 100);
        assertFalse(small.hasDrifted());
        assertFalse(small.shouldTrain(true, 4_999, 64, 100));
        small.inserted(100);
        assertTrue(small.hasDrifted());
        assertTrue(small.shouldTrain(true, 5_000, 64, 100));

        RetrainPolicy large = trainedOn(30_000, 1.0); // a tenth is 3,000
        insert(large, 2_999, 100);
        assertFalse(large.hasDrifted());
        assertFalse(large.shouldTrain(true, 32_999, 64, 600));
        large.inserted(100);
        assertTrue(large.hasDrifted());
        assertTrue(large.shouldTrain(true, 33_000, 64, 600));
    }

    @Test
    void driftNeedsTheNewVectorsMoreThanTwelvePercentFartherThanTheHeldOutOnes() {
        // 999 x 1.0 + 121 = 1,120: a mean of exactly 1.12 times the baseline is not drift.
        RetrainPolicy at = trainedOn(4_000, 1.0);
        insert(at, 999, 1.0);
        at.inserted(121.0);
        assertFalse(at.hasDrifted());
        assertFalse(at.shouldTrain(true, 5_000, 64, 100));

        RetrainPolicy past = trainedOn(4_000, 1.0);
        insert(past, 999, 1.0);
        past.inserted(121.5); // a mean of 1.1205
        assertTrue(past.hasDrifted());
        assertTrue(past.shouldTrain(true, 5_000, 64, 100));
    }

    @Test
    void withoutABaselineInsertsNeverLookLikeDrift() {
        RetrainPolicy policy = trainedOn(4_000, NO_BASELINE);
        insert(policy, 3_000, 1e30);
        assertFalse(policy.hasDrifted());
        assertFalse(policy.shouldTrain(true, 7_000, 64, 100));
    }

    @Test
    void losingMoreThanHalfOfTheTrainingVectorsIsDriftJudgedAtTheNextInserts() {
        RetrainPolicy policy = trainedOn(4_000, NO_BASELINE);
        for (int i = 0; i < 2_000; i++) {
            policy.removed();
        }
        assertFalse(policy.hasDrifted(), "exactly half gone");
        policy.removed();
        assertTrue(policy.hasDrifted());
        insert(policy, 999, 0);
        assertFalse(policy.shouldTrain(true, 2_998, 64, 50), "not judged before a thousand inserts");
        policy.inserted(0);
        assertTrue(policy.shouldTrain(true, 2_999, 64, 50));
    }

    @Test
    void aListThatRanAwayFromTheAverageRetrainsOnceHalfTheTrainingSizeWasInserted() {
        // 6,000 vectors in 100 lists: an average of 60, so a list of more than 16 x 60 + 64 = 1,024 ran away.
        RetrainPolicy policy = trainedOn(4_000, NO_BASELINE);
        insert(policy, 2_000, 1);
        assertFalse(policy.shouldTrain(true, 6_000, 100, 5_000), "2,000 inserts is not more than half");
        policy.inserted(1);
        assertFalse(policy.shouldTrain(true, 6_000, 100, 1_024));
        assertTrue(policy.shouldTrain(true, 6_000, 100, 1_025));
        assertFalse(policy.hasDrifted(), "a runaway list alone is not drift");
    }

    @Test
    void aTrainingStartsEveryCountOver() {
        RetrainPolicy policy = trainedOn(4_000, 1.0);
        insert(policy, 3_000, 50);
        for (int i = 0; i < 2_500; i++) {
            policy.removed();
        }
        policy.followUp(true);
        policy.requested(4_500);
        assertTrue(policy.hasDrifted());
        policy.trained(4_500, 2.0);
        assertEquals(4_500, policy.trainedSize());
        assertEquals(2.0, policy.trainedResidual());
        assertFalse(policy.hasDrifted());
        assertFalse(policy.isDue());
        insert(policy, 1_125, 1); // a quarter of 4,500: a follow-up that survived would retrain here
        assertFalse(policy.shouldTrain(true, 5_625, 64, 100));
    }

    @Test
    void aBulkLoadLeavesATrainingDueWhereInsertingOneByOneWouldHaveTrained() {
        RetrainPolicy untrained = new RetrainPolicy(IvfParams.DEFAULT.withTrainThreshold(2_000));
        untrained.bulkLoadEnded(false, 1_999);
        assertFalse(untrained.isDue());
        untrained.bulkLoadEnded(false, 2_000);
        assertTrue(untrained.isDue());

        RetrainPolicy trained = trainedOn(4_000, NO_BASELINE);
        trained.bulkLoadEnded(true, 7_999);
        assertFalse(trained.isDue(), "below twice the training size, even past the threshold");
        trained.bulkLoadEnded(true, 8_000);
        assertTrue(trained.isDue());
    }

    @Test
    void anAdoptedTrainingIsDueAgainWhenTheIndexHasGrownOrLostMoreThanHalfSinceItWasMade() {
        for (int[] sizeAndDue : new int[][] {{999, 1}, {1_000, 0}, {2_000, 0}, {2_500, 0}, {3_999, 0}, {4_000, 1}}) {
            RetrainPolicy policy = trainedOn(2_000, 1.0);
            policy.adopted(sizeAndDue[0]);
            assertEquals(sizeAndDue[1] == 1, policy.isDue(), "adopted by an index of " + sizeAndDue[0]);
            // The vectors gone since count as removals, so the next inserts judge them as drift.
            assertEquals(sizeAndDue[0] < 1_000, policy.hasDrifted(), "drift at " + sizeAndDue[0]);
        }
    }

    @Test
    void aDueTrainingIsTakenOnceAndARequestNeedsSomethingToTrainOn() {
        RetrainPolicy policy = new RetrainPolicy(IvfParams.DEFAULT);
        assertFalse(policy.takeDue());
        policy.requested(0);
        assertFalse(policy.isDue(), "nothing to train on");
        policy.requested(1);
        assertTrue(policy.isDue());
        assertTrue(policy.takeDue());
        assertFalse(policy.isDue());
        assertFalse(policy.takeDue());
        policy.postponed();
        assertTrue(policy.isDue(), "no room beside the writer: still due");
        assertTrue(policy.takeDue());
    }
}
