package ai.molecule.billingguard.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** The providers billing-guard knows, in catalog order. Immutable. */
public final class ProviderCatalog {
    private final List<Provider> providers;

    public ProviderCatalog(List<Provider> providers) {
        this.providers = List.copyOf(providers);
    }

    public Optional<Provider> find(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public List<Provider> forRuntime(String runtime) {
        return providers.stream().filter(p -> p.servesRuntime(runtime)).toList();
    }

    /** Every provider some runtime may use (providers listed for no runtime are never derived). */
    public List<Provider> forAnyRuntime() {
        return providers.stream().filter(p -> !p.runtimes().isEmpty()).toList();
    }

    /** This catalog with {@code extra} added; an extra provider replaces one of the same name in place. */
    public ProviderCatalog with(List<Provider> extra) {
        LinkedHashMap<String, Provider> byName = new LinkedHashMap<>();
        providers.forEach(p -> byName.put(p.name(), p));
        extra.forEach(p -> byName.put(p.name(), p));
        return new ProviderCatalog(List.copyOf(byName.values()));
    }

    public List<Provider> all() {
        return providers;
    }
}
