package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.admission.AdmissionRequest;
import ai.molecule.billingguard.admission.AdmissionResponse;
import ai.molecule.billingguard.admission.AdmissionReviews;
import ai.molecule.billingguard.admission.BadReviewException;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.cluster.Clusters;
import ai.molecule.billingguard.cluster.LiveFacts;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.config.Output;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.Finding;
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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@code billing-guard review}: the webhook's answer for local files, with no cluster and nothing written. */
@Command(name = "review", mixinStandardHelpOptions = true,
        description = {"Offline dry run: what billing-guard would answer for Pods, pod controllers or AdmissionReviews.",
                "Other kinds in the input are skipped with a note on stderr.",
                "Exit 0 when all are allowed, 3 when any is denied, 2 on bad input or usage."})
public final class ReviewCommand implements Callable<Integer> {
    /** How standard input ({@code -}) is named in messages. */
    private static final String STDIN = "<stdin>";
    private static final Pattern YAML_OR_JSON = Pattern.compile(".*\\.(ya?ml|json)");
    /** How many skipped objects a "nothing to review" line names. */
    private static final int NAMED_SKIPS = 5;

    @Mixin
    CommonOptions common;

    @Option(names = "--secrets", paramLabel = "PATH",
            description = "YAML file or directory of v1 Secrets and Namespaces (env BILLING_GUARD_SECRETS). "
                    + "Without it (and without --kubeconfig) every workspace secret and namespace is taken as absent.")
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

    @Parameters(arity = "1..*", paramLabel = "FILE",
            description = {"YAML or JSON files, or directories of them (read recursively, sorted by path): "
                    + "Pods, pod controllers, Lists or AdmissionReviews.",
                    "- reads standard input: kubectl get deploy NAME -o yaml | billing-guard review -"})
    List<String> files;

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
        Config.Cluster cluster = config.cluster();
        if (cluster.secrets().isPresent() && cluster.kubeconfig().isPresent()) {
            throw new InputException("give --secrets or --kubeconfig, not both");
        }
        try (ReviewFacts facts = ReviewFacts.open(config)) {
            return review(config, facts.source, cluster.secrets().isEmpty() && facts.client == null);
        }
    }

    /**
     * Where a review's facts come from: a cluster (live lookups), files, or nothing. A class of its
     * own: a fabric8 type among this command's methods (a lambda's included) would load fabric8
     * whenever the command line is parsed, for every command.
     */
    private static final class ReviewFacts implements AutoCloseable {
        final KubernetesClient client;
        final FactsSource source;

        private ReviewFacts(KubernetesClient client, FactsSource source) {
            this.client = client;
            this.source = source;
        }

        static ReviewFacts open(Config config) {
            Config.Cluster cluster = config.cluster();
            if (cluster.kubeconfig().isPresent()) {
                KubernetesClient client = Clusters.client(cluster.kubeconfig(), cluster.lookupDeadline());
                return new ReviewFacts(client, new LiveFacts(client, config.policy(), cluster.lookupDeadline()));
            }
            return new ReviewFacts(null, cluster.secrets().map(p -> (FactsSource) LocalFacts.load(p, config.policy()))
                    .orElseGet(LocalFacts::empty));
        }

        @Override
        public void close() {
            if (client != null) {
                client.close();
            }
        }
    }

    private int review(Config config, FactsSource facts, boolean noFacts) {
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config.policy()), facts);
        boolean bad = false;
        boolean denied = false;
        List<String> rendered = new ArrayList<>();
        for (Source source : sources()) {
            try {
                for (Item item : items(source, config.review().namespace())) {
                    ReviewOutcome outcome = handler.review(item.review(), ReviewHandler.Endpoint.MUTATE);
                    denied |= !outcome.response().allowed();
                    rendered.add(render(item, outcome, config));
                }
            } catch (InputException e) {
                bad = true;
                err.println("billing-guard: " + e.getMessage());
            }
        }
        if (noFacts && !rendered.isEmpty()) {
            err.println("billing-guard: no --secrets or --kubeconfig: these verdicts assume no cluster facts "
                    + "(no workspace secret, no namespace annotation), so every workspace is unknown and may not keep platform credentials");
        }
        err.flush();
        String separator = config.review().output() == Output.YAML ? "---\n" : "";
        rendered.forEach(r -> out.print(separator + r));
        out.flush();
        return bad ? 2 : denied ? 3 : 0;
    }

    /**
     * One text to read: a file, or standard input when {@code file} is null.
     *
     * @param problem why it cannot be read, found while listing (a directory without YAML or JSON files)
     */
    private record Source(String name, Path file, String problem) {
        String read() {
            if (problem != null) {
                throw new InputException(name + ": " + problem);
            }
            if (file == null) {
                try {
                    return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new InputException(name + ": cannot read (" + e.getClass().getSimpleName() + ")");
                }
            }
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new InputException(name + ": cannot read (" + (Files.exists(file) ? e.getClass().getSimpleName()
                        : "no such file") + ")");
            }
        }
    }

    /** The arguments in order; a directory gives its YAML and JSON files, recursively, sorted by path. */
    private List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        for (String arg : files) {
            Path path = Path.of(arg);
            if (arg.equals("-")) {
                sources.add(new Source(STDIN, null, null));
            } else if (Files.isDirectory(path)) {
                sources.addAll(directory(path));
            } else {
                sources.add(new Source(arg, path, null));
            }
        }
        return sources;
    }

    private static List<Source> directory(Path dir) {
        List<Path> found;
        try (Stream<Path> walk = Files.walk(dir)) {
            found = walk.filter(p -> YAML_OR_JSON.matcher(p.getFileName().toString()).matches())
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(new Source(dir.toString(), dir, "cannot list (" + e.getClass().getSimpleName() + ")"));
        }
        if (found.isEmpty()) {
            return List.of(new Source(dir.toString(), dir, "a directory without YAML or JSON files"));
        }
        return found.stream().map(f -> new Source(f.toString(), f, null)).toList();
    }

    /** One thing to review: an AdmissionReview as given, or an object wrapped as a CREATE request. */
    private record Item(String where, boolean admissionReview, JsonNode review) {
    }

    /** What a source holds that billing-guard does not review. */
    private record Skip(String where, String what) {
    }

    private List<Item> items(Source source, String defaultNamespace) {
        List<JsonNode> docs;
        try {
            docs = Json.documents(source.read());
        } catch (Json.SyntaxException e) {
            throw new InputException(source.name() + ": not valid YAML or JSON (" + e.getMessage() + ")");
        }
        if (docs.isEmpty()) {
            throw new InputException(source.name() + ": holds no document");
        }
        List<Item> items = new ArrayList<>();
        List<Skip> skips = new ArrayList<>();
        int n = 0;
        for (JsonNode doc : docs) {
            n++;
            String where = source.name() + (docs.size() > 1 ? " (document " + n + ")" : "");
            expand(doc, where, defaultNamespace, items, skips);
        }
        if (items.isEmpty()) {
            throw new InputException(source.name() + ": nothing to review (" + skips.stream().limit(NAMED_SKIPS)
                    .map(Skip::what).collect(Collectors.joining("; "))
                    + (skips.size() > NAMED_SKIPS ? "; " + (skips.size() - NAMED_SKIPS) + " more" : "")
                    + "): billing-guard reviews Pods, pod controllers and AdmissionReviews");
        }
        skips.forEach(s -> err.println("billing-guard: " + s.where() + ": skipped " + s.what()
                + ": not a Pod, pod controller or AdmissionReview"));
        return items;
    }

    private static void expand(JsonNode doc, String where, String defaultNamespace, List<Item> items, List<Skip> skips) {
        if (!doc.isObject()) {
            throw new InputException(where + ": expected a Kubernetes object, got " + doc.getNodeType());
        }
        String kind = Json.text(doc, "kind");
        if ("AdmissionReview".equals(kind)) {
            try {
                AdmissionRequest.parse(doc);
            } catch (BadReviewException e) {
                throw new InputException(where + ": " + e.getMessage());
            }
            items.add(new Item(where, true, doc));
            return;
        }
        if (kind != null && kind.endsWith("List") && doc.path("items").isArray()) {
            int i = 0;
            for (JsonNode item : doc.path("items")) {
                expand(item, where + " item " + i++, defaultNamespace, items, skips);
            }
            return;
        }
        String group = AdmissionReviews.group(doc);
        boolean pod = group.isEmpty() && "Pod".equals(kind);
        if (pod || ReviewHandler.isPodController(group, kind)) {
            items.add(new Item(where, false, AdmissionReviews.wrap(doc, defaultNamespace, "review:" + where, true)));
        } else {
            skips.add(new Skip(where, kind == null ? "an object without kind" : kind + " " + name(doc)));
        }
    }

    private static String name(JsonNode object) {
        JsonNode metadata = object.path("metadata");
        String name = Optional.ofNullable(Json.text(metadata, "name")).orElse(Json.text(metadata, "generateName"));
        return name == null ? "(no name)" : name;
    }

    private static String render(Item item, ReviewOutcome outcome, Config config) {
        JsonNode printed = Redaction.redact(outcome.patched(), config.policy());
        return switch (config.review().output()) {
            case JSON -> Json.JSON.writeValueAsString(item.admissionReview() ? outcome.response().toReview()
                    : summary(item, outcome, printed)) + "\n";
            case YAML -> yamlComment(outcome) + Json.yaml().writeValueAsString(printed);
            case TEXT -> text(item, outcome);
        };
    }

    /**
     * Whether the strips are in this answer's patch: only an allowed Pod is patched. A denied pod
     * stays as it is, and a pod controller is never changed: its pods are stripped as they are created.
     */
    private static boolean stripsApplied(ReviewOutcome outcome) {
        return outcome.response().allowed() && outcome.request().group().isEmpty()
                && outcome.request().kind().equals("Pod");
    }

    private static List<Finding> strips(ReviewOutcome outcome) {
        return outcome.decision().map(PodDecision::removals).orElse(List.of());
    }

    /** Why the strips listed are not in the patch, or empty when they are (or there are none). */
    private static Optional<String> stripNote(ReviewOutcome outcome) {
        if (strips(outcome).isEmpty() || stripsApplied(outcome)) {
            return Optional.empty();
        }
        if (!outcome.response().allowed()) {
            return Optional.of("denied, so nothing is stripped now; billing-guard would strip these once it is allowed");
        }
        return Optional.of("a " + outcome.request().kind()
                + " is never changed; billing-guard would strip these from each pod it creates");
    }

    private static String yamlComment(ReviewOutcome outcome) {
        StringBuilder b = new StringBuilder();
        if (!outcome.response().allowed()) {
            b.append("# DENIED (unchanged): ").append(outcome.response().message()).append('\n');
        }
        stripNote(outcome).ifPresent(note -> {
            b.append("# ").append(note).append(":\n");
            strips(outcome).forEach(f -> b.append("#   strips: ").append(f.description()).append('\n'));
        });
        return b.toString();
    }

    /** For objects: the decision, the reasons, the patch and the patched object. */
    private static ObjectNode summary(Item item, ReviewOutcome outcome, JsonNode printed) {
        ObjectNode node = Json.JSON.createObjectNode();
        AdmissionResponse response = outcome.response();
        node.put("file", item.where());
        node.put("kind", outcome.request().kind());
        node.put("namespace", outcome.request().namespace());
        node.put("name", outcome.request().name());
        node.put("allowed", response.allowed());
        outcome.decision().flatMap(PodDecision::resolution).ifPresent(r -> {
            node.put("mode", r.mode().wire());
            node.put("provider", r.providerLabel());
            node.put("source", r.source().wire());
        });
        ArrayNode strips = node.putArray("strips");
        strips(outcome).forEach(f -> strips.add(f.description()));
        node.put("stripsApplied", !strips.isEmpty() && stripsApplied(outcome));
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
        b.append(item.where()).append(": ").append(outcome.request().kind()).append(' ')
                .append(ns.isEmpty() ? "" : ns + "/").append(outcome.request().name()).append('\n');
        int ops = response.patchOrEmpty().size();
        b.append("  verdict:  ").append(response.allowed() ? "ALLOWED" : "DENIED")
                .append(ops > 0 ? " (patched: " + ops + " operations)" : "").append('\n');
        outcome.decision().flatMap(PodDecision::resolution).ifPresent(r -> b.append("  mode:     ")
                .append(r.mode().wire()).append("  provider: ").append(r.providerLabel())
                .append("  source: ").append(r.source().wire()).append('\n'));
        if (outcome.decision().isEmpty() || outcome.decision().get().untouchedPod()) {
            b.append("  note:     none of billing-guard's business (not a workspace pod, no platform credential)\n");
        }
        strips(outcome).forEach(f -> b.append("  strips:   ").append(f.description()).append('\n'));
        stripNote(outcome).ifPresent(note -> b.append("  note:     ").append(note).append('\n'));
        if (response.message() != null) {
            b.append("  reason:   ").append(response.message()).append('\n');
        }
        // What is stripped is listed above; the other warnings are the resolution's notes.
        outcome.decision().map(PodDecision::resolutionWarnings).orElse(List.of())
                .forEach(w -> b.append("  warning:  ").append(w).append('\n'));
        return b.toString();
    }
}
