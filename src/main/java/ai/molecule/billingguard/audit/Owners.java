package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.admission.AdmissionReviews;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.Text;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Walks a pod's {@code ownerReferences} up to the controller a person restarts: Pod → ReplicaSet →
 * Deployment, Pod → Job → CronJob; a StatefulSet, DaemonSet, ReplicationController or any other
 * controller directly. Each ReplicaSet or Job is read once per run. An owner that cannot be read is
 * named as the pod's own owner, with a note.
 */
final class Owners {
    private final OwnerSource source;
    private final Map<String, Lookup<JsonNode>> read = new HashMap<>();
    /** The first failure per kind of object, for one note each. */
    private final Map<String, String> failures = new LinkedHashMap<>();

    Owners(OwnerSource source) {
        this.source = source;
    }

    Owner of(JsonNode pod) {
        JsonNode metadata = pod.path("metadata");
        String namespace = Json.text(metadata, "namespace");
        JsonNode ref = controller(metadata.path("ownerReferences"));
        if (ref == null) {
            return Owner.of("Pod", Json.text(metadata, "name"));
        }
        Owner owner = Owner.of(Text.name(Json.text(ref, "kind")), Text.name(Json.text(ref, "name")));
        String group = AdmissionReviews.group(ref);
        boolean walks = (group.equals("apps") && owner.kind().equals("ReplicaSet"))
                || (group.equals("batch") && owner.kind().equals("Job"));
        if (!walks) {
            return owner;
        }
        Lookup<JsonNode> refs = read.computeIfAbsent(namespace + "/" + owner.kind() + "/" + owner.name(),
                k -> source.ownerReferences(namespace, owner.kind(), Json.text(ref, "name")));
        if (refs instanceof Lookup.Failed<JsonNode> failed) {
            failures.putIfAbsent(owner.kind(), failed.message());
            return owner;
        }
        JsonNode parent = refs instanceof Lookup.Found<JsonNode> found ? controller(found.value()) : null;
        return parent == null ? owner : new Owner(Text.name(Json.text(parent, "kind")),
                Text.name(Json.text(parent, "name")), Optional.of(owner));
    }

    /** One line per kind of owner that could not be read. */
    List<String> notes() {
        List<String> notes = new ArrayList<>();
        failures.forEach((kind, message) -> notes.add(message + "; pods owned by a " + kind
                + " that cannot be read are shown under it, not under its controller"));
        return notes;
    }

    /** The reference marked {@code controller: true}, else the first one; null when there is none. */
    private static JsonNode controller(JsonNode refs) {
        for (JsonNode ref : refs) {
            if (ref.path("controller").asBoolean(false)) {
                return ref;
            }
        }
        return refs.isArray() && !refs.isEmpty() ? refs.get(0) : null;
    }
}
