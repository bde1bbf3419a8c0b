package ai.molecule.billingguard.policy;

/** RFC 6901 JSON pointers: {@code ~} becomes {@code ~0} and {@code /} becomes {@code ~1} in each token. */
public final class Pointer {
    private Pointer() {
    }

    public static String child(String parent, String token) {
        return parent + "/" + token.replace("~", "~0").replace("/", "~1");
    }

    public static String child(String parent, int index) {
        return parent + "/" + index;
    }
}
