package io.vectorstream.client;

import java.util.List;

/** One page of a listing; {@code nextCursor} is null on the last. */
record Page<T>(List<T> items, String nextCursor) {
}
