package ai.molecule.billingguard.policy;

import java.util.List;

/**
 * Who asks for the pod or pod controller: the AdmissionReview's {@code userInfo}.
 *
 * @param username as the API server authenticated it, e.g. {@code system:serviceaccount:molecule:provisioner}
 * @param groups   its groups
 */
public record Creator(String username, List<String> groups) {
    public Creator {
        groups = List.copyOf(groups);
    }

    /** No userInfo at all (an offline review): trusted by nobody's list. */
    public static final Creator UNKNOWN = new Creator("", List.of());
}
