package io.vectorstream.http;

import io.vectorstream.service.Refusal;

/**
 * An error answer: the HTTP status, the machine-readable code and, when one field is to blame,
 * that field's dotted path. The service's refusals ({@link Refusal}) become one by {@link #of}.
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

    /** The answer to a refusal of the service: the status its reason maps to. */
    public static ApiException of(final Refusal refusal) {
        int status = switch (refusal.reason()) {
            case INVALID_REQUEST -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case PAYLOAD_TOO_LARGE -> 413;
            case OVERLOADED -> 429;
            case MODEL_ERROR -> 500;
            case UNAVAILABLE, NOT_YET_CONSISTENT -> 503;
            case INSUFFICIENT_STORAGE -> 507;
        };
        ApiException answer = new ApiException(status, refusal.reason().code(), refusal.getMessage(), refusal.field());
        answer.setStackTrace(refusal.getStackTrace());
        return answer;
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

    /**
     * This error as one part of a request ({@code searches[3]} of a batch) names it: the field
     * below that path, the message starting with it.
     */
    public ApiException within(final String path) {
        String message = field != null && getMessage().startsWith(field) ? path + "." + getMessage()
                : path + ": " + getMessage();
        ApiException within = new ApiException(status, code, message, field == null ? path : path + "." + field,
                closesConnection);
        within.setStackTrace(getStackTrace());
        return within;
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
