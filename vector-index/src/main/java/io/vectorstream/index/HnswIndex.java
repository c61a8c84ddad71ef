package io.vectorstream.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

/**
 * A hierarchical navigable small-world graph (Malkov and Yashunin, 2016): every vector is a node
 * of the ground layer, linked to up to {@code 2m} near ones chosen so that they point in different
 * directions (the paper's heuristic); a node is also on layers 1, 2, ... with probability
 * {@code 1/m} per layer, so the few nodes of the top layers are long-range shortcuts. A search
 * walks down greedily from the top node, then runs a best-first beam of width {@code ef} on the
 * ground layer and scores the beam's best exactly; it reads about {@code ef x 2m} vectors, not all.
 *
 * <p>Inserts link a node in place (a search of width {@code efConstruction} for its neighbours,
 * then the links both ways, a neighbour's list pruned by the same heuristic when it is full).
 * Removes unlink the node: each of its neighbours loses the link and gets the node's other
 * neighbours as candidates instead, so the graph stays connected around it and recall does not
 * decay with churn; the slot is then free for the next insert. A replacement is a remove and an
 * insert under one write lock. One writer, any number of readers: a reader copies a node's links,
 * and scores its neighbours with their keys, each under an optimistic stamp of the index's lock,
 * so every result's score was read with its key, whatever the writer does meanwhile.
 *
 * <p>A bulk load (a shard opened from its stored records, a library switched to this index)
 * stores the nodes unlinked and links them afterwards, on a build thread beside the writer when
 * the index is given one: the shard answers at once, exactly, until the graph is built, and the
 * writer's puts meanwhile join the end of the backlog. The build thread is then a second writer of
 * the graph; its searches read under optimistic stamps like a reader's, and each node is
 * connected under the write lock only if it is still there.
 *
 * <p>A stream's puts are linked beside the writer too, when the index has a build thread: a put
 * stores its node and enters it in the backlog (at the speed of a flat index's put), and the
 * build thread links the backlog in batches ({@link #LINK_BATCH}, then the shards' other builds
 * get their turn). The graph answers meanwhile, for the nodes linked, and the nodes still in
 * the backlog are scored exactly beside it: a node is found from the moment its put returns.
 */
public final class HnswIndex<K> extends BaseIndex<K> {

    /**
     * Nodes a build links before it lets the process's other builds run (the build thread is one
     * for every shard): about a tenth of a second of linking.
     */
    static final int LINK_BATCH = 256;

    /** Layers above the ground one at most (m^15 nodes would be needed to fill them). */
    private static final int MAX_LAYER = 15;

    private final HnswParams params;
    private final SlotStore<K> store;
    private final HnswLinks links;
    private final double levelFactor;
    private final SplittableRandom random = new SplittableRandom(42);
    /** Where a build after a bulk load links the nodes beside the writer; {@code null}: on the writer's thread. */
    private final BackgroundTraining background;
    /** Nodes stored but not linked yet (a bulk load, a build under way); under the write lock. */
    private final LinkBacklog backlog = new LinkBacklog();
    /** Between {@link #beginBulkLoad} and {@link #endBulkLoad}: puts join the backlog. Writer only. */
    private boolean bulkLoading;
    /**
     * A bulk load's backlog is being filled or linked: searches score every vector instead of the
     * part-built graph.
     */
    private volatile boolean building;
    /**
     * A stream's puts are being linked beside the writer: searches walk the graph and score the
     * backlog's nodes exactly. Changed under the write lock.
     */
    private volatile boolean linking;
    /** The index is no longer used: a build under way stops. */
    private volatile boolean discarded;
    /** The node searches start from, one of the highest layer; -1 while empty. Changed under the write lock. */
    private int entry = -1;

    public HnswIndex(final int dimension, final Metric metric, final HnswParams params) {
        this(dimension, metric, params, null);
    }

    /** @param background where a build after a bulk load runs ({@code null}: on the writer's thread, at its end) */
    public HnswIndex(final int dimension, final Metric metric, final HnswParams params,
                     final BackgroundTraining background) {
        super(dimension, metric);
        this.background = background;
        this.params = params;
        this.store = new SlotStore<>(dimension);
        this.links = new HnswLinks(params.m());
        this.levelFactor = 1 / Math.log(Math.max(2, params.m()));
    }

    public HnswParams params() {
        return params;
    }

    @Override
    public String kind() {
        return "hnsw";
    }

    @Override
    public int size() {
        return Optimistic.read(lock, store::size);
    }

    @Override
    public void put(final K key, final float[] vector) {
        checkDimension(vector);
        int layer = Math.min(MAX_LAYER, (int) (-Math.log(1 - random.nextDouble()) * levelFactor));
        if (bulkLoading || building || background != null) {
            boolean startLinking;
            long stamp = lock.writeLock();
            try {
                // A build ends only under this lock: no node is left in the backlog after it.
                backlog.add(storeNode(key, vector, layer));
                startLinking = !bulkLoading && !building && !linking;
                linking |= startLinking;
            } finally {
                lock.unlockWrite(stamp);
            }
            if (startLinking) {
                linkBeside();
            }
            return;
        }
        // No build runs: the writer is the only one to change the graph, and links the node in place.
        Neighbours chosen = neighbours(metric == Metric.COSINE ? Similarity.normalized(vector) : vector, layer);
        long stamp = lock.writeLock();
        try {
            connect(storeNode(key, vector, layer), layer, chosen);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Stores a node without links, in place of the key's old one if any; returns its slot. Under the write lock. */
    private int storeNode(final K key, final float[] vector, final int layer) {
        int old = store.remove(key);
        if (old >= 0) {
            dropNode(old);
        }
        int slot = store.put(key, vector);
        links.add(slot, layer);
        return slot;
    }

    /** A new node's neighbours on each of its layers, best first (none on a layer above the graph's). */
    private record Neighbours(int[][] slots, float[][] scores) {
    }

    /**
     * Searches the graph for the neighbours of a new node of {@code layer} at {@code q}: a greedy
     * walk down to its top layer, then a beam of {@code efConstruction} per layer, of which the
     * heuristic keeps the links. Reads under optimistic stamps, so a build beside the writer may
     * run it while the writer removes nodes.
     */
    private Neighbours neighbours(final float[] q, final int layer) {
        int[][] chosen = new int[layer + 1][];
        float[][] chosenScores = new float[layer + 1][];
        int start = Optimistic.read(lock, () -> entry);
        int top = Optimistic.read(lock, () -> start < 0 ? -1 : links.topLayer(start));
        if (top >= 0) {
            Walk walk = new Walk(this, q);
            walk.enter(start);
            for (int l = top; l > layer; l--) {
                walk.search(1, l);
            }
            for (int l = Math.min(layer, top); l >= 0; l--) {
                NodeHeap found = walk.search(params.efConstruction(), l);
                chosen[l] = new int[links.capacity(l)];
                chosenScores[l] = new float[links.capacity(l)];
                int count = select(found, links.capacity(l), chosen[l], chosenScores[l]);
                chosen[l] = Arrays.copyOf(chosen[l], count);
            }
        }
        return new Neighbours(chosen, chosenScores);
    }

    /**
     * Links the node of {@code slot} to its chosen neighbours and them back to it, and makes it the
     * entry node when it is the first or the highest. Under the write lock.
     */
    private void connect(final int slot, final int layer, final Neighbours chosen) {
        int[] kept = new int[links.capacity(0)];
        float[] keptScores = new float[links.capacity(0)];
        for (int l = 0; l <= layer; l++) {
            if (chosen.slots()[l] == null) {
                continue;
            }
            int n = 0;
            for (int i = 0; i < chosen.slots()[l].length; i++) {
                int neighbour = chosen.slots()[l][i];
                // A node removed since it was found, its slot free or reused (perhaps as this very one), is no neighbour.
                if (neighbour != slot && links.topLayer(neighbour) >= l && store.keyAt(neighbour) != null
                        && !backlog.isPending(neighbour)) {
                    keptScores[n] = chosen.scores()[l][i];
                    kept[n++] = neighbour;
                }
            }
            links.set(slot, l, kept, keptScores, l == 0 ? dominated(kept, keptScores, n) : null, n);
            boolean reachable = false;
            for (int i = 0; i < n; i++) {
                reachable |= linkBack(kept[i], slot, l, keptScores[i], false);
            }
            if (n > 0 && !reachable) {
                // Every neighbour found the link redundant: a node far from all (the first of a
                // region that is empty now, an outlier). Its nearest keeps it all the same, or
                // nothing would lead to it, nor to the region that grows around it.
                linkBack(kept[0], slot, l, keptScores[0], true);
            }
        }
        if (entry < 0 || layer > links.topLayer(entry)) {
            entry = slot;
        }
    }

    /** Takes a node out of the graph and the backlog. Under the write lock; the store has freed the slot already. */
    private void dropNode(final int slot) {
        backlog.cancel(slot);
        unlink(slot);
    }

    /**
     * Holds new nodes back unlinked until {@link #endBulkLoad}: a shard's stored records (or a
     * library's new index) are loaded at the speed of a copy, and linked afterwards, beside the
     * writer when the index has a place for that. Searches are exact meanwhile.
     */
    @Override
    public void beginBulkLoad() {
        bulkLoading = true;
        building = true;
    }

    /**
     * Links the nodes held back: on a build thread of {@link BackgroundTraining} when the index has
     * one (the writer goes on, its puts join the backlog), else now. {@code trainLater} changes
     * nothing: a build beside the writer never holds it up.
     */
    @Override
    public void endBulkLoad(final boolean trainLater) {
        bulkLoading = false;
        if (background == null) {
            while (linkBatch()) {
                // on the writer's thread, to the end
            }
        } else {
            // A build that fails (a bug) leaves the graph part-linked: the shard keeps answering
            // by exact search, which is right if slow, until the index is built again.
            boolean start;
            long stamp = lock.writeLock();
            try {
                start = !linking; // one build links at a time: two would each miss the other's new links
                linking = true;
            } finally {
                lock.unlockWrite(stamp);
            }
            if (start) {
                linkBeside();
            }
        }
    }

    /**
     * Links a batch of the backlog on the build thread, and then the next batch after the other
     * shards' builds queued meanwhile, until the backlog is empty. A build thread that takes no
     * more work (its pool shut down) leaves the rest to this thread.
     */
    private void linkBeside() {
        try {
            background.build(() -> {
                if (linkBatch()) {
                    linkBeside();
                }
            });
        } catch (RejectedExecutionException shutDown) {
            while (linkBatch()) {
                // here, to the end
            }
        }
    }

    /**
     * Links up to {@link #LINK_BATCH} nodes of the backlog one at a time, oldest first: each one
     * searched for its neighbours without the lock, then connected under it if it is still there.
     * Ends the build when none is left (under the write lock, so that no put is left in the
     * backlog after it).
     *
     * @return whether nodes are left to link
     */
    private boolean linkBatch() {
        for (int linked = 0; linked < LINK_BATCH; linked++) {
            if (discarded) {
                return false;
            }
            int slot;
            int ticket;
            int layer;
            float[] q;
            long stamp = lock.writeLock();
            try {
                long next = backlog.next();
                if (next < 0) {
                    backlog.clear();
                    building = false;
                    linking = false;
                    return false;
                }
                slot = (int) (next >>> 32);
                ticket = (int) next;
                layer = links.topLayer(slot);
                q = store.vectorAt(slot);
            } finally {
                lock.unlockWrite(stamp);
            }
            Neighbours chosen = neighbours(metric == Metric.COSINE ? Similarity.normalized(q) : q, layer);
            stamp = lock.writeLock();
            try {
                if (backlog.holds(slot, ticket)) {
                    backlog.done(slot);
                    connect(slot, layer, chosen);
                }
            } finally {
                lock.unlockWrite(stamp);
            }
        }
        return true;
    }

    @Override
    public boolean isTrained() {
        return !building;
    }

    /** A build of the graph is under way (after a bulk load): searches are exact until it ends. */
    @Override
    public boolean willTrain() {
        return building;
    }

    @Override
    public void discard() {
        discarded = true;
    }

    @Override
    public boolean remove(final K key) {
        long stamp = lock.writeLock();
        try {
            int slot = store.remove(key);
            if (slot < 0) {
                return false;
            }
            dropNode(slot);
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    protected List<Hit<K>> searchPrepared(final float[] q, final int k, final SearchParams searchParams,
                                          final Predicate<? super K> allow) {
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        if (searchParams.exact() || building) {
            store.scanInto(lock, metric, q, top, allow);
            return distinct(top.drainBestFirst(metric), k);
        }
        int beam = Math.max(k + DUPLICATE_MARGIN, searchParams.ef() > 0 ? searchParams.ef() : params.efSearch());
        if (allow != null) {
            // A filter's matches are sparser; 1 / s^0.75 kept recall@10 at 0.97-0.98 at s = 0.1 and 0.5
            // on 195k real embeddings, 1 / s answered at 0.47x unfiltered at 0.5 and 5.8x exact at 0.1.
            beam = searchParams.widened(beam, HnswParams.MAX_EF, 0.75);
        }
        if (linking) {
            // Read before the walk: a node linked meanwhile is then found by one or the other (or
            // both: distinct keeps one).
            int[] pending;
            long stamp = lock.readLock();
            try {
                pending = backlog.pendingSlots();
            } finally {
                lock.unlockRead(stamp);
            }
            store.scoreSlotsInto(lock, metric, q, pending, allow, top);
        }
        walkInto(q, beam, allow, top);
        return distinct(top.drainBestFirst(metric), k);
    }

    /** The graph's answer for {@code q} with a beam of {@code beam} on the ground layer, offered to {@code top}. */
    private void walkInto(final float[] q, final int beam, final Predicate<? super K> allow, final TopK<K> top) {
        Walk walk = new Walk(this, q);
        int start;
        int topLayer;
        do {
            start = Optimistic.read(lock, () -> entry);
            if (start < 0) {
                return;
            }
            final int s = start;
            topLayer = Optimistic.read(lock, () -> links.topLayer(s));
        } while (topLayer < 0); // the entry node was removed meanwhile: read the new one
        walk.enter(start);
        for (int l = topLayer; l > 0; l--) {
            walk.search(1, l);
        }
        NodeHeap found = walk.search(beam, 0);
        while (found.size() > 0) {
            @SuppressWarnings("unchecked") K key = (K) found.peekKey();
            top.offer(key, found.peekScore(), allow);
            found.pop();
        }
    }

    /**
     * Of the nodes found, up to {@code capacity} chosen by the heuristic ({@link #heuristic}) into
     * {@code ids} and {@code scores}, best first; returns how many.
     */
    private int select(final NodeHeap found, final int capacity, final int[] ids, final float[] scores) {
        int n = found.size();
        int[] slots = new int[n];
        float[] foundScores = new float[n];
        for (int i = n - 1; i >= 0; i--) { // the min-heap drains worst first: fill from the end, best first
            foundScores[i] = found.peekScore();
            slots[i] = found.peekSlot();
            found.pop();
        }
        return heuristic(slots, foundScores, n, capacity, -1, ids, scores);
    }

    /**
     * Up to {@code capacity} of the candidates (sorted best first, scores against one base node)
     * into {@code ids} and {@code scores}, best first: a candidate is kept when it is closer to the
     * base than to every candidate kept before it, so the links spread out instead of bunching in
     * one direction (the HNSW paper's heuristic). The places left are filled with the best of the
     * others (hnswlib's "keep pruned connections"): a node whose every in-link the heuristic pruned
     * would be unreachable. Skips {@code skip}; returns how many.
     */
    private int heuristic(final int[] slots, final float[] candidateScores, final int n, final int capacity,
                          final int skip, final int[] ids, final float[] scores) {
        int limit = Math.min(n, capacity);
        boolean[] taken = new boolean[n];
        int count = 0;
        for (int i = 0; i < n && count < limit; i++) {
            if (slots[i] == skip) {
                taken[i] = true;
                continue;
            }
            if (!nearerToAny(store.vectorAt(slots[i]), ids, count, candidateScores[i])) {
                ids[count] = slots[i];
                scores[count++] = candidateScores[i];
                taken[i] = true;
            }
        }
        for (int i = 0; i < n && count < limit; i++) {
            if (!taken[i]) {
                ids[count] = slots[i];
                scores[count++] = candidateScores[i];
            }
        }
        sortBestFirst(ids, scores, count);
        return count;
    }

    /**
     * Adds the link {@code node -> to} (their similarity {@code score}) on {@code layer}; a list
     * that overflows drops its least diverse link: the worst "dominated" one (nearer to a better
     * link of the list than to {@code node}), else the worst, as Lucene does, rather than run the
     * whole heuristic again. With {@code keep} the new link stays and the worst of the others goes.
     * Returns whether the list keeps the new link. Under the write lock.
     *
     * <p>On the ground layer each link's dominance is kept with the list and brought up to date
     * here: only the new link's pairs are scored (is it dominated, whom does it dominate), about 2m
     * similarities instead of a search over the list's pairs.
     */
    private boolean linkBack(final int node, final int to, final int layer, final float score, final boolean keep) {
        int capacity = links.capacity(layer);
        int[] ids = new int[capacity + 1];
        float[] scores = new float[capacity + 1];
        boolean[] dominated = new boolean[capacity + 1];
        int n = links.copy(node, layer, ids);
        links.copyScores(node, layer, scores);
        if (layer == 0) {
            links.copyDominated(node, dominated);
        }
        for (int i = 0; i < n; i++) {
            if (ids[i] == to) {
                return true;
            }
        }
        int live = withoutFreed(ids, scores, dominated, n, layer);
        // A link to a freed slot gone, what it dominated may be diverse now: marked again below.
        boolean remark = live < n;
        n = live;
        int at = n;
        while (at > 0 && scores[at - 1] < score) {
            ids[at] = ids[at - 1];
            scores[at] = scores[at - 1];
            dominated[at] = dominated[at - 1];
            at--;
        }
        ids[at] = to;
        scores[at] = score;
        n++;
        if (layer == 0 && remark) {
            markDominated(ids, scores, n, dominated);
        } else if (layer == 0) {
            markDominatedByNew(ids, scores, n, at, dominated);
        }
        int drop = -1;
        if (n > capacity && keep) {
            drop = at == n - 1 ? n - 2 : n - 1; // the worst of the others
        } else if (n > capacity) {
            drop = n - 1;
            for (int i = n - 1; i > 0; i--) {
                if (layer == 0 ? dominated[i] : isDominated(ids, scores, i)) {
                    drop = i;
                    break;
                }
            }
        }
        if (drop >= 0) {
            System.arraycopy(ids, drop + 1, ids, drop, n - 1 - drop);
            System.arraycopy(scores, drop + 1, scores, drop, n - 1 - drop);
            System.arraycopy(dominated, drop + 1, dominated, drop, n - 1 - drop);
            n--;
            // Only a link after the dropped one can have lost its dominator: none when the worst
            // dominated link went, the new one at most when it was kept.
            for (int i = drop; i < n && layer == 0; i++) {
                dominated[i] = dominated[i] && isDominated(ids, scores, i);
            }
        }
        links.set(node, layer, ids, scores, dominated, n);
        return drop != at;
    }

    /** Whether a better link of the list {@code ids} (best first) is nearer to link {@code i} than the list's node. */
    private boolean isDominated(final int[] ids, final float[] scores, final int i) {
        return isDominated(store.vectorAt(ids[i]), ids, scores, i);
    }

    /** {@link #isDominated(int[], float[], int)} with link {@code i}'s vector given. */
    private boolean isDominated(final float[] link, final int[] ids, final float[] scores, final int i) {
        return nearerToAny(link, ids, i, scores[i]);
    }

    /**
     * Whether {@code vector} scores above {@code threshold} against any of the nodes
     * {@code ids[0..n)}: is it nearer to one of them than to the node whose list it is (or would
     * be) in. Four at a time, side by side: the nodes lie apart in memory.
     */
    private boolean nearerToAny(final float[] vector, final int[] ids, final int n, final float threshold) {
        float[] four = new float[4];
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            store.scoreFour(metric, vector, ids, j, four);
            if (four[0] > threshold || four[1] > threshold || four[2] > threshold || four[3] > threshold) {
                return true;
            }
        }
        for (; j < n; j++) {
            if (store.score(metric, vector, ids[j]) > threshold) {
                return true;
            }
        }
        return false;
    }

    /** Marks the dominated links of a list ({@link #isDominated}) into {@code dominated[0..n)}. */
    private void markDominated(final int[] ids, final float[] scores, final int n, final boolean[] dominated) {
        for (int i = 0; i < n; i++) {
            dominated[i] = isDominated(ids, scores, i);
        }
    }

    /** The dominated links of a list, a new array ({@link #markDominated}). */
    private boolean[] dominated(final int[] ids, final float[] scores, final int n) {
        boolean[] dominated = new boolean[n];
        markDominated(ids, scores, n, dominated);
        return dominated;
    }

    /**
     * Brings the marks of a list whose marks were right before link {@code at} came in up to date:
     * the new link may be dominated, and may dominate the worse links that were not.
     */
    private void markDominatedByNew(final int[] ids, final float[] scores, final int n, final int at,
                                    final boolean[] dominated) {
        float[] added = store.vectorAt(ids[at]);
        dominated[at] = isDominated(added, ids, scores, at);
        int[] open = new int[n];
        int count = 0;
        for (int i = at + 1; i < n; i++) {
            if (!dominated[i]) {
                open[count++] = i;
            }
        }
        int[] slots = new int[count];
        for (int i = 0; i < count; i++) {
            slots[i] = ids[open[i]];
        }
        float[] similarities = new float[count];
        store.scoreSlots(metric, added, slots, count, similarities);
        for (int i = 0; i < count; i++) {
            dominated[open[i]] = similarities[i] > scores[open[i]];
        }
    }

    /**
     * Drops from a list the links to slots that hold no node of {@code layer} any more: a removed
     * node is unlinked from the neighbours it listed, but a node that linked to it without being
     * listed keeps a dead link until its list is touched, which would otherwise take a place of
     * the list for good. Returns the new length. Under the write lock, where a slot has a top
     * layer exactly when it holds a key (both are set, and both cleared, under one hold of it),
     * but for the node {@link #unlink} is taking out, which it never offers here: the top layers
     * are a byte per slot, a cache miss less per link than the keys.
     */
    private int withoutFreed(final int[] ids, final float[] scores, final boolean[] dominated, final int n,
                             final int layer) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (links.topLayer(ids[i]) >= layer) {
                ids[kept] = ids[i];
                scores[kept] = scores[i];
                dominated[kept++] = dominated[i];
            }
        }
        return kept;
    }


    /** Sets {@code node}'s links on {@code layer} to the heuristic's choice among {@code candidates[0..n)}. */
    private void relink(final int node, final int layer, final int[] candidates, final int count) {
        float[] base = store.vectorAt(node);
        int[] slots = Arrays.copyOf(candidates, count);
        float[] scores = new float[count];
        int n = withoutFreed(slots, scores, new boolean[count], count, layer);
        for (int i = 0; i < n; i++) {
            scores[i] = store.score(metric, base, slots[i]);
        }
        sortBestFirst(slots, scores, n);
        int[] ids = new int[links.capacity(layer)];
        float[] keptScores = new float[ids.length];
        int kept = heuristic(slots, scores, n, ids.length, node, ids, keptScores);
        links.set(node, layer, ids, keptScores, layer == 0 ? dominated(ids, keptScores, kept) : null, kept);
    }

    /** Sorts {@code ids[0..n)} by {@code scores}, best first (an insertion sort: a list is at most 2m + 1 long). */
    private static void sortBestFirst(final int[] ids, final float[] scores, final int n) {
        for (int i = 1; i < n; i++) {
            int id = ids[i];
            float score = scores[i];
            int j = i - 1;
            while (j >= 0 && scores[j] < score) {
                ids[j + 1] = ids[j];
                scores[j + 1] = scores[j];
                j--;
            }
            ids[j + 1] = id;
            scores[j + 1] = score;
        }
    }

    /**
     * Takes a removed node out of the graph: each neighbour that linked to it is relinked among its
     * other links and the removed node's neighbours, so paths through the node now go around it.
     * Under the write lock; the store has freed the slot already.
     */
    private void unlink(final int slot) {
        int top = links.topLayer(slot);
        int[] removedLinks = new int[links.capacity(0)];
        int[] neighbourLinks = new int[links.capacity(0)];
        for (int layer = 0; layer <= top; layer++) {
            int n = links.copy(slot, layer, removedLinks);
            for (int i = 0; i < n; i++) {
                int neighbour = removedLinks[i];
                if (neighbour == slot || links.topLayer(neighbour) < layer || store.keyAt(neighbour) == null) {
                    continue;
                }
                int count = links.copy(neighbour, layer, neighbourLinks);
                List<Integer> candidates = new ArrayList<>(count + n);
                boolean linked = false;
                for (int j = 0; j < count; j++) {
                    if (neighbourLinks[j] == slot) {
                        linked = true;
                    } else {
                        candidates.add(neighbourLinks[j]);
                    }
                }
                if (!linked) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    int other = removedLinks[j];
                    if (other != neighbour && other != slot && links.topLayer(other) >= layer
                            && store.keyAt(other) != null && !candidates.contains(other)) {
                        candidates.add(other);
                    }
                }
                int[] ids = candidates.stream().mapToInt(Integer::intValue).toArray();
                relink(neighbour, layer, ids, ids.length);
            }
        }
        links.remove(slot);
        if (entry == slot) {
            entry = highestNode();
        }
    }

    /** A linked node of the highest layer, or -1 when none is left (a scan: only when the entry node goes). */
    private int highestNode() {
        int best = -1;
        for (int slot = 0; slot < store.highWater(); slot++) {
            if (store.keyAt(slot) != null && !backlog.isPending(slot) && (best < 0 || links.topLayer(slot) > links.topLayer(best))) {
                best = slot;
            }
        }
        return best;
    }

    @Override
    public IndexStats stats() {
        long stamp = lock.readLock();
        try {
            return new IndexStats("hnsw", store.size(), !building, building || linking, entry < 0 ? 0 : links.topLayer(entry) + 1,
                    store.memoryBytes() + links.memoryBytes(), 0);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    protected SlotStore<K> slotStore() {
        return store;
    }

    /**
     * One search through the graph: the nodes met (marked once each) and the current entry points.
     * Each node's links are copied, and its neighbours scored with their keys, under an optimistic
     * stamp; a neighbour whose slot is free at that moment is skipped.
     */
    private static final class Walk {
        private final HnswIndex<?> index;
        private final float[] query;
        private final VisitedMarks visited;
        private NodeHeap entries; // set by enter(), then by each layer's search
        private final int[] linkBuffer;
        private final int[] unvisited;
        private final int[] scoredSlots;
        private final float[] scores;
        private final Object[] keys;

        Walk(final HnswIndex<?> index, final float[] query) {
            this.index = index;
            this.query = query;
            this.visited = VisitedMarks.forThread(index.store.highWater());
            int capacity = index.links.capacity(0);
            this.linkBuffer = new int[capacity];
            this.unvisited = new int[capacity];
            this.scoredSlots = new int[capacity];
            this.scores = new float[capacity];
            this.keys = new Object[capacity];
        }

        /** Starts from {@code slot}. */
        void enter(final int slot) {
            unvisited[0] = slot;
            visited.mark(slot);
            int n = scoreUnvisited(1, Float.NEGATIVE_INFINITY);
            entries = new NodeHeap(1);
            for (int i = 0; i < n; i++) {
                entries.push(scores[i], scoredSlots[i], keys[i]);
            }
        }

        /**
         * The best {@code beam} nodes of {@code layer} reachable from the entry points, as a min-heap
         * (the worst at the root); they become the entry points of the next layer down.
         */
        NodeHeap search(final int beam, final int layer) {
            NodeHeap candidates = new NodeHeap(beam * 2);
            NodeHeap results = new NodeHeap(beam + 1);
            // Marks are per layer: a node met on the layer above is still to be met on this one.
            visited.clear();
            NodeHeap from = entries;
            while (from.size() > 0) {
                visited.mark(from.peekSlot());
                candidates.push(-from.peekScore(), from.peekSlot(), from.peekKey());
                results.push(from.peekScore(), from.peekSlot(), from.peekKey());
                from.pop();
            }
            while (results.size() > beam) {
                results.pop();
            }
            while (candidates.size() > 0) {
                float best = -candidates.peekScore();
                int node = candidates.peekSlot();
                candidates.pop();
                if (results.size() >= beam && best < results.peekScore()) {
                    break; // no candidate left can improve the beam
                }
                int count = Optimistic.read(index.lock,
                        () -> index.links.topLayer(node) >= layer ? index.links.copy(node, layer, linkBuffer) : 0);
                int fresh = 0;
                for (int i = 0; i < count; i++) {
                    if (visited.mark(linkBuffer[i])) {
                        unvisited[fresh++] = linkBuffer[i];
                    }
                }
                int scored = scoreUnvisited(fresh, results.size() < beam ? Float.NEGATIVE_INFINITY : results.peekScore());
                for (int i = 0; i < scored; i++) {
                    if (results.size() < beam || scores[i] > results.peekScore()) {
                        candidates.push(-scores[i], scoredSlots[i], keys[i]);
                        results.push(scores[i], scoredSlots[i], keys[i]);
                        if (results.size() > beam) {
                            results.pop();
                        }
                    }
                }
            }
            entries = results.copy();
            return results;
        }

        /**
         * Scores {@code unvisited[0..n)} and keeps, with their keys, those that score above
         * {@code floor} (the beam's worst: no other can enter it), the free slots left out;
         * returns how many. The keys are read only for the few kept, under the stamp the scores
         * were read with: most nodes met score below the floor, and a key per node would be a
         * cache miss per node.
         */
        private int scoreUnvisited(final int n, final float floor) {
            return Optimistic.read(index.lock, () -> {
                int high = index.store.highWater();
                int fresh = 0;
                for (int i = 0; i < n; i++) {
                    if (unvisited[i] < high) {
                        scoredSlots[fresh++] = unvisited[i];
                    }
                }
                index.store.scoreSlots(index.metric, query, scoredSlots, fresh, scores);
                int kept = 0;
                for (int i = 0; i < fresh; i++) {
                    Object key = scores[i] > floor ? index.store.keyAt(scoredSlots[i]) : null;
                    if (key != null) {
                        keys[kept] = key;
                        scores[kept] = scores[i];
                        scoredSlots[kept++] = scoredSlots[i];
                    }
                }
                return kept;
            });
        }
    }
}
