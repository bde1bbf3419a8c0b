package ai.molecule.billingguard.cluster;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static ai.molecule.billingguard.cluster.SecretFactsTest.SEED;
import static ai.molecule.billingguard.cluster.SecretFactsTest.b64;
import static org.assertj.core.api.Assertions.assertThat;

class CachedObjectsTest {
    static final KubernetesSerialization JSON = new KubernetesSerialization();

    static Secret workspaceSecret() {
        return new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets").withResourceVersion("7")
                .withUid("u-1").addToLabels("molecule.ai/workspace-id", "1")
                .addToAnnotations("molecule.ai/llm-billing-mode", "byok")
                .addToAnnotations(SecretFacts.LAST_APPLIED, "{\"data\":{\"OPENAI_API_KEY\":\"" + b64(SEED) + "\"}}")
                .withManagedFields(new io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder().withManager("kubectl").build())
                .endMetadata()
                .withType("Opaque")
                .addToData("LLM_PROVIDER", b64("openai"))
                .addToData("MODEL", b64("gpt-5.4"))
                .addToData("OPENAI_API_KEY", b64(SEED))
                .addToData("BLANK", b64("  "))
                .addToStringData("HF_TOKEN", SEED)
                .build();
    }

    @Test
    void a_cached_workspace_secret_keeps_provider_and_model_and_placeholders_for_the_rest() {
        Secret cached = CachedObjects.workspaceSecret(workspaceSecret(), CONFIG);

        assertThat(cached.getData()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "LLM_PROVIDER", b64("openai"),
                "MODEL", b64("gpt-5.4"),
                "OPENAI_API_KEY", CachedObjects.PLACEHOLDER,
                "HF_TOKEN", CachedObjects.PLACEHOLDER,
                "BLANK", ""));
        assertThat(cached.getStringData()).isNullOrEmpty();
        assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(cached.getMetadata().getLabels()).containsEntry("molecule.ai/workspace-id", "1");
        assertThat(cached.getMetadata().getAnnotations()).containsOnlyKeys("molecule.ai/llm-billing-mode");
        assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
        String json = JSON.asJson(cached);
        assertThat(json).doesNotContain(SEED).doesNotContain(b64(SEED));
    }

    @Test
    void the_cached_secret_gives_the_same_facts_as_the_original() {
        Secret original = workspaceSecret();

        assertThat(SecretFacts.from(CachedObjects.workspaceSecret(original, CONFIG), CONFIG))
                .isEqualTo(SecretFacts.from(original, CONFIG));
    }

    @Test
    void an_undecodable_value_stays_undecodable_without_its_value() {
        Secret bad = new SecretBuilder().withNewMetadata().withNamespace("n").withName("s").endMetadata()
                .addToData("OPENAI_API_KEY", SEED + "*").build();

        Secret cached = CachedObjects.workspaceSecret(bad, CONFIG);

        assertThat(cached.getData()).containsExactly(Map.entry("OPENAI_API_KEY", CachedObjects.NOT_BASE64));
        assertThat(JSON.asJson(cached)).doesNotContain(SEED);
    }

    @Test
    void a_cached_platform_secret_keeps_no_data() {
        Secret platform = new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("shared")
                .addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                .addToData("CLAUDE_CODE_OAUTH_TOKEN", b64(SEED)).addToStringData("X", SEED).build();

        Secret cached = CachedObjects.platformSecret(platform);

        assertThat(cached.getMetadata().getName()).isEqualTo("shared");
        assertThat(cached.getData()).isNullOrEmpty();
        assertThat(cached.getStringData()).isNullOrEmpty();
        assertThat(JSON.asJson(cached)).doesNotContain(SEED).doesNotContain(b64(SEED));
    }

    @Test
    void a_cached_namespace_keeps_its_annotations() {
        Namespace ns = new NamespaceBuilder().withNewMetadata().withName("team-a").withResourceVersion("3")
                .addToAnnotations("molecule.ai/llm-billing-mode", "disabled").endMetadata()
                .withNewSpec().addToFinalizers("kubernetes").endSpec().build();

        Namespace cached = CachedObjects.namespace(ns);

        assertThat(cached.getMetadata().getAnnotations()).containsEntry("molecule.ai/llm-billing-mode", "disabled");
        assertThat(cached.getSpec()).isNull();
    }
}
