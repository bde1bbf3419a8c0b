package ai.molecule.billingguard.policy;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the decision needs of a workspace secret, and nothing more: the provider selection and
 * model (not credentials), its annotations, the <em>names</em> of its keys and of those whose
 * values are non-empty. No credential value is ever held here.
 *
 * @param labelledWorkspaceId the value of the secret's workspace-id label, empty when unlabelled
 */
public record WorkspaceSecret(String namespace, String name, Map<String, String> annotations,
                              Optional<String> labelledWorkspaceId,
                              String provider, String model, Set<String> keys, Set<String> nonEmptyKeys) {

    public WorkspaceSecret {
        annotations = Map.copyOf(annotations);
        keys = Set.copyOf(keys);
        nonEmptyKeys = Set.copyOf(nonEmptyKeys);
    }

    /** The key is present, whatever its value (derivation narrows by key names present). */
    public boolean has(String key) {
        return keys.contains(key);
    }

    public boolean hasNonEmpty(String key) {
        return nonEmptyKeys.contains(key);
    }

    public String ref() {
        return "Secret " + namespace + "/" + name;
    }
}
