package ai.molecule.billingguard.pki;

import ai.molecule.billingguard.json.Json;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps the {@code caBundle} of every webhook of the two webhook configurations equal to the CA
 * certificates of the self-managed Secret, so kube-apiserver trusts the certificate billing-guard
 * serves. Run again and again: a configuration that does not exist yet (the chart has not
 * installed it) is only logged, and one whose caBundle someone reset (a {@code helm upgrade}) is
 * repaired on the next pass.
 *
 * <p>The change is a JSON patch that sets each stale {@code caBundle} on its exact path, after a
 * {@code test} of that webhook's name, so a configuration reordered in between is not patched at
 * the wrong index (the patch fails and the next pass reads it again). Only {@code get} and
 * {@code patch} on the two names are needed.
 */
final class CaBundles {
    private static final Logger LOG = LoggerFactory.getLogger(CaBundles.class);

    private record Webhook(String name, String caBundle) {
    }

    private record Target(String kind, String plural, String name, Supplier<Resource<? extends HasMetadata>> resource,
                          Function<HasMetadata, List<Webhook>> webhooks) {
        String describe() {
            return kind + " " + name;
        }
    }

    private final List<Target> targets;
    private final Set<String> reportedMissing = new HashSet<>();
    private final Duration timeout;

    CaBundles(KubernetesClient client, String mutating, String validating) {
        this.timeout = Duration.ofMillis(client.getConfiguration().getRequestTimeout());
        var v1 = client.admissionRegistration().v1();
        this.targets = List.of(
                new Target("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", mutating,
                        () -> v1.mutatingWebhookConfigurations().withName(mutating),
                        c -> ((MutatingWebhookConfiguration) c).getWebhooks().stream()
                                .map(w -> new Webhook(w.getName(), caBundle(w.getClientConfig()))).toList()),
                new Target("ValidatingWebhookConfiguration", "validatingwebhookconfigurations", validating,
                        () -> v1.validatingWebhookConfigurations().withName(validating),
                        c -> ((ValidatingWebhookConfiguration) c).getWebhooks().stream()
                                .map(w -> new Webhook(w.getName(), caBundle(w.getClientConfig()))).toList()));
    }

    /**
     * Sets {@code caBundle} where it differs, in both configurations; a configuration that does
     * not exist is logged once, and set on a later call once it does.
     *
     * @throws ApiCallException when a configuration cannot be read or patched
     */
    void ensure(String caBundle) {
        targets.forEach(target -> ensure(target, caBundle));
    }

    private synchronized void ensure(Target target, String caBundle) {
        HasMetadata configuration;
        try {
            configuration = target.resource().get().get();
        } catch (KubernetesClientException e) {
            throw ApiCallException.of(e, "get " + target.plural() + "/" + target.name(), timeout);
        }
        if (configuration == null) {
            if (reportedMissing.add(target.name() + "/" + target.kind())) {
                LOG.warn("{} does not exist yet: its caBundle will be set once it does", target.describe());
            }
            return;
        }
        reportedMissing.remove(target.name() + "/" + target.kind());
        List<Webhook> webhooks = target.webhooks().apply(configuration);
        ArrayNode patch = Json.JSON.createArrayNode();
        for (int i = 0; i < webhooks.size(); i++) {
            if (!caBundle.equals(webhooks.get(i).caBundle())) {
                patch.addObject().put("op", "test").put("path", "/webhooks/" + i + "/name").put("value", webhooks.get(i).name());
                patch.addObject().put("op", "add").put("path", "/webhooks/" + i + "/clientConfig/caBundle").put("value", caBundle);
            }
        }
        if (patch.isEmpty()) {
            return;
        }
        try {
            target.resource().get().patch(PatchContext.of(PatchType.JSON), patch.toString());
        } catch (KubernetesClientException e) {
            throw ApiCallException.of(e, "patch " + target.plural() + "/" + target.name(), timeout);
        }
        LOG.atInfo().addKeyValue("webhooks", patch.size() / 2).log("caBundle set in " + target.describe());
    }

    private static String caBundle(WebhookClientConfig config) {
        return config == null ? null : Objects.requireNonNullElse(config.getCaBundle(), "");
    }
}
