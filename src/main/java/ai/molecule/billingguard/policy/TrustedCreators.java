package ai.molecule.billingguard.policy;

import java.util.List;
import java.util.Set;

/**
 * {@code trust.workspacePodCreators}: who may create a workspace pod or pod controller that keeps
 * platform items. Entries are user names, {@code group:NAME}, or a service account
 * {@code system:serviceaccount:NAMESPACE:NAME} where NAME may be {@code *}. Kubernetes' own pod
 * controllers are trusted too: they only instantiate templates that were checked when their
 * Deployment, StatefulSet, DaemonSet, Job, CronJob or ReplicaSet was applied.
 */
final class TrustedCreators {
    /** The identities kube-controller-manager creates pods, ReplicaSets and Jobs as. */
    static final Set<String> KUBERNETES_CONTROLLERS = Set.of(
            "system:kube-controller-manager",
            "system:serviceaccount:kube-system:replicaset-controller",
            "system:serviceaccount:kube-system:replication-controller",
            "system:serviceaccount:kube-system:daemon-set-controller",
            "system:serviceaccount:kube-system:statefulset-controller",
            "system:serviceaccount:kube-system:job-controller",
            "system:serviceaccount:kube-system:deployment-controller",
            "system:serviceaccount:kube-system:cronjob-controller");
    private static final String SERVICE_ACCOUNT = "system:serviceaccount:";

    private final List<String> entries;

    TrustedCreators(List<String> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Off: whoever may create pods in a guarded namespace is trusted to name the right workspace. */
    boolean off() {
        return entries.isEmpty();
    }

    boolean trusts(Creator creator) {
        if (off() || KUBERNETES_CONTROLLERS.contains(creator.username())) {
            return true;
        }
        for (String entry : entries) {
            if (entry.startsWith("group:") ? creator.groups().contains(entry.substring("group:".length()))
                    : entry.startsWith(SERVICE_ACCOUNT) && entry.endsWith(":*")
                    ? serviceAccountIn(creator.username(), entry.substring(0, entry.length() - 1))
                    : entry.equals(creator.username())) {
                return true;
            }
        }
        return false;
    }

    /** {@code system:serviceaccount:NS:} + one more name, and nothing else. */
    private static boolean serviceAccountIn(String username, String prefix) {
        return username.startsWith(prefix) && username.length() > prefix.length()
                && username.indexOf(':', prefix.length()) < 0;
    }
}
