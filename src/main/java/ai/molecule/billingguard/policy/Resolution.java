package ai.molecule.billingguard.policy;

import java.util.List;
import java.util.Optional;

/**
 * The resolved billing mode. Built through its named constructors.
 *
 * @param mode     the billing mode
 * @param provider the provider the catalog or the selection names; empty when none is known
 * @param source   the rung that answered
 * @param failure  a lookup that failed on the way: the mode is then {@code platform_managed} and the pod is denied
 * @param warnings notes for the user, such as an ignored annotation value
 */
public record Resolution(BillingMode mode, Optional<String> provider, Source source,
                         Optional<Lookup.Failed<?>> failure, List<String> warnings) {

    public Resolution {
        warnings = List.copyOf(warnings);
    }

    /** A rung answered with this mode, and with a provider when one is known. */
    static Resolution answered(BillingMode mode, Optional<String> provider, Source source, List<String> warnings) {
        return new Resolution(mode, provider, source, Optional.empty(), warnings);
    }

    /** A lookup failed before a rung could answer: {@code platform_managed}, and the pod is denied. */
    static Resolution failedClosed(Lookup.Failed<?> failure, List<String> warnings) {
        return new Resolution(BillingMode.PLATFORM_MANAGED, Optional.empty(), Source.CLOSED_DEFAULT,
                Optional.of(failure), warnings);
    }

    /** The provider as annotations show it: {@code platform} or {@code unknown} when none is known. */
    public String providerLabel() {
        return provider.orElse(mode == BillingMode.PLATFORM_MANAGED ? "platform" : "unknown");
    }

    /** Nobody can say who pays: the pod may not carry any platform item. */
    public boolean unknownWorkspace() {
        return source == Source.UNKNOWN_WORKSPACE;
    }
}
