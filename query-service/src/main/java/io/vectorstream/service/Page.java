package io.vectorstream.service;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a listing in id order.
 *
 * @param nextCursor opaque cursor of the next page, or {@code null} on the last page
 */
public record Page<T>(List<T> items, String nextCursor) {

    /**
     * The first {@code limit} of {@code sorted} (items in id order, merged from the shards' own
     * first {@code limit + 1}), with the cursor after the last of them when more follow.
     */
    public static <T> Page<T> firstOf(final List<T> sorted, final int limit, final Function<T, String> id) {
        if (sorted.size() <= limit) {
            return new Page<>(List.copyOf(sorted), null);
        }
        List<T> items = List.copyOf(sorted.subList(0, limit));
        return new Page<>(items, cursorAfter(id.apply(items.getLast())));
    }

    /** The cursor that continues after {@code id}. */
    public static String cursorAfter(final String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The id a cursor continues after; {@code null} for none.
     *
     * @throws Refusal an invalid request if the cursor was not made by {@link #cursorAfter}
     */
    public static String idAfter(final String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw Refusal.badRequest("cursor is not one this service issued", "cursor");
        }
    }
}
