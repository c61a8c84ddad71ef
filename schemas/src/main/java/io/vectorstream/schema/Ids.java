package io.vectorstream.schema;

/**
 * The id rule of {@code common.json} ({@code ^[A-Za-z0-9][A-Za-z0-9._~:-]{0,127}$}) without the
 * regular expression, for the hot paths that read ids back from internal topics and changelogs:
 * an id read there may have been forged, and ids name files ({@code ivf/<library id>.ivf}). No id
 * this rule accepts contains a path separator or starts with a dot.
 */
public final class Ids {

    /** The longest id. */
    public static final int MAX_LENGTH = 128;

    private Ids() {
    }

    /** Whether {@code id} is an id the schemas accept. */
    public static boolean isValid(final String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH || !isLetterOrDigit(id.charAt(0))) {
            return false;
        }
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isLetterOrDigit(c) && c != '.' && c != '_' && c != '~' && c != ':' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(final char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
