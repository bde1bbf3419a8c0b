package ai.molecule.billingguard.policy;

import java.util.Set;

/**
 * What of a pod a review may change. A pod CREATE may change everything; a
 * {@code pods/ephemeralcontainers} update may only change the ephemeral containers it adds
 * (the API server rejects changes to anything else of a running pod).
 *
 * @param podLevel           volumes and annotations may change
 * @param onlyEphemeralNames when non-null, only the ephemeral containers with these names may change
 */
public record Scope(boolean podLevel, Set<String> onlyEphemeralNames) {
    public static final Scope WHOLE_POD = new Scope(true, null);

    public static Scope newEphemeralContainers(Set<String> names) {
        return new Scope(false, Set.copyOf(names));
    }

    public boolean editable(String containerList, String containerName) {
        if (onlyEphemeralNames == null) {
            return true;
        }
        return containerList.equals("ephemeralContainers") && onlyEphemeralNames.contains(containerName);
    }
}
