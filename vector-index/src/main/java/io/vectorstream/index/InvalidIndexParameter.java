package io.vectorstream.index;

/** An index parameter out of its range, or of the wrong kind of number: names the parameter. */
public final class InvalidIndexParameter extends IllegalArgumentException {

    private final String parameter;

    public InvalidIndexParameter(final String parameter, final String message) {
        super(message);
        this.parameter = parameter;
    }

    /** The parameter's name, as in {@code index.params}. */
    public String parameter() {
        return parameter;
    }

    /** Checks {@code min <= value <= max}. */
    static void requireRange(final String parameter, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new InvalidIndexParameter(parameter, parameter + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /** Checks {@code min < value <= max} (or {@code min <= value} when {@code minIncluded}). */
    static void requireRange(final String parameter, final double value, final double min, final boolean minIncluded,
                             final double max) {
        if (!(minIncluded ? value >= min : value > min) || !(value <= max)) {
            throw new InvalidIndexParameter(parameter, parameter + " must be in " + (minIncluded ? "[" : "(") + min
                    + ", " + max + "], got " + value);
        }
    }
}
