package ai.molecule.billingguard.policy;

/**
 * The answer of a cluster lookup: found, absent (NotFound), or failed. A failure is never read as
 * absence: the resolver fails closed on it (docs/policy.md, "Fail closed").
 */
public sealed interface Lookup<T> {

    record Found<T>(T value) implements Lookup<T> {
    }

    record Absent<T>() implements Lookup<T> {
    }

    /**
     * @param object the object that could not be read, e.g. {@code Secret team-a/ws-1-secrets}
     * @param cause  one line, never a credential value
     */
    record Failed<T>(String object, String cause) implements Lookup<T> {
        public String message() {
            return "cannot read " + object + ": " + cause;
        }
    }

    static <T> Lookup<T> found(T value) {
        return new Found<>(value);
    }

    static <T> Lookup<T> absent() {
        return new Absent<>();
    }

    static <T> Lookup<T> failed(String object, String cause) {
        return new Failed<>(object, cause);
    }
}
