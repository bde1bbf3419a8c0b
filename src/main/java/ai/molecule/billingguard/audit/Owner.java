package ai.molecule.billingguard.audit;

import java.util.Optional;

/**
 * The controller behind a pod, found through {@code ownerReferences}: a Deployment (through its
 * ReplicaSet), a CronJob (through its Job), a StatefulSet, DaemonSet, ReplicationController, a
 * ReplicaSet or Job of its own, any other controller, or the pod itself when it has none.
 *
 * @param via the owner between the pod and this one (the Job of a CronJob, the ReplicaSet of a Deployment)
 */
public record Owner(String kind, String name, Optional<Owner> via) {
    public static Owner of(String kind, String name) {
        return new Owner(kind, name, Optional.empty());
    }

    /** {@code Deployment/web}, as a person reads it. */
    @Override
    public String toString() {
        return kind + "/" + name;
    }
}
