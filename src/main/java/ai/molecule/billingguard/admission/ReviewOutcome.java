package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.policy.PodDecision;
import tools.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * The answer to one review and what led to it, for the caller to encode, log and count.
 *
 * @param request  the request as read
 * @param response the answer
 * @param decision the policy's decision, when the object was a pod or pod template it checked
 * @param patched  the object with the patch applied (the object itself when nothing changed; null without object);
 *                 it shares unchanged subtrees with the request's object: read it, never change it
 * @param error    what went wrong inside billing-guard when the answer is a fail-closed denial for it
 */
public record ReviewOutcome(AdmissionRequest request, AdmissionResponse response, Optional<PodDecision> decision,
                            JsonNode patched, Optional<Throwable> error) {

    /** An answer that needed no decision (not billing-guard's business, or refused before one). */
    static ReviewOutcome answered(AdmissionRequest request, AdmissionResponse response) {
        return new ReviewOutcome(request, response, Optional.empty(), request.object(), Optional.empty());
    }

    /** An answer from the policy's decision, with the object as the answer's patch leaves it. */
    static ReviewOutcome decided(AdmissionRequest request, AdmissionResponse response, PodDecision decision,
                                 JsonNode patched) {
        return new ReviewOutcome(request, response, Optional.of(decision), patched, Optional.empty());
    }

    /** A fail-closed denial because something broke inside billing-guard. */
    static ReviewOutcome failed(AdmissionRequest request, AdmissionResponse response, Throwable error) {
        return new ReviewOutcome(request, response, Optional.empty(), request.object(), Optional.of(error));
    }
}
