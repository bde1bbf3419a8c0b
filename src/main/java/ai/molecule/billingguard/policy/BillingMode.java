package ai.molecule.billingguard.policy;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Who pays for a workspace's LLM calls. */
public enum BillingMode {
    PLATFORM_MANAGED("platform_managed"),
    BYOK("byok"),
    DISABLED("disabled");

    private final String wire;

    BillingMode(String wire) {
        this.wire = wire;
    }

    /** The name used in annotations, env vars and messages. */
    public String wire() {
        return wire;
    }

    /** Parses an annotation value (trimmed, case-insensitive); empty for anything else. */
    public static Optional<BillingMode> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.wire.equals(v)).findFirst();
    }

    /** Modes in which platform items are removed from the pod. */
    public boolean strips() {
        return this != PLATFORM_MANAGED;
    }

    @Override
    public String toString() {
        return wire;
    }
}
