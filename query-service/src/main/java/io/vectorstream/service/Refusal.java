package io.vectorstream.service;

/**
 * A request the service will not serve, why ({@link Reason}, whose codes are the API's error
 * codes) and, when one field is to blame, that field's dotted path. The HTTP layer chooses the
 * status for each reason.
 */
public final class Refusal extends RuntimeException {

    /** Why a request is refused. */
    public enum Reason {
        /** The request breaks a rule: a schema, a limit of its parameters, its library's settings. */
        INVALID_REQUEST("invalid_request"),
        NOT_FOUND("not_found"),
        /** Another write came first, or the record exists. */
        CONFLICT("conflict"),
        /** A field or the whole event is larger than a limit allows. */
        PAYLOAD_TOO_LARGE("payload_too_large"),
        /** The indexes' memory budget has no room for the write. */
        INSUFFICIENT_STORAGE("insufficient_storage"),
        /** Too many calls wait for the model; retry later. */
        OVERLOADED("overloaded"),
        /** The model failed to run: not the request's fault. */
        MODEL_ERROR("model_error"),
        /** Not able to answer now (the stream processor, the model, Kafka); retry. */
        UNAVAILABLE("unavailable"),
        /** The write a token names is not applied yet; retry. */
        NOT_YET_CONSISTENT("not_yet_consistent");

        private final String code;

        Reason(final String code) {
            this.code = code;
        }

        /** The machine-readable code of the API's error bodies. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;
    private final String field;

    public Refusal(final Reason reason, final String message, final String field) {
        super(message);
        this.reason = reason;
        this.field = field;
    }

    public static Refusal badRequest(final String message, final String field) {
        return new Refusal(Reason.INVALID_REQUEST, message, field);
    }

    public static Refusal tooLarge(final String message, final String field) {
        return new Refusal(Reason.PAYLOAD_TOO_LARGE, message, field);
    }

    public static Refusal notFound(final String message) {
        return new Refusal(Reason.NOT_FOUND, message, null);
    }

    public static Refusal conflict(final String message, final String field) {
        return new Refusal(Reason.CONFLICT, message, field);
    }

    public static Refusal unavailable(final String message) {
        return new Refusal(Reason.UNAVAILABLE, message, null);
    }

    public Reason reason() {
        return reason;
    }

    /** The dotted path of the field to blame, or {@code null}. */
    public String field() {
        return field;
    }
}
