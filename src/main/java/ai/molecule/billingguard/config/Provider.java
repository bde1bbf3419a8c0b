package ai.molecule.billingguard.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One provider of the catalog.
 *
 * @param name         the provider's name, as `LLM_PROVIDER` would select it
 * @param modelPattern searched in a MODEL id (Go `MatchString` semantics, so anchors matter)
 * @param authEnv      key names that count as the user's own key for this provider
 * @param runtimes     runtimes that may use it
 * @param models       exact model ids per runtime; an exact id wins over any pattern
 */
public record Provider(String name, Pattern modelPattern, List<String> authEnv, Set<String> runtimes,
                       Map<String, Set<String>> models) {

    public boolean servesRuntime(String runtime) {
        return runtimes.contains(runtime);
    }

    public boolean hasExactModel(String runtime, String model) {
        return models.getOrDefault(runtime, Set.of()).contains(model);
    }

    /** An exact model id of any runtime. */
    public boolean hasExactModel(String model) {
        return models.values().stream().anyMatch(ids -> ids.contains(model));
    }

    public boolean matchesModel(String model) {
        return modelPattern.matcher(model).find();
    }
}
