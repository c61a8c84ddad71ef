package io.vectorstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PageTest {

    /**
     * Three shards with interleaved ids, each answering its first {@code limit + 1} after the
     * cursor, as a shard does: paging through the merge visits every id once, in order.
     */
    @Test
    void pagesOverMergedShardsVisitEveryIdOnceInOrder() {
        List<TreeSet<String>> shards = List.of(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        List<String> all = IntStream.range(0, 100).mapToObj(i -> String.format("id-%03d", i)).toList();
        for (int i = 0; i < all.size(); i++) {
            shards.get((i * 7) % 3).add(all.get(i));
        }
        for (int limit : new int[] {1, 7, 33, 100, 250}) {
            List<String> seen = new ArrayList<>();
            String after = null;
            int pages = 0;
            do {
                List<String> merged = new ArrayList<>();
                for (TreeSet<String> shard : shards) {
                    (after == null ? shard : shard.tailSet(after, false)).stream().limit(limit + 1).forEach(merged::add);
                }
                merged.sort(String::compareTo);
                Page<String> page = Page.firstOf(merged, limit, Function.identity());
                seen.addAll(page.items());
                after = Page.idAfter(page.nextCursor());
                pages++;
            } while (after != null);
            assertEquals(all, seen, "limit " + limit);
            assertEquals(Math.max(1, (all.size() + limit - 1) / limit), pages, "limit " + limit);
        }
    }

    @Test
    void theLastPageHasNoCursor() {
        assertNull(Page.firstOf(List.of("a", "b"), 2, Function.identity()).nextCursor());
        assertEquals("b", Page.idAfter(Page.firstOf(List.of("a", "b", "c"), 2, Function.identity()).nextCursor()));
    }
}
