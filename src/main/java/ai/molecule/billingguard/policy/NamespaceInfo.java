package ai.molecule.billingguard.policy;

import java.util.Map;

/** What the decision needs of a Namespace: its name and annotations. */
public record NamespaceInfo(String name, Map<String, String> annotations) {
    public NamespaceInfo {
        annotations = Map.copyOf(annotations);
    }
}
