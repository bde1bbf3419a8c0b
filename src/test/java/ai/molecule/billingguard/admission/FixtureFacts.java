package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The facts of one fixture case: its {@code facts.yaml} (Secrets and Namespaces), plus optional
 * {@code failure.yaml} ({@code secret}, {@code namespace} and/or {@code platformList}: cause) that turns a lookup
 * into an API error, as a failing API server would.
 */
final class FixtureFacts implements FactsSource {
    private final FactsSource local;
    private final String secretFailure;
    private final String namespaceFailure;
    private final String platformListFailure;

    FixtureFacts(Path caseDir, PolicyConfig config) {
        Path facts = caseDir.resolve("facts.yaml");
        this.local = Files.exists(facts) ? LocalFacts.load(facts, config) : LocalFacts.empty();
        Path failure = caseDir.resolve("failure.yaml");
        JsonNode f = Json.JSON.createObjectNode();
        if (Files.exists(failure)) {
            try {
                f = Json.documents(Files.readString(failure)).get(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        this.secretFailure = Json.text(f, "secret");
        this.namespaceFailure = Json.text(f, "namespace");
        this.platformListFailure = Json.text(f, "platformList");
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        Facts base = local.facts(namespace, workspaceSecretName, referencedSecrets);
        return new Facts(
                secretFailure != null && workspaceSecretName != null
                        ? Lookup.failed("Secret " + namespace + "/" + workspaceSecretName, secretFailure)
                        : base.workspaceSecret(),
                namespaceFailure != null ? Lookup.failed("Namespace " + namespace, namespaceFailure) : base.namespace(),
                // As LiveFacts: no list is made for a pod that references no Secret.
                platformListFailure != null && !referencedSecrets.isEmpty()
                        ? Lookup.failed("Secrets labelled molecule.ai/secret-scope=global or molecule.ai/workspace-id"
                        + " in namespace " + namespace, platformListFailure)
                        : base.referencedSecrets());
    }
}
