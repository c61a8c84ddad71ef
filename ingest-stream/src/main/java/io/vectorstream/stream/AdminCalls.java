package io.vectorstream.stream;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Admin client calls that wait for their answer, with Kafka's checked failures turned into one message. */
final class AdminCalls {

    /** An admin call that waits for its answer. */
    interface Call<T> {
        T call() throws InterruptedException, ExecutionException, TimeoutException;
    }

    private AdminCalls() {
    }

    /**
     * Runs {@code call}.
     *
     * @throws IllegalStateException "cannot {@code what}: why" (the Kafka failure as its cause)
     */
    static <T> T get(final String what, final Call<T> call) {
        try {
            return call.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
        }
    }
}
