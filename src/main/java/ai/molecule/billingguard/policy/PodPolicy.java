package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The decision for one pod or pod template, read from its JSON tree where it lies. Pure: the
 * cluster facts are handed in, nothing is read or written here.
 */
public final class PodPolicy {
    public static final List<String> CONTAINER_LISTS = PodScan.CONTAINER_LISTS;
    /** A Kubernetes label value: what a workspace id must be to name a Secret at all. */
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]");
    /** A Kubernetes object name (DNS subdomain). */
    private static final Pattern OBJECT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    /** Whether the pod is being admitted (and may be changed) or re-checked in its final state. */
    public enum Phase { MUTATE, VALIDATE }

    /**
     * What the decision needs of the request besides the pod and the facts.
     *
     * @param namespace the namespace the pod lives in
     * @param scope     what of the pod the review may change
     * @param phase     admitted (and changed) or re-checked
     * @param creator   who asks ({@link Creator#UNKNOWN} when the request does not say)
     */
    public record Context(String namespace, Scope scope, Phase phase, Creator creator) {
    }

    private final PolicyConfig config;
    private final Resolver resolver;
    private final UserKeys userKeys;
    private final TrustedCreators trusted;

    public PodPolicy(PolicyConfig config) {
        this.config = config;
        this.resolver = new Resolver(config);
        this.userKeys = new UserKeys(config);
        this.trusted = new TrustedCreators(config.trustedCreators());
    }

    /** The pod's workspace id, or empty for a pod without one (no label, or a blank one). */
    public Optional<String> workspaceId(JsonNode pod) {
        return Optional.ofNullable(Json.text(pod.path("metadata").path("labels"), config.workspaceIdLabel()))
                .filter(id -> !id.isBlank());
    }

    /**
     * The workspace secret to look up for this pod, or null when there is none to look up: no
     * workspace id, or one that cannot name a Secret (not a label value, such as {@code ../x} or an
     * id with a zero-width space), which is then an unknown workspace without any API call.
     */
    public String workspaceSecretName(JsonNode pod) {
        return workspaceId(pod).filter(id -> LABEL_VALUE.matcher(id).matches()).map(config::workspaceSecretName)
                .filter(name -> OBJECT_NAME.matcher(name).matches()).orElse(null);
    }

    /**
     * Why the pod is too large to review, or empty. The work of a review grows with the entries a pod
     * holds; past {@code limits.maxPodItems} (far above any real workspace pod) the pod is refused
     * before any of it is read further, so one request never costs more than a bounded amount.
     */
    public Optional<String> tooLarge(JsonNode pod) {
        long items = 0;
        JsonNode spec = pod.path("spec");
        for (String list : CONTAINER_LISTS) {
            for (JsonNode container : Json.elements(spec.path(list))) {
                items += 1 + Json.count(container.path("env")) + Json.count(container.path("envFrom"))
                        + Json.count(container.path("volumeMounts"));
            }
        }
        for (JsonNode volume : Json.elements(spec.path("volumes"))) {
            items += 1 + Json.count(volume.path("projected").path("sources"));
        }
        if (items <= config.maxPodItems()) {
            return Optional.empty();
        }
        return Optional.of("billing-guard refuses to review a pod with " + items + " containers, env, envFrom, volume"
                + " and mount entries: the limit is " + config.maxPodItems() + " (limits.maxPodItems); no workspace pod"
                + " needs that many");
    }

    /** Names of every Secret the pod references: env {@code secretKeyRef}, {@code envFrom}, volume sources. */
    public Set<String> referencedSecrets(JsonNode pod) {
        Set<String> names = new HashSet<>();
        JsonNode spec = pod.path("spec");
        for (String list : CONTAINER_LISTS) {
            for (JsonNode container : Json.elements(spec.path(list))) {
                Json.elements(container.path("env")).forEach(e ->
                        add(names, Json.text(e.path("valueFrom").path("secretKeyRef"), "name")));
                Json.elements(container.path("envFrom")).forEach(e -> add(names, Json.text(e.path("secretRef"), "name")));
            }
        }
        Json.elements(spec.path("volumes")).forEach(v -> names.addAll(PodScan.volumeSecrets(v)));
        return names;
    }

    private static void add(Set<String> names, String name) {
        if (name != null) {
            names.add(name);
        }
    }

    /**
     * @param pod  the pod, or a controller's pod template ({@code metadata} + {@code spec})
     * @param base JSON pointer of {@code pod} in the reviewed object ("" for a pod)
     */
    public PodDecision decide(JsonNode pod, String base, Context context, Facts facts) {
        Map<String, SecretLabels> labels = facts.referencedSecrets() instanceof Lookup.Found<Map<String, SecretLabels>> f
                ? f.value() : Map.of();
        Optional<Lookup.Failed<?>> labelFailure = facts.referencedSecrets() instanceof Lookup.Failed<?> failed
                ? Optional.of(failed) : Optional.empty();
        Optional<String> workspaceId = workspaceId(pod);
        if (workspaceId.isEmpty()) {
            return unlabelled(pod, base, context.scope(), labels, labelFailure);
        }
        String id = workspaceId.get();
        String secretName = workspaceSecretName(pod);
        Lookup<WorkspaceSecret> own = secretName == null ? Lookup.absent() : facts.workspaceSecret();
        // A Secret of the right name labelled for another workspace is not this workspace's.
        boolean foreign = own instanceof Lookup.Found<WorkspaceSecret> found
                && found.value().labelledWorkspaceId().filter(l -> !l.equals(id)).isPresent();
        if (foreign) {
            own = Lookup.absent();
        }
        Classifier classifier = new Classifier(config, roles(id, foreign ? null : secretName, labels));
        Resolution resolution = resolver.resolve(runtime(pod), own, facts.namespace());
        Optional<WorkspaceSecret> secret = own instanceof Lookup.Found<WorkspaceSecret> found
                ? Optional.of(found.value()) : Optional.empty();
        PodScan.Result scan = new PodScan(config, classifier, context.scope()).scan(pod, base, secret);
        List<Finding> items = scan.items();
        boolean strips = resolution.mode().strips();
        List<Finding> removals = context.phase() == Phase.MUTATE && strips ? items : List.of();
        String secretRef = context.namespace() + "/" + (secretName != null ? secretName : config.workspaceSecretName(id));
        Messages messages = new Messages(config, id, secretRef, resolution);

        Optional<Lookup.Failed<?>> failure = resolution.failure().or(() -> labelFailure);
        Optional<PodDecision.Denial> denial = failure.map(f -> deny(DenialReason.LOOKUP_FAILED, messages.failure(f)));
        if (denial.isEmpty() && resolution.unknownWorkspace() && !items.isEmpty()) {
            String why = secretName == null ? "its id cannot name a Secret"
                    : foreign ? "Secret " + Text.name(secretRef) + " is labelled for another workspace"
                    : "Secret " + Text.name(secretRef) + " does not exist";
            denial = Optional.of(deny(DenialReason.UNKNOWN_WORKSPACE,
                    messages.unknownWorkspace(why, secretName != null, context.namespace(), items)));
        }
        if (denial.isEmpty() && strips && !scan.proxyKeys().isEmpty()) {
            denial = Optional.of(deny(DenialReason.PROXY_THROUGH_ENVFROM, messages.proxyThroughEnvFrom(scan.proxyKeys())));
        }
        if (denial.isEmpty() && context.phase() == Phase.VALIDATE && strips && !items.isEmpty()) {
            denial = Optional.of(deny(DenialReason.PLATFORM_ITEMS_REMAIN, messages.platformItemsRemain(items)));
        }
        Set<String> accepted = userKeys.accepted(resolution);
        if (denial.isEmpty() && context.scope().podLevel() && resolution.mode() == BillingMode.BYOK
                && !(secret.isPresent() && userKeys.delivered(pod, base, classifier, secret.get(), accepted,
                items.stream().map(Finding::pointer).collect(Collectors.toSet())))) {
            denial = Optional.of(deny(DenialReason.NO_USER_KEY, messages.noUserKey(accepted, removals)));
        }
        if (denial.isEmpty() && !strips && !items.isEmpty() && !trusted.trusts(context.creator())) {
            denial = Optional.of(deny(DenialReason.UNTRUSTED_CREATOR, messages.untrusted(context.creator(), items)));
        }

        boolean applied = denial.isEmpty() && base.isEmpty();
        String stripped = strippedAnnotation(pod, resolution, removals);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (context.scope().podLevel()) {
            annotations.put(config.annotation("mode"), resolution.mode().wire());
            annotations.put(config.annotation("provider"), resolution.providerLabel());
            annotations.put(config.annotation("source"), resolution.source().wire());
            annotations.put(config.annotation("stripped"), stripped);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(config.modeEnv(), resolution.mode().wire());
        env.put(config.providerEnv(), resolution.providerLabel());
        return PodDecision.workspace(id, resolution, removals, denial, annotations, env,
                editableContainers(pod, base, context.scope()), messages.strippedWarnings(removals, applied),
                Messages.strippedNames(removals), failure.map(facts::kindOf));
    }

    /**
     * The role of each Secret a workspace pod references: a platform secret by config name or by
     * label; the pod's own workspace secret; another workspace's secret, by the name template or
     * by a workspace-id label naming another workspace; anything else.
     */
    private java.util.function.Function<String, Classifier.Role> roles(String id, String ownSecret,
                                                                        Map<String, SecretLabels> labels) {
        int at = config.workspaceSecretNameTemplate().indexOf("{id}");
        String prefix = config.workspaceSecretNameTemplate().substring(0, at);
        String suffix = config.workspaceSecretNameTemplate().substring(at + "{id}".length());
        return name -> {
            SecretLabels l = labels.get(name);
            if (config.platformSecretNames().contains(name) || (l != null && l.platformScope())) {
                return Classifier.Role.PLATFORM;
            }
            if (l != null && l.workspaceId().filter(w -> !w.equals(id)).isPresent()) {
                return Classifier.Role.OTHER_WORKSPACE;
            }
            if (name.equals(ownSecret)) {
                return Classifier.Role.OWN_WORKSPACE;
            }
            boolean workspaceShaped = name.length() > prefix.length() + suffix.length()
                    && name.startsWith(prefix) && name.endsWith(suffix);
            return workspaceShaped ? Classifier.Role.OTHER_WORKSPACE : Classifier.Role.OTHER;
        };
    }

    /** The bypass guard: a pod without the workspace label may not reference a platform credential secret. */
    private PodDecision unlabelled(JsonNode pod, String base, Scope scope, Map<String, SecretLabels> labels,
                                   Optional<Lookup.Failed<?>> labelFailure) {
        // Without the labels any secret might be a platform one: fail closed on every secret reference.
        Classifier classifier = new Classifier(config, name -> labelFailure.isPresent()
                || config.platformSecretNames().contains(name)
                || (labels.containsKey(name) && labels.get(name).platformScope())
                ? Classifier.Role.PLATFORM : Classifier.Role.OTHER);
        List<Finding> refs = new PodScan(config, classifier, scope).scan(pod, base, Optional.empty()).items().stream()
                .filter(Finding::platformSecret).toList();
        if (refs.isEmpty()) {
            return PodDecision.untouched();
        }
        return PodDecision.bypass(Messages.bypass(config, refs, labelFailure),
                labelFailure.map(f -> "platform-secrets"));
    }

    private static PodDecision.Denial deny(DenialReason reason, String message) {
        return new PodDecision.Denial(reason, message);
    }

    /** The runtime label, trimmed and without case like provider selections; empty when absent or blank. */
    private Optional<String> runtime(JsonNode pod) {
        return Optional.ofNullable(Json.text(pod.path("metadata").path("labels"), config.runtimeLabel()))
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty());
    }

    /**
     * What this review removes. When it removes nothing, a value already on the pod stays if the pod
     * already carries the same mode (a reinvocation after an earlier pass that stripped), so that
     * reviewing a patched pod again changes nothing; anything else is replaced by what is true now.
     */
    private String strippedAnnotation(JsonNode pod, Resolution resolution, List<Finding> removals) {
        if (!removals.isEmpty()) {
            return Messages.strippedNames(removals);
        }
        JsonNode annotations = pod.path("metadata").path("annotations");
        String earlier = Json.text(annotations, config.annotation("stripped"));
        boolean sameMode = resolution.mode().wire().equals(Json.text(annotations, config.annotation("mode")));
        return sameMode && earlier != null && earlier.length() <= Messages.MAX_STRIPPED ? earlier : "";
    }

    private static List<String> editableContainers(JsonNode pod, String base, Scope scope) {
        List<String> pointers = new ArrayList<>();
        for (String list : CONTAINER_LISTS) {
            JsonNode containers = pod.path("spec").path(list);
            for (int i = 0; i < Json.count(containers); i++) {
                // Only a container that is an object can be given env vars (a tenant may send anything).
                if (containers.get(i).isObject()
                        && scope.editable(list, String.valueOf(Json.text(containers.get(i), "name")))) {
                    pointers.add(Pointer.child(base + "/spec/" + list, i));
                }
            }
        }
        return pointers;
    }
}
