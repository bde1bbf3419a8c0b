package ai.molecule.billingguard.bench;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * The AdmissionReviews the benchmarks send: a Molecule workspace pod CREATE of a chosen size, as
 * kube-apiserver sends it (compact JSON). Every container reads the platform's
 * {@code CLAUDE_CODE_OAUTH_TOKEN} from {@code molecule-platform-llm} and the first one the user's
 * {@code OPENAI_API_KEY} from the workspace secret; the other entries are plain values. With the
 * facts of {@code examples/cluster} workspace {@code demo} is byok (each platform token is stripped,
 * allowed with a patch), {@code plat} platform_managed (kept, annotations and env added), {@code reno}
 * byok without a key (denied).
 *
 * <ul>
 *   <li>{@link #SMALL}: 3 containers, 40 env entries, about 7.5 KB: a workspace runtime, a git
 *       sidecar and a proxy sidecar;</li>
 *   <li>{@link #LARGE}: 10 containers, 300 env entries, about 64 KB (longer values: a query string).</li>
 * </ul>
 */
public final class BenchPods {
    /** Containers and env entries of a pod, and how many characters a plain env value has past its URL. */
    public record Size(String name, int containers, int envEntries, int valuePadding) {
    }

    public static final Size SMALL = new Size("7.5KB", 3, 40, 0);
    public static final Size LARGE = new Size("64KB", 10, 300, 97);

    private BenchPods() {
    }

    /** The AdmissionReview of a pod CREATE in namespace team-demo for {@code workspace}. */
    public static ObjectNode review(Size size, String workspace, String uid) {
        ObjectNode review = Json.JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", uid);
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        request.putObject("requestKind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putObject("requestResource").put("group", "").put("version", "v1").put("resource", "pods");
        request.put("name", "").put("namespace", "team-demo").put("operation", "CREATE");
        ObjectNode user = request.putObject("userInfo");
        user.put("username", "system:serviceaccount:molecule-system:provisioner")
                .put("uid", "0d3c7b9e-1111-2222-3333-444455556666");
        user.putArray("groups").add("system:serviceaccounts").add("system:serviceaccounts:molecule-system")
                .add("system:authenticated");
        request.set("object", pod(size, workspace));
        request.putNull("oldObject");
        request.put("dryRun", false);
        request.putObject("options").put("apiVersion", "meta.k8s.io/v1").put("kind", "CreateOptions");
        return review;
    }

    /**
     * The same request for a ConfigMap: the same bytes but for the kind and resource, which
     * billing-guard allows untouched right after reading it (its cheapest answer to a body this size).
     */
    public static ObjectNode asConfigMap(ObjectNode podReview) {
        ObjectNode review = podReview.deepCopy();
        ObjectNode request = (ObjectNode) review.get("request");
        for (String field : new String[]{"kind", "requestKind"}) {
            ((ObjectNode) request.get(field)).put("kind", "ConfigMap");
        }
        for (String field : new String[]{"resource", "requestResource"}) {
            ((ObjectNode) request.get(field)).put("resource", "configmaps");
        }
        return review;
    }

    public static byte[] bytes(JsonNode review) {
        return review.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode pod(Size size, String workspace) {
        ObjectNode pod = Json.JSON.createObjectNode();
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode metadata = pod.putObject("metadata");
        metadata.put("generateName", "ws-" + workspace + "-");
        metadata.putObject("labels").put("molecule.ai/workspace-id", workspace)
                .put("app.kubernetes.io/name", "workspace-runtime").put("app.kubernetes.io/part-of", "molecule")
                .put("molecule.ai/runtime", "claude-code");
        metadata.putObject("annotations").put("molecule.ai/created-by", "provisioner")
                .put("kubectl.kubernetes.io/default-container", "agent");
        ObjectNode spec = pod.putObject("spec");
        ArrayNode containers = spec.putArray("containers");
        for (int c = 0; c < size.containers(); c++) { // the entries spread evenly, the first containers get the rest
            int entries = size.envEntries() / size.containers() + (c < size.envEntries() % size.containers() ? 1 : 0);
            containers.add(container(c, entries, size.valuePadding(), workspace));
        }
        spec.putArray("volumes")
                .add(Json.JSON.createObjectNode().put("name", "workspace").set("emptyDir", Json.JSON.createObjectNode()))
                .add(Json.JSON.createObjectNode().put("name", "runtime-config")
                        .set("configMap", Json.JSON.createObjectNode().put("name", "workspace-runtime-config")))
                .add(Json.JSON.createObjectNode().put("name", "tmp").set("emptyDir",
                        Json.JSON.createObjectNode().put("medium", "Memory").put("sizeLimit", "256Mi")));
        spec.put("restartPolicy", "Always").put("serviceAccountName", "workspace")
                .put("terminationGracePeriodSeconds", 30).put("enableServiceLinks", false);
        spec.putObject("securityContext").put("runAsNonRoot", true).put("runAsUser", 1000).put("fsGroup", 1000)
                .putObject("seccompProfile").put("type", "RuntimeDefault");
        spec.putArray("tolerations").addObject().put("key", "molecule.ai/workspaces").put("operator", "Exists")
                .put("effect", "NoSchedule");
        return pod;
    }

    private static final String[] NAMES = {"agent", "git-sync", "egress-proxy", "indexer", "lsp", "browser",
            "metrics", "log-shipper", "sandbox", "scheduler"};

    private static ObjectNode container(int index, int entries, int padding, String workspace) {
        ObjectNode container = Json.JSON.createObjectNode();
        String name = index < NAMES.length ? NAMES[index] : "sidecar-" + index;
        container.put("name", name).put("image", "ghcr.io/molecule-ai/" + name + ":1.4." + index)
                .put("imagePullPolicy", "IfNotPresent");
        container.putArray("args").add("--workspace=/workspace").add("--log-format=json");
        ArrayNode env = container.putArray("env");
        int written = 0;
        if (entries > written) {
            env.addObject().put("name", "CLAUDE_CODE_OAUTH_TOKEN").putObject("valueFrom").putObject("secretKeyRef")
                    .put("name", "molecule-platform-llm").put("key", "CLAUDE_CODE_OAUTH_TOKEN");
            written++;
        }
        if (index == 0 && entries > written) {
            env.addObject().put("name", "OPENAI_API_KEY").putObject("valueFrom").putObject("secretKeyRef")
                    .put("name", "ws-" + workspace + "-secrets").put("key", "OPENAI_API_KEY");
            written++;
        }
        if (entries > written) {
            env.addObject().put("name", "POD_NAME").putObject("valueFrom").putObject("fieldRef")
                    .put("fieldPath", "metadata.name");
            written++;
        }
        for (int i = 0; written < entries; i++, written++) {
            env.addObject().put("name", "MOLECULE_SETTING_" + name.toUpperCase().replace('-', '_') + "_" + i)
                    .put("value", "https://settings.molecule.example/" + workspace + "/" + name + "/" + i
                            + (padding == 0 ? "" : "?features=" + "a".repeat(padding - 10)));
        }
        container.putArray("ports").addObject().put("name", "http").put("containerPort", 8080 + index)
                .put("protocol", "TCP");
        ObjectNode resources = container.putObject("resources");
        resources.putObject("requests").put("cpu", "250m").put("memory", "512Mi");
        resources.putObject("limits").put("memory", "1Gi");
        container.putArray("volumeMounts")
                .add(Json.JSON.createObjectNode().put("name", "workspace").put("mountPath", "/workspace"))
                .add(Json.JSON.createObjectNode().put("name", "runtime-config").put("mountPath", "/etc/molecule")
                        .put("readOnly", true))
                .add(Json.JSON.createObjectNode().put("name", "tmp").put("mountPath", "/tmp"));
        container.putObject("readinessProbe").put("periodSeconds", 10).putObject("httpGet").put("path", "/healthz")
                .put("port", 8080 + index);
        container.putObject("securityContext").put("allowPrivilegeEscalation", false).put("readOnlyRootFilesystem", true)
                .putObject("capabilities").putArray("drop").add("ALL");
        return container;
    }

    /** Prints the sizes: {@code java ... BenchPods}. */
    public static void main(String[] args) {
        for (Size size : new Size[]{SMALL, LARGE}) {
            ObjectNode review = review(size, "demo", "3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10");
            int env = 0;
            for (JsonNode c : review.at("/request/object/spec/containers")) {
                env += c.path("env").size();
            }
            System.out.printf("%s: %d bytes, %d containers, %d env entries%n", size.name(), bytes(review).length,
                    review.at("/request/object/spec/containers").size(), env);
        }
    }
}
