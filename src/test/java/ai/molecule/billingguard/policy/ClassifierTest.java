package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC "What counts as a platform credential in a pod", one env item per row. */
class ClassifierTest {
    final Classifier classifier = new Classifier(ConfigLoader.defaults().policy(),
            Set.of("molecule-platform-llm", "shared-global")::contains, "ws-1-secrets");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // '-' = not platform (the user's own item, or nothing to do with LLM credentials)
            "{name: ANY_NAME, valueFrom: {secretKeyRef: {name: molecule-platform-llm, key: K}}}  | PLATFORM_SECRET",
            "{name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: shared-global, key: K}}}    | PLATFORM_SECRET",
            "{name: MOLECULE_LLM_BASE_URL, value: 'https://x'}                                  | PROXY_NAME",
            "{name: MOLECULE_LLM_USAGE_TOKEN, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: T}}} | PROXY_NAME",
            "{name: MOLECULE_LLM_ANTHROPIC_BASE_URL}                                            | PROXY_NAME",
            "{name: MOLECULE_LLM_USAGE_URL, valueFrom: {fieldRef: {fieldPath: metadata.name}}}  | PROXY_NAME",
            "{name: ANTHROPIC_API_KEY, value: sk-literal}                                       | NOT_FROM_WORKSPACE",
            "{name: CODEX_AUTH_JSON, valueFrom: {configMapKeyRef: {name: c, key: k}}}          | NOT_FROM_WORKSPACE",
            "{name: HF_TOKEN, valueFrom: {secretKeyRef: {name: other, key: k}}}                 | NOT_FROM_WORKSPACE",
            "{name: ZAI_API_KEY}                                                                | NOT_FROM_WORKSPACE",
            "{name: HERMES_CUSTOM_BASE_URL, value: 'https://x'}                                 | NOT_FROM_WORKSPACE",
            "{name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: OPENAI_API_KEY}}} | -",
            "{name: HUGGINGFACE_API_KEY, value: not-in-the-credential-list}                     | -",
            "{name: LOG_LEVEL, value: debug}                                                    | -",
            "{name: SETTINGS, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: S}}}           | -",
    })
    void env_items_are_classified(String env, String expected) {
        String actual = classifier.env(Json.documents(env).get(0)).map(Enum::name).orElse("-");
        assertThat(actual).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{secretRef: {name: molecule-platform-llm}}              | true",
            "{prefix: X_, secretRef: {name: shared-global}}          | true",
            "{secretRef: {name: ws-1-secrets}}                       | false",
            "{configMapRef: {name: molecule-platform-llm}}           | false",
    })
    void envFrom_entries_are_platform_when_their_secret_is(String envFrom, boolean platform) {
        assertThat(classifier.envFrom(Json.documents(envFrom).get(0))).isEqualTo(platform);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{name: v, secret: {secretName: molecule-platform-llm}}  | true",
            "{name: v, secret: {secretName: ws-1-secrets}}           | false",
            "{name: v, configMap: {name: molecule-platform-llm}}     | false",
    })
    void secret_volumes_are_platform_when_their_secret_is(String volume, boolean platform) {
        assertThat(classifier.secretVolume(Json.documents(volume).get(0))).isEqualTo(platform);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{secret: {name: shared-global}}                         | true",
            "{secret: {name: ws-1-secrets}}                          | false",
            "{serviceAccountToken: {path: token}}                    | false",
    })
    void projected_sources_are_platform_when_their_secret_is(String source, boolean platform) {
        assertThat(classifier.projectedSource(Json.documents(source).get(0))).isEqualTo(platform);
    }
}
