package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Walks the part of a pod a review may change and lists its platform items: volumes first (which
 * volumes go, or lose a projected source), then every container list's {@code env},
 * {@code envFrom} and mounts of the volumes that go. Also lists what cannot be removed surgically:
 * an {@code envFrom} of the pod's own workspace secret that delivers a platform proxy name.
 */
final class PodScan {
    static final List<String> CONTAINER_LISTS = List.of("containers", "initContainers", "ephemeralContainers");

    /**
     * @param items       the platform items, in the order found
     * @param proxyKeys   one sentence per {@code envFrom} of the workspace secret that delivers a platform proxy name
     */
    record Result(List<Finding> items, List<String> proxyKeys) {
    }

    private final PolicyConfig config;
    private final Classifier classifier;
    private final Scope scope;

    PodScan(PolicyConfig config, Classifier classifier, Scope scope) {
        this.config = config;
        this.classifier = classifier;
        this.scope = scope;
    }

    /** The names of the Secrets a volume's source names: {@code secretName}, {@code secretRef} and {@code *SecretRef}. */
    static List<String> volumeSecrets(JsonNode volume) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> source : volume.properties()) {
            if (source.getKey().equals("projected")) {
                Json.elements(source.getValue().path("sources")).forEach(s -> add(names, Json.text(s.path("secret"), "name")));
            } else if (source.getValue().isObject()) {
                // secret.secretName, azureFile.secretName, csi.nodePublishSecretRef, cephfs/rbd/iscsi/
                // flexVolume/scaleIO/storageos.secretRef, and whatever future source names a Secret so.
                for (Map.Entry<String, JsonNode> field : source.getValue().properties()) {
                    String key = field.getKey();
                    if (key.equals("secretName")) {
                        add(names, field.getValue().isString() ? field.getValue().stringValue() : null);
                    } else if (key.equals("secretRef") || key.endsWith("SecretRef")) {
                        add(names, Json.text(field.getValue(), "name"));
                    }
                }
            }
        }
        return names;
    }

    private static void add(List<String> names, String name) {
        if (name != null) {
            names.add(name);
        }
    }

    Result scan(JsonNode pod, String base, Optional<WorkspaceSecret> own) {
        List<Finding> volumeFindings = new ArrayList<>();
        Set<String> removedVolumes = new HashSet<>();
        Set<String> platformVolumes = new HashSet<>();
        scanVolumes(pod.path("spec").path("volumes"), base + "/spec/volumes", volumeFindings, removedVolumes,
                platformVolumes);
        // A review that may not touch volumes removes the mounts of every platform volume instead.
        Set<String> mountsToRemove = scope.podLevel() ? removedVolumes : platformVolumes;
        List<Finding> items = new ArrayList<>();
        List<String> proxyKeys = new ArrayList<>();
        for (String list : CONTAINER_LISTS) {
            JsonNode containers = pod.path("spec").path(list);
            for (int i = 0; i < Json.count(containers); i++) {
                JsonNode container = containers.get(i);
                String name = String.valueOf(Json.text(container, "name"));
                if (scope.editable(list, name)) {
                    scanContainer(container, Pointer.child(base + "/spec/" + list, i), " in container " + Text.quoted(name),
                            mountsToRemove, own, items, proxyKeys);
                }
            }
        }
        items.addAll(volumeFindings);
        return new Result(items, proxyKeys);
    }

    private void scanVolumes(JsonNode volumes, String pointer, List<Finding> findings, Set<String> removed,
                             Set<String> platform) {
        for (int k = 0; k < Json.count(volumes); k++) {
            JsonNode volume = volumes.get(k);
            String name = String.valueOf(Json.text(volume, "name"));
            String at = Pointer.child(pointer, k);
            JsonNode sources = volume.path("projected").path("sources");
            if (Json.count(sources) > 0) {
                scanProjected(name, at, sources, findings, removed, platform);
                continue;
            }
            List<String> secrets = volumeSecrets(volume).stream().filter(classifier::platformVolumeSecret).toList();
            if (secrets.isEmpty()) {
                continue;
            }
            platform.add(name);
            removed.add(name);
            if (scope.podLevel()) {
                findings.add(new Finding(at, "volume " + Text.quoted(name) + " (Secret " + Text.name(secrets.get(0)) + ")",
                        "volume:" + name, platformSecretAmong(secrets)));
            }
        }
    }

    /** A projected volume loses its platform sources; when none is left, the whole volume goes. */
    private void scanProjected(String name, String at, JsonNode sources, List<Finding> findings, Set<String> removed,
                               Set<String> platform) {
        List<Integer> platformSources = new ArrayList<>();
        for (int s = 0; s < Json.count(sources); s++) {
            if (classifier.platformVolumeSecret(Json.text(sources.get(s).path("secret"), "name"))) {
                platformSources.add(s);
            }
        }
        if (platformSources.isEmpty()) {
            return;
        }
        platform.add(name);
        if (!scope.podLevel()) {
            return;
        }
        if (platformSources.size() == sources.size()) {
            removed.add(name);
            findings.add(new Finding(at, "projected volume " + Text.quoted(name) + " (only platform secrets)",
                    "volume:" + name, platformSourceAmong(sources, platformSources)));
            return;
        }
        for (int s : platformSources) {
            String secret = Json.text(sources.get(s).path("secret"), "name");
            findings.add(new Finding(Pointer.child(at + "/projected/sources", s), "projected source Secret "
                    + Text.name(secret) + " of volume " + Text.quoted(name), "volume:" + name,
                    classifier.role(secret) == Classifier.Role.PLATFORM));
        }
    }

    private boolean platformSecretAmong(List<String> secrets) {
        return secrets.stream().anyMatch(s -> classifier.role(s) == Classifier.Role.PLATFORM);
    }

    private boolean platformSourceAmong(JsonNode sources, List<Integer> indexes) {
        return indexes.stream().anyMatch(s ->
                classifier.role(Json.text(sources.get(s).path("secret"), "name")) == Classifier.Role.PLATFORM);
    }

    private void scanContainer(JsonNode container, String pointer, String where, Set<String> mountsToRemove,
                               Optional<WorkspaceSecret> own, List<Finding> items, List<String> proxyKeys) {
        JsonNode env = container.path("env");
        for (int j = 0; j < Json.count(env); j++) {
            JsonNode entry = env.get(j);
            String variable = Json.text(entry, "name");
            int index = j;
            classifier.env(entry).ifPresent(reason -> items.add(new Finding(Pointer.child(pointer + "/env", index),
                    "env " + Text.name(variable) + where + " (" + reason + ")", variable == null ? Text.name(null) : variable,
                    classifier.role(Json.text(entry.path("valueFrom").path("secretKeyRef"), "name"))
                            == Classifier.Role.PLATFORM)));
        }
        JsonNode envFrom = container.path("envFrom");
        for (int j = 0; j < Json.count(envFrom); j++) {
            JsonNode entry = envFrom.get(j);
            String secret = Json.text(entry.path("secretRef"), "name");
            int index = j;
            classifier.envFrom(entry).ifPresent(reason -> items.add(new Finding(Pointer.child(pointer + "/envFrom", index),
                    "envFrom Secret " + Text.name(secret) + where + " (" + reason + ")", "envFrom:" + secret,
                    classifier.role(secret) == Classifier.Role.PLATFORM)));
            if (classifier.role(secret) == Classifier.Role.OWN_WORKSPACE && own.isPresent()) {
                String prefix = Optional.ofNullable(Json.text(entry, "prefix")).orElse("");
                String ref = Text.name(own.get().namespace() + "/" + own.get().name());
                for (String key : new TreeSet<>(own.get().keys())) {
                    if (config.proxyNames().contains(prefix + key)) {
                        proxyKeys.add("envFrom of Secret " + ref + where + " delivers platform proxy variable "
                                + prefix + key + ", which cannot be removed from the pod alone: remove key "
                                + Text.name(key) + " from Secret " + ref);
                    }
                }
            }
        }
        JsonNode mounts = container.path("volumeMounts");
        for (int j = 0; j < Json.count(mounts); j++) {
            String volume = Json.text(mounts.get(j), "name");
            if (volume != null && mountsToRemove.contains(volume)) {
                items.add(new Finding(Pointer.child(pointer + "/volumeMounts", j),
                        "mount of volume " + Text.quoted(volume) + where, "volume:" + volume, true));
            }
        }
    }
}
