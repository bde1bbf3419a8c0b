package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.config.PolicyConfig;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The pods {@code billing-guard audit} looks at, read with GET and LIST only: the guarded Namespaces
 * (labelled as the webhooks' namespaceSelector selects them) and the pods in each, page by page,
 * each reduced at once to what the audit needs ({@link AuditedPods}).
 */
public final class PodLister {
    private final KubernetesClient client;
    private final PolicyConfig config;
    private final Duration timeout;
    private final int pageSize;

    /**
     * @param client   not closed here: the caller owns it
     * @param timeout  bound of each request (one page of a list); no retries
     * @param pageSize pods per page
     */
    public PodLister(KubernetesClient client, PolicyConfig config, Duration timeout, int pageSize) {
        this.client = Clusters.derived(client, timeout, false);
        this.config = config;
        this.timeout = timeout;
        this.pageSize = pageSize;
    }

    /** The guarded namespaces, by name, sorted; {@code only} narrows them to one (empty when it is not guarded). */
    public List<String> guardedNamespaces(Optional<String> only) {
        if (only.isPresent()) {
            Namespace ns = call("read Namespace " + only.get(), () -> client.namespaces().withName(only.get()).get());
            if (ns == null) {
                throw new InputException("namespace " + only.get() + " not found at " + client.getMasterUrl());
            }
            return guarded(ns) ? List.of(only.get()) : List.of();
        }
        return call("list Namespaces", () -> client.namespaces()
                .withLabel(config.guardedNamespaceLabel(), config.guardedNamespaceValue()).list().getItems())
                .stream().map(n -> n.getMetadata().getName()).sorted().toList();
    }

    private boolean guarded(Namespace ns) {
        Map<String, String> labels = ns.getMetadata().getLabels();
        return labels != null && config.guardedNamespaceValue().equals(labels.get(config.guardedNamespaceLabel()));
    }

    /**
     * Every pod of {@code namespace}, reduced ({@link AuditedPods}); terminated ones too (the audit
     * decides what it skips).
     *
     * @throws InputException with one line naming the API server and the cause when a page cannot be read
     */
    public List<JsonNode> pods(String namespace) {
        List<JsonNode> pods = new ArrayList<>();
        String next = null;
        do {
            String token = next;
            PodList page = call("list Pods in namespace " + namespace, () -> client.pods().inNamespace(namespace)
                    .list(new ListOptionsBuilder().withLimit((long) pageSize).withContinue(token).build()));
            for (Pod pod : page.getItems()) {
                pods.add(AuditedPods.reduce(client.getKubernetesSerialization().convertValue(pod, JsonNode.class), config));
            }
            next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (next != null && !next.isEmpty());
        return pods;
    }

    private <T> T call(String what, Supplier<T> request) {
        try {
            return request.get();
        } catch (RuntimeException e) {
            throw new InputException("cannot " + what + " at " + client.getMasterUrl() + ": " + ApiErrors.cause(e, timeout));
        }
    }
}
