package io.vectorstream.schema;

import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;
import java.util.regex.Pattern;

/**
 * JSON Schema patterns are ECMA-262 regular expressions, in which {@code $} (no multiline flag)
 * is the end of the input. In {@code java.util.regex} it also matches before a final line
 * terminator, so {@code "abc\n"} passed {@code ^[a-z]+$}: ids with a trailing newline got into
 * records, logs and dead-letter reasons. This compiles the schemas' patterns with each {@code $}
 * that is an anchor (not escaped, not in a character class) written as {@code \z}.
 */
final class EcmaEndAnchors implements RegularExpressionFactory {

    static final EcmaEndAnchors INSTANCE = new EcmaEndAnchors();

    private EcmaEndAnchors() {
    }

    @Override
    public RegularExpression getRegularExpression(final String regex) {
        Pattern pattern = Pattern.compile(strictEnds(regex));
        return value -> pattern.matcher(value).find(); // a pattern matches anywhere unless anchored
    }

    /** {@code regex} with every end-of-line anchor {@code $} made an end-of-input anchor. */
    static String strictEnds(final String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 4);
        boolean escaped = false;
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (escaped) {
                escaped = false;
                out.append(c);
            } else if (c == '\\') {
                escaped = true;
                out.append(c);
            } else if (c == '[') {
                inClass = true;
                out.append(c);
            } else if (c == ']') {
                inClass = false;
                out.append(c);
            } else if (c == '$' && !inClass) {
                out.append("\\z");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
