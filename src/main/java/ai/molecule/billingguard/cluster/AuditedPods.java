package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * What the audit keeps of a running pod, and nothing more: identity, labels, the annotations
 * billing-guard writes (and the mirror-pod marker), owner references, phase; per container its name,
 * every env variable's name with the Secret and key it reads (no literal value, no other source),
 * the {@code envFrom} entries of Secrets with their prefix, the volume mounts; per volume the
 * Secrets its source names. No credential value (a literal {@code env} value, a
 * {@code last-applied-configuration} copy) survives, so neither the pod informer's cache nor a
 * listing holds one longer than the moment it takes to reduce the pod.
 *
 * <p>The reduced pod is still a pod to the policy: a literal value and a ConfigMap source are both
 * "not from a Secret", and volume sources keep the fields the policy reads Secrets from.
 */
final class AuditedPods {
    /** Marks a mirror pod (kubelet's copy of a static pod): the webhook lets it through untouched. */
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

    private AuditedPods() {
    }

    static ObjectNode reduce(JsonNode pod, PolicyConfig config) {
        ObjectNode out = Json.JSON.createObjectNode();
        out.put("apiVersion", "v1").put("kind", "Pod");
        JsonNode m = pod.path("metadata");
        ObjectNode metadata = out.putObject("metadata");
        for (String field : new String[]{"name", "namespace", "uid", "resourceVersion"}) {
            copyText(m, field, metadata);
        }
        if (m.path("labels").isObject()) {
            metadata.set("labels", m.get("labels").deepCopy());
        }
        ObjectNode annotations = Json.JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> a : m.path("annotations").properties()) {
            if (a.getKey().startsWith(config.annotationPrefix()) || a.getKey().equals(MIRROR_ANNOTATION)) {
                annotations.set(a.getKey(), a.getValue());
            }
        }
        if (!annotations.isEmpty()) {
            metadata.set("annotations", annotations);
        }
        ArrayNode owners = Json.JSON.createArrayNode();
        for (JsonNode ref : m.path("ownerReferences")) {
            ObjectNode kept = owners.addObject();
            for (String field : new String[]{"apiVersion", "kind", "name", "uid"}) {
                copyText(ref, field, kept);
            }
            if (ref.path("controller").isBoolean()) {
                kept.put("controller", ref.get("controller").booleanValue());
            }
        }
        if (!owners.isEmpty()) {
            metadata.set("ownerReferences", owners);
        }
        ObjectNode spec = out.putObject("spec");
        for (String list : PodPolicy.CONTAINER_LISTS) {
            JsonNode containers = pod.path("spec").path(list);
            if (containers.isArray() && !containers.isEmpty()) {
                ArrayNode kept = spec.putArray(list);
                containers.forEach(c -> kept.add(container(c)));
            }
        }
        JsonNode volumes = pod.path("spec").path("volumes");
        if (volumes.isArray() && !volumes.isEmpty()) {
            ArrayNode kept = spec.putArray("volumes");
            volumes.forEach(v -> kept.add(volume(v)));
        }
        String phase = Json.text(pod.path("status"), "phase");
        if (phase != null) {
            out.putObject("status").put("phase", phase);
        }
        return out;
    }

    private static ObjectNode container(JsonNode c) {
        ObjectNode out = Json.JSON.createObjectNode();
        copyText(c, "name", out);
        ArrayNode env = out.putArray("env");
        for (JsonNode e : c.path("env")) {
            ObjectNode kept = env.addObject();
            copyText(e, "name", kept);
            JsonNode ref = e.path("valueFrom").path("secretKeyRef");
            if (ref.isObject()) {
                ObjectNode secretKeyRef = kept.putObject("valueFrom").putObject("secretKeyRef");
                copyText(ref, "name", secretKeyRef);
                copyText(ref, "key", secretKeyRef);
            }
        }
        ArrayNode envFrom = out.putArray("envFrom");
        for (JsonNode e : c.path("envFrom")) {
            if (e.path("secretRef").isObject()) {
                ObjectNode kept = envFrom.addObject();
                copyText(e, "prefix", kept);
                copyText(e.get("secretRef"), "name", kept.putObject("secretRef"));
            }
        }
        ArrayNode mounts = out.putArray("volumeMounts");
        for (JsonNode v : c.path("volumeMounts")) {
            ObjectNode kept = mounts.addObject();
            copyText(v, "name", kept);
            copyText(v, "mountPath", kept);
        }
        return out;
    }

    /**
     * The volume's name and its source, reduced to the fields that name a Secret ({@code secretName},
     * {@code secretRef}, {@code *SecretRef}); a {@code projected} volume keeps every source, the Secret
     * ones with their name and the others empty (how many there are decides whether the volume goes).
     */
    private static ObjectNode volume(JsonNode v) {
        ObjectNode out = Json.JSON.createObjectNode();
        copyText(v, "name", out);
        for (Map.Entry<String, JsonNode> source : v.properties()) {
            String type = source.getKey();
            if (type.equals("projected")) {
                ArrayNode sources = out.putObject("projected").putArray("sources");
                for (JsonNode s : source.getValue().path("sources")) {
                    ObjectNode kept = sources.addObject();
                    if (s.path("secret").isObject()) {
                        copyText(s.get("secret"), "name", kept.putObject("secret"));
                    } else if (s.isObject() && !s.isEmpty()) {
                        kept.putObject(s.properties().iterator().next().getKey());
                    }
                }
            } else if (source.getValue().isObject()) {
                ObjectNode kept = out.putObject(type);
                for (Map.Entry<String, JsonNode> field : source.getValue().properties()) {
                    String key = field.getKey();
                    if (key.equals("secretName") && field.getValue().isString()) {
                        kept.set(key, field.getValue());
                    } else if (key.equals("secretRef") || key.endsWith("SecretRef")) {
                        copyText(field.getValue(), "name", kept.putObject(key));
                    }
                }
            }
        }
        return out;
    }

    private static void copyText(JsonNode from, String field, ObjectNode to) {
        String value = Json.text(from, field);
        if (value != null) {
            to.put(field, value);
        }
    }
}
