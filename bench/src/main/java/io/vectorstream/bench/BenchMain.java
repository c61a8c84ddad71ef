package io.vectorstream.bench;

import io.vectorstream.cli.Options;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code bin/vectorstream bench ...}: the benchmarks, in their own module so that the service does
 * not ship them or the references they compare against.
 */
public final class BenchMain {

    static final String USAGE = """
            Usage: vectorstream bench BENCHMARK [OPTIONS]

            Benchmarks:
              ann  Recall@10 against queries per second of an index, one thread.
                         --index flat|ivf|lsh|hnsw, or lucene: Lucene's HNSW, the reference (--params
                                           m=16,efConstruction=100; swept over numCandidates)
                         --generate N,DIM  generated clustered unit vectors with exact ground truth, or
                         --base F.fvecs --queries F.fvecs [--groundtruth F.ivecs]  texmex files
                         --metric cosine|dot|l2 (default cosine)  --query-count N (default 1000)
                         --seed N          (default 7)  --spread LOW,HIGH  noise of generated data
                                           (default 1.8,3.2: as hard as real sentence embeddings)
                         --params a=1,b=2  index parameters (as in a library's index.params)
                         --rounds N        time each setting N times, keep the fastest (default 1)
                         --shards N        the vectors spread over N indexes (as over a library's
                                           shards), each searched and the answers merged (default 1)
                         --json            one JSON object per setting
              stream  The streaming runbook: inserts, deletes and re-insertions that move the
                       distribution, recall@10 at each search checkpoint and their average.
                         --index flat|ivf|lsh|hnsw  --generate N,DIM (default 200000,384)  --json
                         --params a=1,b=2 (index)  --ef N | --nprobe N | --probes N (search, the
                           same at every checkpoint); at the end, the last checkpoint's queries
                           on an index built afresh from the same vectors
              embed  Sentences/second of the bare model (batch sizes), of the pipeline (text
                       chunk events in, indexed chunks out, embedded broker; rounds alternating with the
                       bare model), text query latency over HTTP, and resident memory.
                         --model ID  --model-dir DIR  --sentences N (default 2000)
                         --pipeline-events N per round (default 1500)  --pipeline-rounds N (default 3)
                         --batch 1,8,32  --json
              durability  On an embedded broker with vectors given: a bare producer/consumer
                       round trip, ingest through the topology (and its ratio to the bare rate), a warm
                       restart to every shard answering, a replay after a reset to zero lag, and
                       restarts of a service process killed with SIGKILL, to every shard answering;
                       after each of the first three, this process's CPU time per event by part.
                         --events N (default 200000)  --dim N (default 384)
                         --warmup N (events sent first through a pipeline of their own, not
                           measured, so that the JIT has compiled the code; default 0)
                         --kafka BOOTSTRAP (a running broker instead, with the run's own topics,
                           deleted at the end; needs --kills 0)
                         --kills N (killed restarts, default 3; 0 skips them)  --json
                         --index flat|ivf|lsh|hnsw (the libraries' index, default flat)
                         --log-dir DIR (each service process's output to DIR/serve-N.log)
              cluster  Search over HTTP with 1, 2, ... instances of one application (serve processes,
                       an embedded broker): queries/second, p50/p99 of a load round-robin over the
                       instances, and the cost of the internal hop to a peer (p50 of searching a
                       60-chunk library on the first instance, against that with one instance).
                         --chunks N (default 20000)  --dim N (default 128)  --partitions N (default 6)
                         --instances N (default 3)  --queries N (default 2000)  --threads N (default 4)
                         --log-dir DIR (each instance's output to DIR/instance-N.log)  --json
              filter  Filtered search as a shard runs it (field index, planner, index) on generated
                       vectors whose metadata has fields of known selectivity (50% down to 0.01%, a
                       tenant of 1%, none): q/s, recall@10 against exact filtered search and results
                       per query, beside the same index unfiltered and exact search over all.
                         --index flat,ivf,lsh,hnsw (default flat,ivf,lsh)  --generate N,DIM (default
                         200000,384), or --base F.fvecs --queries F.fvecs (texmex files, e.g. from
                         embed-file)  --query-count N (default 200)  --metric cosine|dot|l2  --seed N
                         --rounds N (time each filter N times beside exact and unfiltered search,
                         keep the fastest of each; default 1)  --json
              serve  The service as its users see it: a data set published through Kafka as raw chunk
                       events into a flat library and a library of each --index (timed until every
                       event is applied and every index trained), then searches over HTTP from 1..N
                       clients (closed loop) and at fixed rates (open loop): q/s, recall@10,
                       p50/p95/p99, refusals; beside them the same index in this process over the
                       same vectors, one thread, and each row's ratio to it. When the vectors have
                       the default model's dimension and the model is built, the libraries get it
                       and text searches follow, one client: each text new to the service (against
                       the bare model and the index in this process), then the same texts again
                       (cached by the service; against the index alone on
                       those texts' vectors).
                         --text-searches N (default 300; 0: none)  --model-dir DIR
                         --index ivf,hnsw (default ivf)  --params a=1,b=2 (index)
                         --generate N,DIM (default 200000,384), or --base F.fvecs --queries F.fvecs
                         --query-count N (default 1000)  --clients 1,2,4,8  --loads 0.5,1,2 (open
                         loop rates as shares of the closed loop's best q/s)  --seconds N (each
                         open-loop rate, default 5)  --partitions N (default 3)
                         --url URL --kafka BOOTSTRAP [--topic T] (a running instance and its broker;
                           otherwise serve is started on an embedded broker)  --log-dir DIR  --json
              embed-file  Embeds every line of a text file and writes a texmex .fvecs file, to
                       run bench ann on real sentence embeddings.
                         --texts FILE  --out FILE.fvecs  [--model ID] [--limit N]
            """;

    private BenchMain() {
    }

    /** Runs {@code bench BENCHMARK [OPTIONS]}; {@code args} starts with the word {@code bench}. */
    public static void main(final String[] args) {
        List<String> rest = Arrays.asList(args).subList(args.length > 0 && "bench".equals(args[0]) ? 1 : 0, args.length);
        if (rest.isEmpty() || Set.of("help", "--help", "-h").contains(rest.getFirst())) {
            System.out.print(USAGE);
            return;
        }
        try {
            BenchCommand.run(rest, System.out, System.err);
        } catch (Options.UsageException e) {
            System.err.println("vectorstream: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (NumberFormatException e) { // an option's value that is not a number
            System.err.println("vectorstream: a number was expected: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            // Exit rather than return: brokers and stream threads a benchmark started would keep the JVM running.
            System.err.println("vectorstream: bench " + rest.getFirst() + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }
}
