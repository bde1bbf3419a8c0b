package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.policy.Resolution;
import ai.molecule.billingguard.policy.Scope;
import tools.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Answers AdmissionReviews for {@code /mutate} and {@code /validate}: decides what is checked,
 * gathers the facts, asks the policy and turns its decision into an answer. No transport here.
 */
public final class ReviewHandler {
    public enum Endpoint { MUTATE, VALIDATE }

    /** Pod controllers by API group and kind, with the JSON pointer of their pod template. */
    private static final Map<String, String> CONTROLLERS = Map.of(
            "apps/Deployment", "/spec/template",
            "apps/StatefulSet", "/spec/template",
            "apps/DaemonSet", "/spec/template",
            "apps/ReplicaSet", "/spec/template",
            "batch/Job", "/spec/template",
            "batch/CronJob", "/spec/jobTemplate/spec/template");
    private static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

    private final PodPolicy policy;
    private final FactsSource facts;

    public ReviewHandler(PodPolicy policy, FactsSource facts) {
        this.policy = policy;
        this.facts = facts;
    }

    /**
     * @throws BadReviewException when the input has no request or uid, so no AdmissionReview answer is possible
     */
    public ReviewOutcome review(JsonNode review, Endpoint endpoint) {
        AdmissionRequest request = AdmissionRequest.parse(review);
        try {
            return answer(request, endpoint);
        } catch (RuntimeException e) {
            // Fail closed: whatever went wrong, the answer is a well-formed denial carrying the uid.
            String message = "billing-guard could not review this request (" + e.getClass().getSimpleName()
                    + "); failing closed";
            return new ReviewOutcome(request, AdmissionResponse.denied(request.uid(), message), Optional.empty(),
                    request.object());
        }
    }

    private ReviewOutcome answer(AdmissionRequest request, Endpoint endpoint) {
        String operation = request.operation();
        boolean writes = operation.equals("CREATE") || operation.equals("UPDATE");
        String template = templatePointer(request);
        if (!writes || template == null) {
            return untouched(request);
        }
        if (request.object() == null) {
            return new ReviewOutcome(request, AdmissionResponse.denied(request.uid(),
                    "billing-guard: the " + operation + " request for " + request.kind() + " carries no object; failing closed"),
                    Optional.empty(), null);
        }
        JsonNode pod = request.object().at(template);
        if (!pod.isObject()) {
            return untouched(request);
        }
        boolean isPod = template.isEmpty();
        if (!isPod && operation.equals("UPDATE") && request.oldObject() != null
                && request.oldObject().at(template).equals(pod)) {
            // Scaling or relabelling a controller does not change its pods; billing-guard still checks them.
            return untouched(request);
        }
        Scope scope = Scope.WHOLE_POD;
        if (isPod && Json.text(pod.path("metadata").path("annotations"), MIRROR_ANNOTATION) != null) {
            return untouched(request);
        }
        if (isPod && request.subResource().equals("ephemeralcontainers")) {
            Set<String> added = containerNames(pod.path("spec").path("ephemeralContainers"));
            added.removeAll(containerNames(request.oldObject() == null ? null
                    : request.oldObject().path("spec").path("ephemeralContainers")));
            if (added.isEmpty()) {
                return untouched(request);
            }
            scope = Scope.newEphemeralContainers(added);
        } else if (isPod && (!request.subResource().isEmpty() || !operation.equals("CREATE"))) {
            // A pod's containers cannot change after CREATE; other subresources carry no credentials.
            return untouched(request);
        }

        Optional<String> tooLarge = policy.tooLarge(pod);
        if (tooLarge.isPresent()) {
            return new ReviewOutcome(request, AdmissionResponse.denied(request.uid(), tooLarge.get()), Optional.empty(),
                    request.object());
        }
        String secretName = policy.workspaceSecretName(pod);
        boolean patching = isPod && endpoint == Endpoint.MUTATE;
        PodDecision decision = policy.decide(pod, template, request.namespace(),
                facts.facts(request.namespace(), secretName, policy.referencedSecrets(pod)), scope,
                patching || !isPod ? PodPolicy.Phase.MUTATE : PodPolicy.Phase.VALIDATE);
        if (decision.untouched()) {
            return new ReviewOutcome(request, AdmissionResponse.allowed(request.uid()), Optional.of(decision),
                    request.object());
        }
        Map<String, String> audit = audit(decision);
        if (decision.denial().isPresent()) {
            return new ReviewOutcome(request, AdmissionResponse.denied(request.uid(), decision.denial().get())
                    .withWarnings(decision.warnings()).withAuditAnnotations(audit), Optional.of(decision),
                    request.object());
        }
        if (!patching) {
            // Pod controllers are never mutated; their users read what their pods will lose.
            return new ReviewOutcome(request, AdmissionResponse.allowed(request.uid())
                    .withWarnings(isPod ? List.of() : decision.warnings()).withAuditAnnotations(audit),
                    Optional.of(decision), request.object());
        }
        PatchRecorder patch = PatchBuilder.build(request.object(), template, decision);
        return new ReviewOutcome(request, AdmissionResponse.patched(request.uid(), patch.operations())
                .withWarnings(decision.warnings()).withAuditAnnotations(audit), Optional.of(decision), patch.result());
    }

    private static ReviewOutcome untouched(AdmissionRequest request) {
        return new ReviewOutcome(request, AdmissionResponse.allowed(request.uid()), Optional.empty(),
                request.object());
    }

    /** Whether objects of this API group and kind carry a pod template billing-guard checks. */
    public static boolean isPodController(String group, String kind) {
        return CONTROLLERS.containsKey(group + "/" + kind);
    }

    /** The pointer of the pod (template) to check, or null when this kind is none of billing-guard's business. */
    private static String templatePointer(AdmissionRequest request) {
        if (request.group().isEmpty() && request.kind().equals("Pod")) {
            return "";
        }
        return request.subResource().isEmpty() ? CONTROLLERS.get(request.group() + "/" + request.kind()) : null;
    }

    private static Set<String> containerNames(JsonNode containers) {
        Set<String> names = new HashSet<>();
        if (containers != null) {
            containers.forEach(c -> names.add(String.valueOf(Json.text(c, "name"))));
        }
        return names;
    }

    /** The same facts as the pod annotations, for the audit log. */
    private static Map<String, String> audit(PodDecision decision) {
        Map<String, String> audit = new LinkedHashMap<>();
        decision.resolution().ifPresent((Resolution r) -> {
            audit.put("mode", r.mode().wire());
            audit.put("provider", r.providerLabel());
            audit.put("source", r.source().wire());
            audit.put("stripped", decision.stripped());
        });
        decision.workspaceId().ifPresent(id -> audit.put("workspace", id));
        if (decision.denial().isPresent()) {
            audit.put("denied", "true");
        }
        return audit;
    }
}
