package io.vectorstream.client;

/**
 * An error the service answered ({@code {"error": {"code", "message", "field"}}}), as the subclass
 * of its HTTP status, or the service not answering at all ({@link ConnectionFailed}, status 0).
 * {@link #field()} is the dotted path of the offending field ({@code chunks[1].embedding}) or null.
 */
public class VectorStreamException extends RuntimeException {

    private final int status;
    private final String code;
    private final String field;
    private final String serviceMessage;

    public VectorStreamException(final int status, final String code, final String message, final String field) {
        super((status > 0 ? status + " " : "") + code + ": " + message + (field == null ? "" : " (field " + field + ")"));
        this.status = status;
        this.code = code;
        this.field = field;
        this.serviceMessage = message;
    }

    /** The HTTP status; 0 when the service did not answer. */
    public int status() {
        return status;
    }

    /** The service's error code: {@code invalid_request}, {@code not_found}, ... */
    public String code() {
        return code;
    }

    /** The service's message, for people. */
    public String serviceMessage() {
        return serviceMessage;
    }

    /** The dotted path of the field at fault, or null. */
    public String field() {
        return field;
    }

    /** The exception for an answer with this status. */
    static VectorStreamException of(final int status, final String code, final String message, final String field) {
        return switch (status) {
            case 400 -> new BadRequest(status, code, message, field);
            case 401 -> new Unauthorized(status, code, message, field);
            case 403 -> new Forbidden(status, code, message, field);
            case 404 -> new NotFound(status, code, message, field);
            case 409 -> new Conflict(status, code, message, field);
            case 413 -> new PayloadTooLarge(status, code, message, field);
            case 429 -> new Overloaded(status, code, message, field);
            case 503 -> new Unavailable(status, code, message, field);
            case 507 -> new InsufficientStorage(status, code, message, field);
            default -> status >= 500 ? new ServerError(status, code, message, field)
                    : new VectorStreamException(status, code, message, field);
        };
    }

    /** 400: a body, parameter, filter or token the service refuses; {@link #field()} names it. */
    public static final class BadRequest extends VectorStreamException {
        BadRequest(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 401: no API key, or one this deployment does not know. */
    public static final class Unauthorized extends VectorStreamException {
        Unauthorized(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 403: the key's scope or libraries do not cover the request. */
    public static final class Forbidden extends VectorStreamException {
        Forbidden(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 404: no such library, document, chunk or endpoint. */
    public static final class NotFound extends VectorStreamException {
        NotFound(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 409: a library id that exists, or a waited-for write that another write overtook. */
    public static final class Conflict extends VectorStreamException {
        Conflict(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 413: a body or a field past its limit. */
    public static final class PayloadTooLarge extends VectorStreamException {
        PayloadTooLarge(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 429: the embedding model is busy. */
    public static final class Overloaded extends VectorStreamException {
        Overloaded(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 500 and other 5xx: the model failed, or something unexpected happened in the service. */
    public static final class ServerError extends VectorStreamException {
        ServerError(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 503: not running yet, a shard cannot answer now, a token not applied in time, or at capacity. */
    public static final class Unavailable extends VectorStreamException {
        Unavailable(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** 507: a write past the instance's index memory budget. */
    public static final class InsufficientStorage extends VectorStreamException {
        InsufficientStorage(final int s, final String c, final String m, final String f) {
            super(s, c, m, f);
        }
    }

    /** The service could not be reached or did not answer in time; {@link #status()} is 0. */
    public static final class ConnectionFailed extends VectorStreamException {
        ConnectionFailed(final String message, final Throwable cause) {
            super(0, "connection_failed", message, null);
            initCause(cause);
        }
    }
}
