package io.vectorstream.service;

/**
 * A request that cannot be served, with the HTTP status and the machine-readable code it maps to
 * and, when one field is to blame, that field's dotted path.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String field;

    public ApiException(final int status, final String code, final String message, final String field) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public static ApiException badRequest(final String message, final String field) {
        return new ApiException(400, "invalid_request", message, field);
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
