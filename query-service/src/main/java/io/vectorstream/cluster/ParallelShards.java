package io.vectorstream.cluster;

import io.vectorstream.stream.ShardAnswers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * Asks several of this instance's shards at once: one in the caller's thread, the others offered
 * to a few helper threads of our own (not the common pool, which anything in the process may
 * fill). The caller then answers, itself, every shard no helper has taken yet, so a search is
 * never slower than asking its shards one after another, and on an instance with idle cores a
 * search of three shards takes about the time of the slowest one rather than of all three.
 * Under load every core is busy anyway and the callers do most of the work themselves. Off by
 * default ({@code http.shard-search-threads}): on two cores shared with the broker it was measured
 * no faster.
 */
public final class ParallelShards implements AutoCloseable {

    private final ExecutorService helpers;

    /** @param helperThreads threads besides the callers'; 0 asks the shards one after another */
    public ParallelShards(final int helperThreads) {
        if (helperThreads < 0) {
            throw new IllegalArgumentException("helper threads must be 0 or more, not " + helperThreads);
        }
        this.helpers = helperThreads == 0 ? null : Executors.newFixedThreadPool(helperThreads,
                Thread.ofPlatform().name("vectorstream-shard-search-", 0).daemon().factory());
    }

    /**
     * The answers of {@code shards}, each asked on its own by {@code ask} (with a set of one), all
     * at once where helpers are free.
     *
     * @throws RuntimeException what a shard's ask threw (the first, once every shard is done)
     */
    public <R> ShardAnswers<R> ask(final Set<Integer> shards, final Function<Set<Integer>, ShardAnswers<R>> ask) {
        if (helpers == null || shards.size() < 2) {
            return ask.apply(shards);
        }
        Iterator<Integer> each = shards.iterator();
        int mine = each.next();
        List<FutureTask<ShardAnswers<R>>> offered = new ArrayList<>();
        while (each.hasNext()) {
            Set<Integer> one = Set.of(each.next());
            FutureTask<ShardAnswers<R>> task = new FutureTask<>(() -> ask.apply(one));
            offered.add(task);
            try {
                helpers.execute(task);
            } catch (RejectedExecutionException closing) {
                // Shutting down: the caller runs it below, like any task no helper started.
            }
        }
        ShardAnswers<R> answers = null;
        RuntimeException failure = null;
        Error fatal = null;
        try {
            answers = ask.apply(Set.of(mine));
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            fatal = e; // still waits for the helpers below, so that none is left running
        }
        // What no helper has started is run here (a task runs once: a helper that comes to it
        // later finds it done); then each answer is waited for, so none is left running.
        offered.forEach(FutureTask::run);
        for (FutureTask<ShardAnswers<R>> task : offered) {
            try {
                ShardAnswers<R> answer = getUninterruptibly(task);
                answers = answers == null ? answer : answers.and(answer);
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (fatal != null) {
            throw fatal;
        }
        if (failure != null) {
            throw failure;
        }
        return answers;
    }

    private static <R> R getUninterruptibly(final FutureTask<R> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
