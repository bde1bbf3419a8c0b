package ai.molecule.billingguard.audit;

import java.util.Arrays;
import java.util.List;

/** What is wrong with a running pod, as {@code audit} names it. */
public enum ViolationKind {
    /** A byok, disabled or unknown workspace's pod holds platform items: what the webhook would strip or deny. */
    PLATFORM_ITEMS("platform-items"),
    /** A byok pod gets no key of the user's own: the webhook would deny it. */
    NO_USER_KEY("no-user-key"),
    /** A workspace pod without billing-guard's mode annotation: the webhook never reviewed it. */
    NOT_ANNOTATED("not-annotated"),
    /** A pod without the workspace label that references a platform credential secret. */
    BYPASS("bypass"),
    /** The pod's mode annotation is not what its workspace resolves to now: it needs a restart. */
    STALE_MODE("stale-mode"),
    /** A lookup failed, so the pod cannot be judged (the webhook would deny it, failing closed). */
    LOOKUP_FAILED("lookup-failed");

    /** Every kind, in the order reports list them. */
    public static final List<String> NAMES = Arrays.stream(values()).map(ViolationKind::wire).toList();

    private final String wire;

    ViolationKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
