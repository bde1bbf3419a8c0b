package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.policy.Resolution;
import ai.molecule.billingguard.policy.Scope;
import ai.molecule.billingguard.policy.Text;
import tools.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
            "/ReplicationController", "/spec/template",
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
        } catch (Throwable e) {
            // Fail closed: whatever went wrong, out of memory included, the answer is a well-formed
            // denial carrying the uid. The caller logs and counts the error.
            String message = "billing-guard could not review this request (internal error "
                    + e.getClass().getSimpleName() + "); failing closed";
            return ReviewOutcome.failed(request, AdmissionResponse.denied(request.uid(), message), e);
        }
    }

    /** What of the request is checked, and how; empty when it is none of billing-guard's business. */
    private record Target(String template, Scope scope, boolean isPod) {
    }

    private ReviewOutcome answer(AdmissionRequest request, Endpoint endpoint) {
        if (request.object() == null && isWrite(request) && templatePointer(request) != null) {
            return ReviewOutcome.answered(request, AdmissionResponse.denied(request.uid(), "billing-guard: the "
                    + request.operation() + " request for " + request.kind() + " carries no object; failing closed"));
        }
        Optional<Target> target = target(request);
        if (target.isEmpty()) {
            return ReviewOutcome.answered(request, AdmissionResponse.allowed(request.uid()));
        }
        JsonNode pod = request.object().at(target.get().template());
        Optional<String> tooLarge = policy.tooLarge(pod);
        if (tooLarge.isPresent()) {
            return ReviewOutcome.answered(request, AdmissionResponse.denied(request.uid(), tooLarge.get()));
        }
        return decide(request, endpoint, target.get(), pod);
    }

    /**
     * Pod CREATE, {@code pods/ephemeralcontainers} adding containers, and pod-controller CREATE or
     * UPDATE that changes the template are checked; everything else passes untouched: other kinds,
     * DELETE, pod UPDATE (a pod's containers cannot change after CREATE), mirror pods, other subresources.
     */
    private Optional<Target> target(AdmissionRequest request) {
        String template = templatePointer(request);
        if (!isWrite(request) || template == null || request.object() == null || !request.object().at(template).isObject()) {
            return Optional.empty();
        }
        JsonNode pod = request.object().at(template);
        if (!template.isEmpty()) {
            // Scaling or relabelling a controller does not change its pods.
            boolean unchanged = request.operation().equals("UPDATE") && request.oldObject() != null
                    && request.oldObject().at(template).equals(pod);
            return unchanged ? Optional.empty() : Optional.of(new Target(template, Scope.WHOLE_POD, false));
        }
        if (Json.text(pod.path("metadata").path("annotations"), MIRROR_ANNOTATION) != null) {
            return Optional.empty();
        }
        if (request.subResource().equals("ephemeralcontainers")) {
            Set<String> added = containerNames(pod.path("spec").path("ephemeralContainers"));
            added.removeAll(containerNames(request.oldObject() == null ? null
                    : request.oldObject().path("spec").path("ephemeralContainers")));
            return added.isEmpty() ? Optional.empty()
                    : Optional.of(new Target(template, Scope.newEphemeralContainers(added), true));
        }
        boolean podCreate = request.subResource().isEmpty() && request.operation().equals("CREATE");
        return podCreate ? Optional.of(new Target(template, Scope.WHOLE_POD, true)) : Optional.empty();
    }

    private ReviewOutcome decide(AdmissionRequest request, Endpoint endpoint, Target target, JsonNode pod) {
        boolean patching = target.isPod() && endpoint == Endpoint.MUTATE;
        Facts podFacts = facts.facts(request.namespace(), policy.workspaceSecretName(pod), policy.referencedSecrets(pod));
        PodPolicy.Context context = new PodPolicy.Context(request.namespace(), target.scope(),
                patching || !target.isPod() ? PodPolicy.Phase.MUTATE : PodPolicy.Phase.VALIDATE, request.creator());
        PodDecision decision = policy.decide(pod, target.template(), context, podFacts);
        if (decision.untouchedPod()) {
            return ReviewOutcome.decided(request, AdmissionResponse.allowed(request.uid()), decision, request.object());
        }
        Map<String, String> audit = audit(decision);
        if (decision.denial().isPresent()) {
            return ReviewOutcome.decided(request, AdmissionResponse.denied(request.uid(), decision.denial().get())
                    .withWarnings(decision.warnings()).withAuditAnnotations(audit), decision, request.object());
        }
        if (!patching) {
            // Pod controllers are never mutated; their users read what their pods will lose.
            return ReviewOutcome.decided(request, AdmissionResponse.allowed(request.uid())
                    .withWarnings(target.isPod() ? List.of() : decision.warnings()).withAuditAnnotations(audit),
                    decision, request.object());
        }
        PatchRecorder patch = PatchBuilder.build(request.object(), target.template(), decision);
        return ReviewOutcome.decided(request, AdmissionResponse.patched(request.uid(), patch.operations())
                .withWarnings(decision.warnings()).withAuditAnnotations(audit), decision, patch.result());
    }

    private static boolean isWrite(AdmissionRequest request) {
        return request.operation().equals("CREATE") || request.operation().equals("UPDATE");
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
            Json.elements(containers).forEach(c -> names.add(String.valueOf(Json.text(c, "name"))));
        }
        return names;
    }

    /** The same facts as the pod annotations, for the audit log; {@code stripped} is what this request removes. */
    private static Map<String, String> audit(PodDecision decision) {
        Map<String, String> audit = new LinkedHashMap<>();
        decision.resolution().ifPresent((Resolution r) -> {
            audit.put("mode", r.mode().wire());
            audit.put("provider", r.providerLabel());
            audit.put("source", r.source().wire());
            audit.put("stripped", decision.stripped());
        });
        decision.workspaceId().ifPresent(id -> audit.put("workspace", Text.name(id)));
        if (decision.denial().isPresent()) {
            audit.put("denied", "true");
        }
        return audit;
    }
}
