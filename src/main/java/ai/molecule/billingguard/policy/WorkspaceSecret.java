package ai.molecule.billingguard.policy;

import java.util.Map;
import java.util.Set;

/**
 * What the decision needs of a workspace secret, and nothing more: the provider selection and
 * model (not credentials), its annotations, and the <em>names</em> of keys whose values are
 * non-empty. No credential value is ever held here.
 */
public record WorkspaceSecret(String namespace, String name, Map<String, String> annotations,
                              String provider, String model, Set<String> nonEmptyKeys) {

    public WorkspaceSecret {
        annotations = Map.copyOf(annotations);
        nonEmptyKeys = Set.copyOf(nonEmptyKeys);
    }

    public boolean hasNonEmpty(String key) {
        return nonEmptyKeys.contains(key);
    }

    public String ref() {
        return "Secret " + namespace + "/" + name;
    }
}
