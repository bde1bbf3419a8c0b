package ai.molecule.billingguard.policy;

/** Why a pod (or pod template) is refused, for code that acts on it; the message is for people. */
public enum DenialReason {
    /** A lookup failed: billing-guard fails closed until it can read what it needs. */
    LOOKUP_FAILED,
    /** A pod without the workspace label references a platform credential secret. */
    BYPASS,
    /** No workspace secret and no org default, and the pod carries platform items. */
    UNKNOWN_WORKSPACE,
    /** An {@code envFrom} of the workspace secret delivers a platform proxy name to a byok/disabled pod. */
    PROXY_THROUGH_ENVFROM,
    /** The final-state check found platform items in a byok/disabled pod. */
    PLATFORM_ITEMS_REMAIN,
    /** A byok pod gets no key of the user's own. */
    NO_USER_KEY,
    /** Trusted creators are set, and someone else creates a pod that keeps platform items. */
    UNTRUSTED_CREATOR
}
