package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretFactsTest {
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();
    static final String SEED = "sk-SEEDED-LEAK-CHECK-0001";

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keeps_provider_model_annotations_and_names_of_non_blank_keys() {
        Secret secret = new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets")
                .addToAnnotations("molecule.ai/llm-billing-mode", "byok").endMetadata()
                .addToData("LLM_PROVIDER", b64("openai"))
                .addToData("MODEL", b64("gpt-5.4"))
                .addToData("OPENAI_API_KEY", b64(SEED))
                .addToData("ANTHROPIC_API_KEY", b64(" \n\t"))
                .addToData("EMPTY", "")
                .build();

        WorkspaceSecret facts = SecretFacts.from(secret, CONFIG);

        assertThat(facts.namespace()).isEqualTo("team-a");
        assertThat(facts.name()).isEqualTo("ws-1-secrets");
        assertThat(facts.provider()).isEqualTo("openai");
        assertThat(facts.model()).isEqualTo("gpt-5.4");
        assertThat(facts.annotations()).containsExactly(Map.entry("molecule.ai/llm-billing-mode", "byok"));
        assertThat(facts.nonEmptyKeys()).containsExactlyInAnyOrder("LLM_PROVIDER", "MODEL", "OPENAI_API_KEY");
        assertThat(facts.toString()).doesNotContain(SEED);
    }

    @Test
    void stringData_wins_over_data_as_the_api_server_folds_it() {
        Secret secret = new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets").endMetadata()
                .addToData("LLM_PROVIDER", b64("openai"))
                .addToData("OPENAI_API_KEY", b64(SEED))
                .addToStringData("LLM_PROVIDER", "platform")
                .addToStringData("OPENAI_API_KEY", "  ")
                .addToStringData("KIMI_API_KEY", "kimi-key")
                .build();

        WorkspaceSecret facts = SecretFacts.from(secret, CONFIG);

        assertThat(facts.provider()).isEqualTo("platform");
        assertThat(facts.nonEmptyKeys()).containsExactlyInAnyOrder("LLM_PROVIDER", "KIMI_API_KEY");
    }

    @Test
    void the_last_applied_annotation_is_dropped_because_it_holds_the_values() {
        Secret secret = new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets")
                .addToAnnotations(SecretFacts.LAST_APPLIED, "{\"stringData\":{\"OPENAI_API_KEY\":\"" + SEED + "\"}}")
                .addToAnnotations("other", "kept").endMetadata()
                .build();

        assertThat(SecretFacts.from(secret, CONFIG).annotations()).containsExactly(Map.entry("other", "kept"));
    }

    @Test
    void undecodable_data_names_the_key_and_never_the_value() {
        Secret secret = new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets").endMetadata()
                .addToData("OPENAI_API_KEY", SEED + "!*")
                .build();

        assertThatThrownBy(() -> SecretFacts.from(secret, CONFIG))
                .isInstanceOf(SecretFacts.UndecodableValueException.class)
                .hasMessage("data.OPENAI_API_KEY is not valid base64")
                .hasNoCause();
    }

    @Test
    void no_data_at_all_is_an_empty_secret() {
        Secret secret = new SecretBuilder().withNewMetadata().withNamespace("n").withName("s").endMetadata().build();

        WorkspaceSecret facts = SecretFacts.from(secret, CONFIG);

        assertThat(facts.provider()).isNull();
        assertThat(facts.nonEmptyKeys()).isEmpty();
    }
}
