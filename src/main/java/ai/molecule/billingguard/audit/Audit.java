package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.admission.AdmissionReviews;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.PodPolicy;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Finds the running pods that break the policy now. Each pod goes through the webhook's own door:
 * it is wrapped as the pod CREATE kube-apiserver would send and reviewed by {@link ReviewHandler}
 * at {@code /mutate}, and the decision is read as violations ({@link PodCheck}). Facts are asked
 * for once per workspace secret and set of referenced secrets, owners once per ReplicaSet or Job.
 * Nothing is written anywhere.
 */
public final class Audit {
    private static final Set<String> TERMINATED = Set.of("Succeeded", "Failed");

    private final PodPolicy policy;
    private final PodCheck check;

    public Audit(PolicyConfig config) {
        this.policy = new PodPolicy(config);
        this.check = new PodCheck(config);
    }

    public Report run(Inventory inventory, FactsSource facts, OwnerSource ownerSource) {
        ReviewHandler handler = new ReviewHandler(policy, new MemoFacts(facts));
        Owners owners = new Owners(ownerSource);
        List<Violation> violations = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (JsonNode pod : inventory.pods()) {
            String phase = Json.text(pod.path("status"), "phase");
            if (phase != null && TERMINATED.contains(phase)) {
                continue;
            }
            checked++;
            String namespace = Json.text(pod.path("metadata"), "namespace");
            String name = Json.text(pod.path("metadata"), "name");
            ReviewOutcome outcome = handler.review(AdmissionReviews.wrap(pod, namespace,
                    "audit:" + namespace + "/" + name, true), ReviewHandler.Endpoint.MUTATE);
            if (outcome.decision().isEmpty()) {
                // Not billing-guard's business (a mirror pod), or refused before any decision (too large to review).
                if (!outcome.response().allowed()) {
                    problems.add("pod " + namespace + "/" + name + " not audited: " + outcome.response().message());
                }
                continue;
            }
            List<PodCheck.Draft> drafts = check.violations(pod, outcome.decision().get());
            if (!drafts.isEmpty()) {
                Owner owner = owners.of(pod);
                drafts.forEach(d -> violations.add(d.finish(namespace, name, owner)));
            }
        }
        violations.sort(Violation.ORDER);
        return new Report(checked, inventory.namespaces(), violations, problems, owners.notes());
    }
}
