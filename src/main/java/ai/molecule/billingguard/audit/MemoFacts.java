package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The facts of one audit run, asked for once per (namespace, workspace secret, referenced secrets):
 * the replicas of a Deployment share one lookup instead of making one each. Facts hold no
 * credential value, and the memo lives only as long as the run.
 */
final class MemoFacts implements FactsSource {
    private record Key(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
    }

    private final FactsSource facts;
    private final Map<Key, Facts> memo = new HashMap<>();

    MemoFacts(FactsSource facts) {
        this.facts = facts;
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        return memo.computeIfAbsent(new Key(namespace, workspaceSecretName, Set.copyOf(referencedSecrets)),
                k -> facts.facts(namespace, workspaceSecretName, referencedSecrets));
    }
}
