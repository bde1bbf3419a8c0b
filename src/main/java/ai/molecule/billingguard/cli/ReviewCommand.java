package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.InputException;
import ai.molecule.billingguard.admission.AdmissionResponse;
import ai.molecule.billingguard.admission.BadReviewException;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.cluster.Clusters;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.cluster.LiveFacts;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.config.Output;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.PodPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code billing-guard review}: the webhook's answer for local files, with no cluster and nothing written. */
@Command(name = "review", mixinStandardHelpOptions = true,
        description = {"Offline dry run: what billing-guard would answer for Pods, pod controllers or AdmissionReviews.",
                "Exit 0 when all are allowed, 3 when any is denied, 2 on bad input or usage."})
public final class ReviewCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--secrets", paramLabel = "PATH",
            description = "YAML file or directory of v1 Secrets and Namespaces (env BILLING_GUARD_SECRETS). "
                    + "Without it every workspace secret and namespace is taken as absent.")
    String secrets;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Read Secrets and Namespaces from this cluster instead (env BILLING_GUARD_KUBECONFIG); "
                    + "read-only GETs and LISTs")
    String kubeconfig;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
            description = "text | json | yaml (env BILLING_GUARD_OUTPUT; default text)")
    String output;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Namespace of objects that name none (env BILLING_GUARD_NAMESPACE; default default)")
    String namespace;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML or JSON files: Pods, pod controllers, Lists or AdmissionReviews")
    List<Path> files;

    private final PrintWriter out;
    private final PrintWriter err;

    public ReviewCommand(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        Map<Knob, String> flags = new HashMap<>();
        flags.put(Knob.SECRETS, secrets);
        flags.put(Knob.OUTPUT, output);
        flags.put(Knob.NAMESPACE, namespace);
        flags.put(Knob.KUBECONFIG, kubeconfig);
        Config config = common.load(flags);
        if (config.cluster().secrets().isPresent() && config.cluster().kubeconfig().isPresent()) {
            throw new InputException("give --secrets or --kubeconfig, not both");
        }
        try (KubernetesClient client = config.cluster().kubeconfig()
                .map(k -> Clusters.client(Optional.of(k), config.cluster().lookupDeadline())).orElse(null)) {
            FactsSource facts = client != null ? new LiveFacts(client, config.policy(), config.cluster().lookupDeadline())
                    : config.cluster().secrets().map(p -> (FactsSource) LocalFacts.load(p, config.policy()))
                    .orElseGet(LocalFacts::empty);
            return review(config, facts);
        }
    }

    private int review(Config config, FactsSource facts) {
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config.policy()), facts);
        boolean bad = false;
        boolean denied = false;
        List<String> rendered = new ArrayList<>();
        for (Path file : files) {
            try {
                for (Item item : items(file, config.review().namespace())) {
                    ReviewOutcome outcome = handler.review(item.review(), ReviewHandler.Endpoint.MUTATE);
                    denied |= !outcome.response().allowed();
                    rendered.add(render(item, outcome, config));
                }
            } catch (InputException | BadReviewException e) {
                bad = true;
                err.println("billing-guard: " + (e instanceof BadReviewException ? file + ": " : "") + e.getMessage());
            }
        }
        String separator = config.review().output() == Output.YAML ? "---\n" : "";
        rendered.forEach(r -> out.print(separator + r));
        out.flush();
        return bad ? 2 : denied ? 3 : 0;
    }

    /** One thing to review: an AdmissionReview as given, or an object wrapped as a CREATE request. */
    private record Item(String file, boolean admissionReview, JsonNode review) {
    }

    private static List<Item> items(Path file, String defaultNamespace) {
        List<JsonNode> docs;
        try {
            docs = Json.documents(Files.readString(file));
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + (Files.exists(file) ? e.getClass().getSimpleName()
                    : "no such file") + ")");
        } catch (Json.SyntaxException e) {
            throw new InputException(file + ": not valid YAML or JSON (" + e.getMessage() + ")");
        }
        if (docs.isEmpty()) {
            throw new InputException(file + ": holds no document");
        }
        List<Item> items = new ArrayList<>();
        int n = 0;
        for (JsonNode doc : docs) {
            n++;
            String where = file + (docs.size() > 1 ? " (document " + n + ")" : "");
            expand(doc, where, defaultNamespace, items);
        }
        return items;
    }

    private static void expand(JsonNode doc, String where, String defaultNamespace, List<Item> items) {
        if (!doc.isObject()) {
            throw new InputException(where + ": expected a Kubernetes object, got " + doc.getNodeType());
        }
        String kind = Json.text(doc, "kind");
        String apiVersion = String.valueOf(Json.text(doc, "apiVersion"));
        if ("AdmissionReview".equals(kind)) {
            try {
                ai.molecule.billingguard.admission.AdmissionRequest.parse(doc);
            } catch (BadReviewException e) {
                throw new InputException(where + ": " + e.getMessage());
            }
            items.add(new Item(where, true, doc));
            return;
        }
        if ("List".equals(kind) || (kind != null && kind.endsWith("List") && doc.path("items").isArray())) {
            int i = 0;
            for (JsonNode item : doc.path("items")) {
                expand(item, where + " item " + i++, defaultNamespace, items);
            }
            return;
        }
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        boolean pod = group.isEmpty() && "Pod".equals(kind);
        if (!pod && !ReviewHandler.isPodController(group, kind)) {
            throw new InputException(where + ": " + (kind == null ? "an object without kind" : "kind " + kind)
                    + " is not a Pod, a pod controller (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)"
                    + " or an AdmissionReview");
        }
        items.add(new Item(where, false, wrap(doc, group, kind, defaultNamespace, where)));
    }

    /** An object as kube-apiserver would send its CREATE. */
    private static JsonNode wrap(JsonNode object, String group, String kind, String defaultNamespace, String where) {
        String namespace = Json.text(object.path("metadata"), "namespace");
        ObjectNode review = Json.JSON.createObjectNode();
        review.put("apiVersion", AdmissionResponse.API_VERSION).put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", "review:" + where);
        request.putObject("kind").put("group", group).put("version", "v1").put("kind", kind);
        request.put("namespace", namespace == null || namespace.isBlank() ? defaultNamespace : namespace);
        request.put("operation", "CREATE");
        request.set("object", object);
        request.put("dryRun", true);
        return review;
    }

    private static String render(Item item, ReviewOutcome outcome, Config config) {
        JsonNode printed = Redaction.redact(outcome.patched(), config.policy());
        return switch (config.review().output()) {
            case JSON -> Json.JSON.writeValueAsString(item.admissionReview() ? outcome.response().toReview()
                    : summary(item, outcome, printed)) + "\n";
            case YAML -> (outcome.response().allowed() ? ""
                    : "# DENIED (unchanged): " + outcome.response().message() + "\n") + Json.YAML.writeValueAsString(printed);
            case TEXT -> text(item, outcome);
        };
    }

    /** For objects: the decision, the reasons, the patch and the patched object. */
    private static ObjectNode summary(Item item, ReviewOutcome outcome, JsonNode printed) {
        ObjectNode node = Json.JSON.createObjectNode();
        AdmissionResponse response = outcome.response();
        node.put("file", item.file());
        node.put("kind", outcome.request().kind());
        node.put("namespace", outcome.request().namespace());
        node.put("name", outcome.request().name());
        node.put("allowed", response.allowed());
        outcome.decision().flatMap(PodDecision::resolution).ifPresent(r -> {
            node.put("mode", r.mode().wire());
            node.put("provider", r.providerLabel());
            node.put("source", r.source().wire());
        });
        ArrayNode stripped = node.putArray("stripped");
        outcome.decision().ifPresent(d -> d.removals().forEach(f -> stripped.add(f.description())));
        ArrayNode reasons = node.putArray("reasons");
        if (response.message() != null) {
            reasons.add(response.message());
        }
        ArrayNode warnings = node.putArray("warnings");
        response.warnings().forEach(warnings::add);
        node.set("patch", response.patchOrEmpty());
        node.set("object", printed);
        return node;
    }

    private static String text(Item item, ReviewOutcome outcome) {
        AdmissionResponse response = outcome.response();
        StringBuilder b = new StringBuilder();
        String ns = outcome.request().namespace();
        b.append(item.file()).append(": ").append(outcome.request().kind()).append(' ')
                .append(ns.isEmpty() ? "" : ns + "/").append(outcome.request().name()).append('\n');
        int ops = response.patchOrEmpty().size();
        b.append("  verdict:  ").append(response.allowed() ? "ALLOWED" : "DENIED")
                .append(ops > 0 ? " (patched: " + ops + " operations)" : "").append('\n');
        outcome.decision().flatMap(PodDecision::resolution).ifPresent(r -> b.append("  mode:     ")
                .append(r.mode().wire()).append("  provider: ").append(r.providerLabel())
                .append("  source: ").append(r.source().wire()).append('\n'));
        if (outcome.decision().isEmpty() || outcome.decision().get().untouched()) {
            b.append("  note:     none of billing-guard's business (not a workspace pod, no platform credential)\n");
        }
        // A pod controller is never changed: its pods would lose these when they are created.
        String label = !outcome.request().kind().equals("Pod") ? "  pods lose: "
                : response.allowed() ? "  strip:    " : "  would strip: ";
        outcome.decision().ifPresent(d -> d.removals().forEach(f -> b.append(label).append(f.description()).append('\n')));
        if (response.message() != null) {
            b.append("  reason:   ").append(response.message()).append('\n');
        }
        response.warnings().stream().filter(w -> !w.startsWith("billing-guard stripped")
                        && !w.startsWith("billing-guard would strip"))
                .forEach(w -> b.append("  warning:  ").append(w).append('\n'));
        return b.toString();
    }
}
