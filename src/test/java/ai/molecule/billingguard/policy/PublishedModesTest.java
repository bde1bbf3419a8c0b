package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** The data of a namespace's modes ConfigMap, computed from cached facts without a server. */
class PublishedModesTest {
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();
    static final String ANNOTATION = "molecule.ai/llm-billing-mode";
    static final NamespaceInfo PLAIN = new NamespaceInfo("team-a", Map.of());
    final PublishedModes modes = new PublishedModes(CONFIG, Optional.of("molecule-system"));

    static WorkspaceSecret secret(String name, String id, String provider, String model, Map<String, String> annotations,
                                  String... keys) {
        return new WorkspaceSecret("team-a", name, annotations, Optional.ofNullable(id), provider, model, Set.of(keys), Set.of(keys));
    }

    static WorkspaceSecret secret(String id, String provider, String model) {
        return secret("ws-" + id + "-secrets", id, provider, model, Map.of());
    }

    @Test
    void each_workspace_secret_named_after_its_own_id_publishes_its_resolved_mode() {
        var data = modes.data(PLAIN, List.of(
                secret("1", "openai", null),
                secret("2", " Platform ", null),
                secret("3", null, "gpt-5.4"),
                secret("ws-4-secrets", "4", null, null, Map.of(ANNOTATION, "disabled")),
                secret("5", null, null)), List.of());

        assertThat(data).containsExactly(entry("1", "byok"), entry("2", "platform_managed"), entry("3", "byok"),
                entry("4", "disabled"), entry("5", "platform_managed"));
    }

    @Test
    void a_secret_labelled_for_a_workspace_but_not_named_after_it_publishes_nothing() {
        var data = modes.data(PLAIN, List.of(
                secret("ws-2-secrets", "3", "openai", null, Map.of()),
                secret("shared", "4", "platform", null, Map.of()),
                secret("ws-5-secrets", null, "openai", null, Map.of())), List.of());

        assertThat(data).isEmpty();
    }

    @Test
    void without_a_provider_or_an_override_the_namespace_org_default_answers() {
        NamespaceInfo byokOrg = new NamespaceInfo("team-a", Map.of(ANNOTATION, "byok"));

        assertThat(modes.data(byokOrg, List.of(secret("1", null, null), secret("2", "platform", null)), List.of()))
                .containsExactly(entry("1", "byok"), entry("2", "platform_managed"));
    }

    @Test
    void without_a_runtime_derivation_tries_the_default_runtime_then_every_runtime() {
        // openai/gpt-5.4 is a platform model id of codex only; claude-sonnet-4-6 derives anthropic-api.
        var data = modes.data(PLAIN, List.of(secret("1", null, "openai/gpt-5.4"), secret("2", null, "claude-sonnet-4-6"),
                secret("3", null, "anthropic/claude-opus-4-7")), List.of());

        assertThat(data).containsExactly(entry("1", "platform_managed"), entry("2", "byok"), entry("3", "platform_managed"));
    }

    @Test
    void label_only_platform_secrets_are_listed_sorted_under_the_reserved_key() {
        var data = modes.data(PLAIN, List.of(secret("1", "openai", null)),
                List.of("zeta-llm", "molecule-platform-llm", "alpha-llm"));

        assertThat(data).containsExactly(entry("1", "byok"), entry(PublishedModes.PLATFORM_SECRETS_KEY, "alpha-llm,zeta-llm"));
        assertThat(modes.data(PLAIN, List.of(), List.of("molecule-platform-llm"))).isEmpty();
    }

    @Test
    void the_reserved_key_cannot_be_a_workspace_id() {
        // A workspace id is a label value, which starts with a letter or a digit.
        assertThat(PublishedModes.PLATFORM_SECRETS_KEY).doesNotMatch("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
        var data = modes.data(PLAIN, List.of(secret("_platform-secrets", "platform", null)), List.of("x"));
        assertThat(data).containsEntry(PublishedModes.PLATFORM_SECRETS_KEY, "x");
    }

    @Test
    void only_guarded_namespaces_other_than_kube_system_and_billing_guards_own_get_a_configmap() {
        assertThat(modes.publishes("team-a", true)).isTrue();
        assertThat(modes.publishes("team-a", false)).isFalse();
        assertThat(modes.publishes("kube-system", true)).isFalse();
        assertThat(modes.publishes("molecule-system", true)).isFalse();
        assertThat(new PublishedModes(CONFIG, Optional.empty()).publishes("molecule-system", true)).isTrue();
        assertThat(new PublishedModes(CONFIG, Optional.of("")).publishes("team-a", true)).isTrue();
    }

    @Test
    void a_namespace_is_guarded_by_the_configured_label_and_value() {
        assertThat(PublishedModes.guarded(CONFIG, Map.of("molecule.ai/billing-guard", "enabled"))).isTrue();
        assertThat(PublishedModes.guarded(CONFIG, Map.of("molecule.ai/billing-guard", "true"))).isFalse();
        assertThat(PublishedModes.guarded(CONFIG, Map.of())).isFalse();
        assertThat(PublishedModes.guarded(CONFIG, null)).isFalse();
    }

    @Test
    void the_data_holds_ids_modes_and_secret_names_only() {
        var data = modes.data(new NamespaceInfo("team-a", Map.of(ANNOTATION, "nonsense")), List.of(
                secret("ws-1-secrets", "1", "openai", "gpt-5.4", Map.of(ANNOTATION, "garbage"), "OPENAI_API_KEY"),
                secret("2", null, null)), List.of("shared-llm"));

        assertThat(data.keySet()).containsExactly("1", "2", PublishedModes.PLATFORM_SECRETS_KEY);
        assertThat(data.values()).containsExactly("byok", "platform_managed", "shared-llm");
    }
}
