package io.vectorstream.schema.filter;

/** A filter that cannot be compiled: where ({@code filter.$or[1].year.$gte}) and why. */
public final class FilterException extends IllegalArgumentException {

    private final String path;

    FilterException(final String path, final String message) {
        super(message);
        this.path = path;
    }

    /** The path of the offending part, from {@code filter}. */
    public String path() {
        return path;
    }
}
