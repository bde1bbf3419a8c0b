package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.config.Provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The resolution chain (docs/policy.md): the first rung that answers wins. Pure: it reads only the
 * lookups handed in, and a lookup is consulted only when its rung is reached, so a failed Namespace
 * read does not matter to a workspace whose provider is selected.
 */
public final class Resolver {
    private final PolicyConfig config;

    public Resolver(PolicyConfig config) {
        this.config = config;
    }

    /**
     * @param runtime   the pod's runtime label (trimmed, lower case), or empty when it has none
     * @param secret    the pod's workspace secret
     * @param namespace the pod's Namespace
     */
    public Resolution resolve(Optional<String> runtime, Lookup<WorkspaceSecret> secret, Lookup<NamespaceInfo> namespace) {
        List<String> warnings = new ArrayList<>();
        if (secret instanceof Lookup.Failed<WorkspaceSecret> failed) {
            return Resolution.failedClosed(failed, warnings);
        }
        if (secret instanceof Lookup.Found<WorkspaceSecret> found) {
            WorkspaceSecret s = found.value();
            Optional<Resolution> answer = providerSelection(s, warnings)
                    .or(() -> derivedProvider(runtime, s, warnings))
                    .or(() -> annotation(s.annotations().get(config.billingModeAnnotation()),
                            Source.WORKSPACE_OVERRIDE, s.ref(), warnings));
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        if (namespace instanceof Lookup.Failed<NamespaceInfo> failed) {
            return Resolution.failedClosed(failed, warnings);
        }
        if (namespace instanceof Lookup.Found<NamespaceInfo> found) {
            Optional<Resolution> answer = annotation(found.value().annotations().get(config.billingModeAnnotation()),
                    Source.ORG_DEFAULT, "Namespace " + Text.name(found.value().name()), warnings);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        // Rung 5 needs the workspace secret to exist; without it (rung 6) nobody can say who pays,
        // and the pod may not use the platform's credentials: the workspace-id label is the pod
        // creator's word, and a made-up id must not unlock them.
        Source source = secret instanceof Lookup.Found ? Source.CLOSED_DEFAULT : Source.UNKNOWN_WORKSPACE;
        return Resolution.answered(BillingMode.PLATFORM_MANAGED, Optional.empty(), source, warnings);
    }

    /** Rung 1: {@code LLM_PROVIDER}, trimmed and case-insensitive. */
    private Optional<Resolution> providerSelection(WorkspaceSecret secret, List<String> warnings) {
        String selected = normalize(secret.provider());
        if (selected.isEmpty()) {
            return Optional.empty();
        }
        if (config.platformSentinels().contains(selected)) {
            return Optional.of(Resolution.answered(BillingMode.PLATFORM_MANAGED, Optional.of("platform"),
                    Source.PROVIDER_SECRET, warnings));
        }
        return Optional.of(Resolution.answered(BillingMode.BYOK, Optional.of(selected), Source.PROVIDER_SECRET, warnings));
    }

    /** Rung 2: derive the provider from runtime + {@code MODEL} through the catalog. */
    private Optional<Resolution> derivedProvider(Optional<String> runtime, WorkspaceSecret secret, List<String> warnings) {
        String model = secret.model() == null ? "" : secret.model().trim();
        if (model.isEmpty()) {
            return Optional.empty();
        }
        return derive(runtime, model, secret).map(p -> Resolution.answered(
                config.platformSentinels().contains(p.name()) ? BillingMode.PLATFORM_MANAGED : BillingMode.BYOK,
                Optional.of(p.name()), Source.DERIVED_PROVIDER, warnings));
    }

    /**
     * The pod's runtime (its label, else the default runtime) first; when that gives no unique
     * match, every runtime's providers and exact ids together. The runtime label is the pod
     * creator's word: dropping or changing it must never turn a workspace whose model names its
     * own provider into one the platform pays for.
     */
    Optional<Provider> derive(Optional<String> runtime, String model, WorkspaceSecret secret) {
        String own = runtime.orElse(config.defaultRuntime());
        return derive(config.catalog().forRuntime(own), p -> p.hasExactModel(own, model), model, secret)
                .or(() -> derive(config.catalog().forAnyRuntime(), p -> p.hasExactModel(model), model, secret));
    }

    /**
     * An exact model id wins, else the pattern; several matches keep those whose accepted keys are
     * present in the workspace secret (empty or not); exactly one left wins.
     */
    private static Optional<Provider> derive(List<Provider> candidates, Predicate<Provider> exact, String model,
                                             WorkspaceSecret secret) {
        List<Provider> matches = candidates.stream().filter(exact).toList();
        if (matches.isEmpty()) {
            matches = candidates.stream().filter(p -> p.matchesModel(model)).toList();
        }
        if (matches.size() > 1) {
            matches = matches.stream().filter(p -> p.authEnv().stream().anyMatch(secret::has)).toList();
        }
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** Rungs 3 and 4: the billing-mode annotation; an unknown value is ignored with a warning. */
    private Optional<Resolution> annotation(String value, Source source, String object, List<String> warnings) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Optional<BillingMode> mode = BillingMode.parse(value);
        if (mode.isEmpty()) {
            warnings.add("ignored annotation " + config.billingModeAnnotation() + "=" + Text.quoted(value.trim()) + " on "
                    + object + ": expected platform_managed, byok or disabled");
            return Optional.empty();
        }
        return Optional.of(Resolution.answered(mode.get(), Optional.empty(), source, warnings));
    }

    private static String normalize(String value) {
        return value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    }
}
