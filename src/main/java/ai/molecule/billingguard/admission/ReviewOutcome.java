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
 * @param patched  the object with the patch applied (the object itself when nothing changed; null without object)
 */
public record ReviewOutcome(AdmissionRequest request, AdmissionResponse response, Optional<PodDecision> decision,
                            JsonNode patched) {
}
