package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.policy.Lookup;
import tools.jackson.databind.JsonNode;

/** Reads the owner references of a ReplicaSet or a Job (read-only), so a pod's top controller can be named. */
@FunctionalInterface
public interface OwnerSource {
    /**
     * @param kind {@code ReplicaSet} or {@code Job}
     * @return the object's {@code metadata.ownerReferences} as a JSON array; absent when it is gone
     */
    Lookup<JsonNode> ownerReferences(String namespace, String kind, String name);
}
