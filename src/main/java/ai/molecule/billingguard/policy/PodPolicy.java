package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.config.Provider;
import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The decision for one pod or pod template, read from its JSON tree where it lies. Pure: the
 * cluster facts are handed in, nothing is read or written here.
 */
public final class PodPolicy {
    public static final List<String> CONTAINER_LISTS = List.of("containers", "initContainers", "ephemeralContainers");

    /** Whether the pod is being admitted (and may be changed) or re-checked in its final state. */
    public enum Phase { MUTATE, VALIDATE }

    private final PolicyConfig config;
    private final Resolver resolver;

    public PodPolicy(PolicyConfig config) {
        this.config = config;
        this.resolver = new Resolver(config);
    }

    /**
     * @param pod       the pod, or a controller's pod template ({@code metadata} + {@code spec})
     * @param base      JSON pointer of {@code pod} in the reviewed object ("" for a pod)
     * @param namespace the namespace the pod lives in
     */
    /** The pod's workspace id, or empty for a pod without one (no label, or a blank one). */
    public Optional<String> workspaceId(JsonNode pod) {
        return Optional.ofNullable(Json.text(pod.path("metadata").path("labels"), config.workspaceIdLabel()))
                .filter(id -> !id.isBlank());
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
            for (JsonNode container : spec.path(list)) {
                items += 1 + container.path("env").size() + container.path("envFrom").size()
                        + container.path("volumeMounts").size();
            }
        }
        for (JsonNode volume : spec.path("volumes")) {
            items += 1 + volume.path("projected").path("sources").size();
        }
        if (items <= config.maxPodItems()) {
            return Optional.empty();
        }
        return Optional.of("billing-guard refuses to review a pod with " + items + " containers, env, envFrom, volume"
                + " and mount entries: the limit is " + config.maxPodItems() + " (limits.maxPodItems); no workspace pod"
                + " needs that many");
    }

    /** Names of every Secret the pod references: env {@code secretKeyRef}, {@code envFrom}, secret and projected volumes. */
    public Set<String> referencedSecrets(JsonNode pod) {
        Set<String> names = new HashSet<>();
        JsonNode spec = pod.path("spec");
        for (String list : CONTAINER_LISTS) {
            for (JsonNode container : spec.path(list)) {
                container.path("env").forEach(e -> add(names, Json.text(e.path("valueFrom").path("secretKeyRef"), "name")));
                container.path("envFrom").forEach(e -> add(names, Json.text(e.path("secretRef"), "name")));
            }
        }
        for (JsonNode volume : spec.path("volumes")) {
            add(names, Json.text(volume.path("secret"), "secretName"));
            volume.path("projected").path("sources").forEach(s -> add(names, Json.text(s.path("secret"), "name")));
        }
        return names;
    }

    private static void add(Set<String> names, String name) {
        if (name != null) {
            names.add(name);
        }
    }

    /** The workspace secret to look up for this pod, or null for a pod without a workspace. */
    public String workspaceSecretName(JsonNode pod) {
        return workspaceId(pod).map(config::workspaceSecretName).orElse(null);
    }

    public PodDecision decide(JsonNode pod, String base, String namespace, Facts facts, Scope scope, Phase phase) {
        JsonNode labels = pod.path("metadata").path("labels");
        String workspaceId = workspaceId(pod).orElse(null);
        Map<String, SecretLabels> referenced = facts.referencedSecrets() instanceof Lookup.Found<Map<String, SecretLabels>> f
                ? f.value() : Map.of();
        Predicate<String> platformSecrets = name -> config.platformSecretNames().contains(name)
                || (referenced.containsKey(name) && referenced.get(name).platformScope());
        Optional<Lookup.Failed<?>> listFailure = facts.referencedSecrets() instanceof Lookup.Failed<Map<String, SecretLabels>> failed
                ? Optional.of(failed) : Optional.empty();
        if (workspaceId == null) {
            // Without the list any secret might be a platform one: fail closed on every secret reference.
            Classifier classifier = new Classifier(config,
                    listFailure.isPresent() ? name -> true : platformSecrets, null);
            return unlabelled(pod, base, classifier, scope, listFailure);
        }
        String secretName = config.workspaceSecretName(workspaceId);
        // Runtimes are compared like provider selections, trimmed and without case: an unknown
        // runtime derives nothing, and the chain then falls towards the platform paying.
        String runtime = Optional.ofNullable(Json.text(labels, config.runtimeLabel()))
                .filter(s -> !s.isBlank()).map(s -> s.trim().toLowerCase(Locale.ROOT)).orElse(config.defaultRuntime());
        Resolution resolution = resolver.resolve(runtime, facts);
        Classifier classifier = new Classifier(config, platformSecrets, secretName);
        List<Finding> items = scan(pod, base, classifier, scope);
        List<Finding> removals = phase == Phase.MUTATE && resolution.mode().strips() ? items : List.of();
        Optional<WorkspaceSecret> secret = facts.workspaceSecret() instanceof Lookup.Found<WorkspaceSecret> f
                ? Optional.of(f.value()) : Optional.empty();
        Set<String> accepted = acceptedKeys(resolution);
        Set<String> gone = items.stream().map(Finding::pointer).collect(Collectors.toSet());
        boolean userKey = secret.isPresent() && userKeyDelivered(pod, base, classifier, secret.get(), accepted, gone);
        String stripped = strippedAnnotation(pod, resolution, removals);
        Messages messages = new Messages(workspaceId, namespace + "/" + secretName, resolution, accepted);

        Optional<String> denial = resolution.failure().or(() -> listFailure).map(messages::failure);
        if (denial.isEmpty() && phase == Phase.VALIDATE && resolution.mode().strips() && !items.isEmpty()) {
            denial = Optional.of(messages.platformItemsRemain(items));
        }
        if (denial.isEmpty() && scope.podLevel() && resolution.mode() == BillingMode.BYOK && !userKey) {
            denial = Optional.of(messages.noUserKey(removals));
        }
        List<String> warnings = new ArrayList<>(resolution.warnings());
        boolean applied = denial.isEmpty() && base.isEmpty();
        removals.forEach(f -> warnings.add(messages.strippedWarning(f, applied)));

        Map<String, String> annotations = new LinkedHashMap<>();
        if (scope.podLevel()) {
            annotations.put(config.annotation("mode"), resolution.mode().wire());
            annotations.put(config.annotation("provider"), resolution.providerLabel());
            annotations.put(config.annotation("source"), resolution.source().wire());
            annotations.put(config.annotation("stripped"), stripped);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(config.modeEnv(), resolution.mode().wire());
        env.put(config.providerEnv(), resolution.providerLabel());
        Optional<String> failedLookup = resolution.failure().or(() -> listFailure).map(facts::kindOf);
        return new PodDecision(Optional.of(workspaceId), Optional.of(resolution), removals, denial,
                annotations, env, editableContainers(pod, base, scope), warnings, stripped, failedLookup);
    }

    /** The bypass guard: a pod without the workspace label may not reference a platform credential secret. */
    private PodDecision unlabelled(JsonNode pod, String base, Classifier classifier, Scope scope,
                                   Optional<Lookup.Failed<?>> listFailure) {
        List<Finding> refs = scan(pod, base, classifier, scope).stream().filter(Finding::secretRef).toList();
        Optional<String> denial = refs.isEmpty() ? Optional.empty()
                : Optional.of(Messages.bypass(config, refs, listFailure));
        return new PodDecision(Optional.empty(), Optional.empty(), List.of(), denial, Map.of(), Map.of(),
                List.of(), List.of(), "", denial.isPresent() ? listFailure.map(f -> "platform-secrets") : Optional.empty());
    }

    /** Every platform item in the part of the pod the review may change, containers first, then volumes. */
    List<Finding> scan(JsonNode pod, String base, Classifier classifier, Scope scope) {
        JsonNode spec = pod.path("spec");
        String specPointer = base + "/spec";
        List<Finding> volumeFindings = new ArrayList<>();
        Set<String> removedVolumes = new HashSet<>();
        Set<String> platformVolumes = new HashSet<>();
        JsonNode volumes = spec.path("volumes");
        for (int k = 0; k < volumes.size(); k++) {
            JsonNode volume = volumes.get(k);
            String name = String.valueOf(Json.text(volume, "name"));
            String pointer = Pointer.child(specPointer + "/volumes", k);
            if (classifier.secretVolume(volume)) {
                platformVolumes.add(name);
                removedVolumes.add(name);
                if (scope.podLevel()) {
                    volumeFindings.add(new Finding(pointer, "volume \"" + name + "\" (Secret "
                            + Json.text(volume.path("secret"), "secretName") + ")", "volume:" + name, true));
                }
                continue;
            }
            JsonNode sources = volume.path("projected").path("sources");
            List<Integer> platformSources = new ArrayList<>();
            for (int s = 0; s < sources.size(); s++) {
                if (classifier.projectedSource(sources.get(s))) {
                    platformSources.add(s);
                }
            }
            if (platformSources.isEmpty()) {
                continue;
            }
            platformVolumes.add(name);
            if (!scope.podLevel()) {
                continue;
            }
            if (platformSources.size() == sources.size()) {
                removedVolumes.add(name);
                volumeFindings.add(new Finding(pointer, "projected volume \"" + name + "\" (only platform secrets)",
                        "volume:" + name, true));
            } else {
                for (int s : platformSources) {
                    volumeFindings.add(new Finding(Pointer.child(pointer + "/projected/sources", s),
                            "projected source Secret " + Json.text(sources.get(s).path("secret"), "name")
                                    + " of volume \"" + name + "\"", "volume:" + name, true));
                }
            }
        }
        List<Finding> findings = new ArrayList<>();
        // A review that may not touch volumes removes the mounts of every platform volume instead.
        Set<String> mountsToRemove = scope.podLevel() ? removedVolumes : platformVolumes;
        for (String list : CONTAINER_LISTS) {
            JsonNode containers = spec.path(list);
            for (int i = 0; i < containers.size(); i++) {
                JsonNode container = containers.get(i);
                String containerName = String.valueOf(Json.text(container, "name"));
                if (!scope.editable(list, containerName)) {
                    continue;
                }
                String where = " in container \"" + containerName + "\"";
                String pointer = Pointer.child(specPointer + "/" + list, i);
                JsonNode env = container.path("env");
                for (int j = 0; j < env.size(); j++) {
                    String varName = Json.text(env.get(j), "name");
                    String secret = Json.text(env.get(j).path("valueFrom").path("secretKeyRef"), "name");
                    int jj = j;
                    classifier.env(env.get(j)).ifPresent(reason -> findings.add(new Finding(
                            Pointer.child(pointer + "/env", jj), "env " + varName + where + " (" + reason.text()
                            + (reason == Classifier.Reason.PLATFORM_SECRET ? " " + secret : "") + ")",
                            varName, reason == Classifier.Reason.PLATFORM_SECRET)));
                }
                JsonNode envFrom = container.path("envFrom");
                for (int j = 0; j < envFrom.size(); j++) {
                    if (classifier.envFrom(envFrom.get(j))) {
                        String secret = Json.text(envFrom.get(j).path("secretRef"), "name");
                        findings.add(new Finding(Pointer.child(pointer + "/envFrom", j),
                                "envFrom Secret " + secret + where, "envFrom:" + secret, true));
                    }
                }
                JsonNode mounts = container.path("volumeMounts");
                for (int j = 0; j < mounts.size(); j++) {
                    String volume = Json.text(mounts.get(j), "name");
                    if (volume != null && mountsToRemove.contains(volume)) {
                        findings.add(new Finding(Pointer.child(pointer + "/volumeMounts", j),
                                "mount of volume \"" + volume + "\"" + where, "volume:" + volume, true));
                    }
                }
            }
        }
        findings.addAll(volumeFindings);
        return findings;
    }

    /**
     * SPEC: a {@code byok} pod needs, after stripping, a regular container that gets a non-empty
     * key among the accepted ones from the workspace secret ({@code envFrom} prefix honoured).
     * "Gets" follows Kubernetes: {@code env} overrides {@code envFrom}, and a later entry of the
     * same name overrides an earlier one, so a key is delivered only if it is the effective value.
     */
    private boolean userKeyDelivered(JsonNode pod, String base, Classifier classifier, WorkspaceSecret secret,
                                     Set<String> accepted, Set<String> removed) {
        JsonNode containers = pod.path("spec").path("containers");
        for (int i = 0; i < containers.size(); i++) {
            String pointer = Pointer.child(base + "/spec/containers", i);
            // variable name -> the workspace-secret key it comes from, or null when it comes from elsewhere
            Map<String, String> effective = new HashMap<>();
            JsonNode envFrom = containers.get(i).path("envFrom");
            for (int j = 0; j < envFrom.size(); j++) {
                if (removed.contains(Pointer.child(pointer + "/envFrom", j))
                        || !classifier.isWorkspaceSecret(Json.text(envFrom.get(j).path("secretRef"), "name"))) {
                    continue;
                }
                String prefix = Optional.ofNullable(Json.text(envFrom.get(j), "prefix")).orElse("");
                secret.nonEmptyKeys().forEach(k -> effective.put(prefix + k, k));
            }
            JsonNode env = containers.get(i).path("env");
            for (int j = 0; j < env.size(); j++) {
                String name = Json.text(env.get(j), "name");
                if (name == null || removed.contains(Pointer.child(pointer + "/env", j))) {
                    continue;
                }
                JsonNode ref = env.get(j).path("valueFrom").path("secretKeyRef");
                effective.put(name, classifier.isWorkspaceSecret(Json.text(ref, "name")) ? Json.text(ref, "key") : null);
            }
            for (String name : accepted) {
                String key = effective.get(name);
                if (key != null && secret.hasNonEmpty(key)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The provider's accepted keys; any LLM credential name when the catalog does not know the provider. */
    private Set<String> acceptedKeys(Resolution resolution) {
        return resolution.provider().flatMap(config.catalog()::find)
                .filter(p -> !config.platformSentinels().contains(p.name()))
                .map(Provider::authEnv).<Set<String>>map(LinkedHashSet::new)
                .orElseGet(() -> new TreeSet<>(config.llmCredentialNames()));
    }

    /**
     * The names this review removes, plus those an earlier review of the same mode removed, so
     * that reviewing a patched pod again changes nothing.
     */
    private String strippedAnnotation(JsonNode pod, Resolution resolution, List<Finding> removals) {
        Set<String> names = new TreeSet<>();
        removals.stream().map(Finding::strippedName).forEach(names::add);
        JsonNode annotations = pod.path("metadata").path("annotations");
        if (resolution.mode().wire().equals(Json.text(annotations, config.annotation("mode")))) {
            String earlier = Json.text(annotations, config.annotation("stripped"));
            if (earlier != null) {
                Arrays.stream(earlier.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(names::add);
            }
        }
        return String.join(",", names);
    }

    private static List<String> editableContainers(JsonNode pod, String base, Scope scope) {
        List<String> pointers = new ArrayList<>();
        for (String list : CONTAINER_LISTS) {
            JsonNode containers = pod.path("spec").path(list);
            for (int i = 0; i < containers.size(); i++) {
                if (scope.editable(list, String.valueOf(Json.text(containers.get(i), "name")))) {
                    pointers.add(Pointer.child(base + "/spec/" + list, i));
                }
            }
        }
        return pointers;
    }
}
