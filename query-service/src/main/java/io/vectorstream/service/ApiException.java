package io.vectorstream.service;

/**
 * A request that cannot be served, with the HTTP status and the machine-readable code it maps to
 * and, when one field is to blame, that field's dotted path.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String field;
    private final boolean closesConnection;

    public ApiException(final int status, final String code, final String message, final String field) {
        this(status, code, message, field, false);
    }

    private ApiException(final int status, final String code, final String message, final String field,
                         final boolean closesConnection) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
        this.closesConnection = closesConnection;
    }

    public static ApiException badRequest(final String message, final String field) {
        return new ApiException(400, "invalid_request", message, field);
    }

    /** 413: a body, or one field of it, larger than a limit allows. */
    public static ApiException tooLarge(final String message, final String field) {
        return new ApiException(413, "payload_too_large", message, field);
    }

    public static ApiException notFound(final String message) {
        return new ApiException(404, "not_found", message, null);
    }

    public static ApiException conflict(final String message, final String field) {
        return new ApiException(409, "conflict", message, field);
    }

    public static ApiException unavailable(final String message) {
        return new ApiException(503, "unavailable", message, null);
    }

    /**
     * This error, ending its connection after the answer: the rest of the request could not be
     * read, and would otherwise be taken for the next request.
     */
    public ApiException closingConnection() {
        ApiException closing = new ApiException(status, code, getMessage(), field, true);
        closing.setStackTrace(getStackTrace());
        return closing;
    }

    /** Whether the connection ends after this answer ({@link #closingConnection}). */
    public boolean closesConnection() {
        return closesConnection;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }
}
