package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.config.Provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * SPEC's five-rung resolution chain; the first rung that answers wins. Pure: it reads only the
 * {@link Facts} handed in, and a lookup is consulted only when its rung is reached, so a failed
 * Namespace read does not matter to a workspace whose provider is selected.
 */
public final class Resolver {
    private final PolicyConfig config;

    public Resolver(PolicyConfig config) {
        this.config = config;
    }

    public Resolution resolve(String runtime, Facts facts) {
        List<String> warnings = new ArrayList<>();
        Lookup<WorkspaceSecret> secretLookup = facts.workspaceSecret();
        if (secretLookup instanceof Lookup.Failed<WorkspaceSecret> failed) {
            return failClosed(failed, warnings);
        }
        Optional<WorkspaceSecret> secret = secretLookup instanceof Lookup.Found<WorkspaceSecret> found
                ? Optional.of(found.value()) : Optional.empty();
        if (secret.isPresent()) {
            Optional<Resolution> answer = providerSelection(secret.get(), warnings)
                    .or(() -> derivedProvider(runtime, secret.get(), warnings))
                    .or(() -> annotation(secret.get().annotations().get(config.billingModeAnnotation()),
                            Source.WORKSPACE_OVERRIDE, secret.get().ref(), warnings));
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        Lookup<NamespaceInfo> namespace = facts.namespace();
        if (namespace instanceof Lookup.Failed<NamespaceInfo> failed) {
            return failClosed(failed, warnings);
        }
        if (namespace instanceof Lookup.Found<NamespaceInfo> found) {
            Optional<Resolution> answer = annotation(found.value().annotations().get(config.billingModeAnnotation()),
                    Source.ORG_DEFAULT, "Namespace " + found.value().name(), warnings);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        return new Resolution(BillingMode.PLATFORM_MANAGED, Optional.empty(), Source.CLOSED_DEFAULT,
                Optional.empty(), warnings);
    }

    /** Rung 1: {@code LLM_PROVIDER}, trimmed and case-insensitive. */
    private Optional<Resolution> providerSelection(WorkspaceSecret secret, List<String> warnings) {
        String selected = normalize(secret.provider());
        if (selected.isEmpty()) {
            return Optional.empty();
        }
        if (config.platformSentinels().contains(selected)) {
            return Optional.of(new Resolution(BillingMode.PLATFORM_MANAGED, Optional.of("platform"),
                    Source.PROVIDER_SECRET, Optional.empty(), warnings));
        }
        return Optional.of(new Resolution(BillingMode.BYOK, Optional.of(selected), Source.PROVIDER_SECRET,
                Optional.empty(), warnings));
    }

    /** Rung 2: derive the provider from runtime + {@code MODEL} through the catalog. */
    private Optional<Resolution> derivedProvider(String runtime, WorkspaceSecret secret, List<String> warnings) {
        String model = secret.model() == null ? "" : secret.model().trim();
        if (model.isEmpty()) {
            return Optional.empty();
        }
        return derive(runtime, model, secret).map(p -> {
            boolean platform = config.platformSentinels().contains(p.name());
            return new Resolution(platform ? BillingMode.PLATFORM_MANAGED : BillingMode.BYOK, Optional.of(p.name()),
                    Source.DERIVED_PROVIDER, Optional.empty(), warnings);
        });
    }

    /**
     * Only the runtime's providers; an exact model id wins, else the pattern; several matches keep
     * those whose accepted keys are present in the workspace secret (empty or not); exactly one left wins.
     */
    Optional<Provider> derive(String runtime, String model, WorkspaceSecret secret) {
        List<Provider> candidates = config.catalog().forRuntime(runtime);
        List<Provider> matches = candidates.stream().filter(p -> p.hasExactModel(runtime, model)).toList();
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
            warnings.add("ignored annotation " + config.billingModeAnnotation() + "=\"" + value.trim() + "\" on "
                    + object + ": expected platform_managed, byok or disabled");
            return Optional.empty();
        }
        return Optional.of(new Resolution(mode.get(), Optional.empty(), source, Optional.empty(), warnings));
    }

    private static Resolution failClosed(Lookup.Failed<?> failed, List<String> warnings) {
        return new Resolution(BillingMode.PLATFORM_MANAGED, Optional.empty(), Source.CLOSED_DEFAULT,
                Optional.of(failed), warnings);
    }

    private static String normalize(String value) {
        return value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    }
}
