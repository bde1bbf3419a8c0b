package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Lookup;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The owner references of the ReplicaSets and Jobs behind pods, read with one bounded GET each, so
 * the audit can name the Deployment or CronJob to restart. Only the owner references are kept: the
 * object's pod template (which may hold literal values) is dropped at once.
 */
public final class OwnerReader {
    private final KubernetesClient client;
    private final Duration timeout;

    /**
     * @param client  not closed here: the caller owns it
     * @param timeout bound of each GET; no retries
     */
    public OwnerReader(KubernetesClient client, Duration timeout) {
        this.client = Clusters.derived(client, timeout, false);
        this.timeout = timeout;
    }

    /**
     * The {@code metadata.ownerReferences} of an {@code apps/v1 ReplicaSet} or a {@code batch/v1 Job}
     * (an empty array when it has none); absent when the object is gone, failed when it cannot be read.
     * Other kinds are not read: they are the owners the audit names.
     */
    public Lookup<JsonNode> ownerReferences(String namespace, String kind, String name) {
        return switch (kind) {
            case "ReplicaSet" -> get("ReplicaSet " + namespace + "/" + name,
                    () -> client.apps().replicaSets().inNamespace(namespace).withName(name).get());
            case "Job" -> get("Job " + namespace + "/" + name,
                    () -> client.batch().v1().jobs().inNamespace(namespace).withName(name).get());
            default -> Lookup.absent();
        };
    }

    private Lookup<JsonNode> get(String object, Supplier<? extends HasMetadata> request) {
        try {
            HasMetadata owner = request.get();
            if (owner == null) {
                return Lookup.absent();
            }
            ArrayNode refs = Json.JSON.createArrayNode();
            if (owner.getMetadata().getOwnerReferences() != null) {
                owner.getMetadata().getOwnerReferences().forEach(r -> {
                    var ref = refs.addObject().put("apiVersion", r.getApiVersion()).put("kind", r.getKind())
                            .put("name", r.getName());
                    if (r.getController() != null) {
                        ref.put("controller", r.getController());
                    }
                });
            }
            return Lookup.found(refs);
        } catch (RuntimeException e) {
            return Lookup.failed(object, ApiErrors.cause(e, timeout));
        }
    }
}
