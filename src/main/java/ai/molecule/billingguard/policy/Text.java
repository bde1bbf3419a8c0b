package ai.molecule.billingguard.policy;

/**
 * Tenant-controlled strings (names, ids, annotation values) as they may appear in a message, a
 * warning or a log: control and format characters escaped, so a zero-width space or a newline is
 * visible and cannot forge a line, and length capped, so an answer stays small whatever the pod holds.
 */
public final class Text {
    /** Longest name quoted in a message, in characters, before it is cut. */
    static final int MAX_NAME = 80;

    private Text() {
    }

    /** A name as a message shows it: escaped and cut to {@link #MAX_NAME} characters. */
    public static String name(String value) {
        if (value == null) {
            return "<none>";
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), MAX_NAME) + 8);
        for (int i = 0; i < value.length(); ) {
            if (b.length() >= MAX_NAME) {
                return b.append("…(").append(value.length()).append(" chars)").toString();
            }
            int cp = value.codePointAt(i);
            i += Character.charCount(cp);
            if (printable(cp)) {
                b.appendCodePoint(cp);
            } else {
                b.append(cp <= 0xFFFF ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
            }
        }
        return b.toString();
    }

    /** A name in double quotes, escaped and cut. */
    public static String quoted(String value) {
        return "\"" + name(value) + "\"";
    }

    /** {@code text} cut to at most {@code max} characters, marked when cut. */
    public static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static boolean printable(int cp) {
        int type = Character.getType(cp);
        return cp != '"' && cp != '\\' && type != Character.CONTROL && type != Character.FORMAT
                && type != Character.UNASSIGNED && type != Character.PRIVATE_USE && type != Character.SURROGATE
                && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR;
    }
}
