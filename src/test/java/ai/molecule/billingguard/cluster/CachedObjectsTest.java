package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static ai.molecule.billingguard.cluster.SecretFactsTest.SEED;
import static ai.molecule.billingguard.cluster.SecretFactsTest.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachedObjectsTest {
    static final KubernetesSerialization JSON = new KubernetesSerialization();

    static Secret workspaceSecret() {
        return workspaceSecret("ws-1-secrets", "1");
    }

    static Secret workspaceSecret(String name, String id) {
        return new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName(name).withResourceVersion("7")
                .withUid("u-1").addToLabels("molecule.ai/workspace-id", id).addToLabels("app", "molecule")
                .addToAnnotations("molecule.ai/llm-billing-mode", "byok")
                .addToAnnotations("note", SEED)
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

    final CachedObjects.Reducer reducer = new CachedObjects.Reducer(CONFIG);

    CachedObjects.WorkspaceSecretEntry keep(Secret secret) {
        return reducer.workspaceSecret(Cache.metaNamespaceKeyFunc(secret), secret);
    }

    static String[] components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toArray(String[]::new);
    }

    @Test
    void the_cache_keeps_exactly_the_documented_fields_and_nothing_else() {
        // docs/design.md "Cluster facts from a live cluster" lists these; a new field is a design change.
        assertThat(components(CachedObjects.WorkspaceSecretEntry.class)).containsExactly("key", "namespace",
                "workspaceId", "provider", "model", "keys", "billingMode", "undecodableKey", "resourceVersion");
        assertThat(components(CachedObjects.KeyNames.class)).containsExactly("all", "nonEmpty");
        assertThat(components(CachedObjects.PlatformSecretEntry.class)).containsExactly("key", "resourceVersion");
        assertThat(components(CachedObjects.NamespaceEntry.class)).containsExactly("name", "billingMode", "guarded", "resourceVersion");
    }

    @Test
    void a_cached_workspace_secret_keeps_names_provider_model_key_names_and_the_mode_but_no_value() {
        CachedObjects.WorkspaceSecretEntry cached = keep(workspaceSecret());

        assertThat(cached.key()).isEqualTo("team-a/ws-1-secrets");
        assertThat(cached.name()).isEqualTo("ws-1-secrets");
        assertThat(cached.namespace()).isEqualTo("team-a");
        assertThat(cached.workspaceId()).isEqualTo("1");
        assertThat(cached.provider()).isEqualTo("openai");
        assertThat(cached.model()).isEqualTo("gpt-5.4");
        assertThat(cached.keys().all()).containsExactlyInAnyOrder("LLM_PROVIDER", "MODEL", "OPENAI_API_KEY", "BLANK", "HF_TOKEN");
        assertThat(cached.keys().nonEmpty()).containsExactlyInAnyOrder("LLM_PROVIDER", "MODEL", "OPENAI_API_KEY", "HF_TOKEN");
        assertThat(cached.billingMode()).isEqualTo("byok");
        assertThat(cached.resourceVersion()).isEqualTo("7");
        assertThat(JSON.asJson(cached)).doesNotContain(SEED).doesNotContain(b64(SEED));
        assertThat(cached.toString()).doesNotContain(SEED).doesNotContain(b64(SEED));
    }

    @Test
    void the_cached_secret_gives_the_decision_the_same_facts_as_the_original() {
        Secret original = workspaceSecret();
        WorkspaceSecret live = SecretFacts.from(original, CONFIG);

        WorkspaceSecret cached = keep(original).toWorkspaceSecret(CONFIG);

        // All but the annotations the decision does not read.
        assertThat(cached).isEqualTo(new WorkspaceSecret(live.namespace(), live.name(),
                Map.of("molecule.ai/llm-billing-mode", "byok"), Optional.of("1"), live.provider(), live.model(),
                live.keys(), live.nonEmptyKeys()));
    }

    @Test
    void secrets_of_the_same_shape_share_their_key_names_and_values() {
        CachedObjects.WorkspaceSecretEntry one = keep(workspaceSecret("ws-1-secrets", "1"));
        CachedObjects.WorkspaceSecretEntry two = keep(workspaceSecret("ws-2-secrets", "2"));

        assertThat(two.keys()).isSameAs(one.keys());
        assertThat(two.namespace()).isSameAs(one.namespace());
        assertThat(two.provider()).isSameAs(one.provider());
        assertThat(two.model()).isSameAs(one.model());
        assertThat(two.billingMode()).isSameAs(one.billingMode());
    }

    @Test
    void the_interner_stops_growing_at_its_limit() {
        CachedObjects.Interner interner = new CachedObjects.Interner();
        String first = interner.intern(new String("value-0"));
        for (int i = 1; i < CachedObjects.Interner.LIMIT + 100; i++) {
            interner.intern("value-" + i);
        }
        String late = new String("value-" + (CachedObjects.Interner.LIMIT + 50));

        assertThat(interner.intern(late)).isSameAs(late); // kept as it came, not stored
        assertThat(interner.intern(new String("value-0"))).isSameAs(first); // shared, as before the limit
    }

    @Test
    void an_undecodable_value_fails_the_lookup_by_key_name_without_keeping_the_value() {
        Secret bad = new SecretBuilder().withNewMetadata().withNamespace("n").withName("s").endMetadata()
                .addToData("OPENAI_API_KEY", SEED + "*").build();

        CachedObjects.WorkspaceSecretEntry cached = keep(bad);

        assertThat(cached.undecodableKey()).isEqualTo("OPENAI_API_KEY");
        assertThatThrownBy(() -> cached.toWorkspaceSecret(CONFIG)).isInstanceOf(SecretFacts.UndecodableValueException.class)
                .hasMessage("data.OPENAI_API_KEY is not valid base64");
        assertThat(JSON.asJson(cached)).doesNotContain(SEED);
    }

    @Test
    void a_cached_platform_secret_keeps_its_name_only() {
        Secret platform = new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("shared")
                .withResourceVersion("9").addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                .addToData("CLAUDE_CODE_OAUTH_TOKEN", b64(SEED)).addToStringData("X", SEED).build();

        CachedObjects.PlatformSecretEntry cached = reducer.platformSecret("team-a/shared", platform);

        assertThat(cached).isEqualTo(new CachedObjects.PlatformSecretEntry("team-a/shared", "9"));
        assertThat(CachedObjects.view(cached).getMetadata().getNamespace()).isEqualTo("team-a");
        assertThat(CachedObjects.view(cached).getMetadata().getName()).isEqualTo("shared");
    }

    @Test
    void a_cached_namespace_keeps_its_name_billing_mode_and_whether_it_is_guarded() {
        Namespace ns = new NamespaceBuilder().withNewMetadata().withName("team-a").withResourceVersion("3")
                .addToAnnotations("molecule.ai/llm-billing-mode", "disabled").addToAnnotations("other", "x")
                .addToLabels("molecule.ai/billing-guard", "enabled").addToLabels("team", "a").endMetadata()
                .withNewSpec().addToFinalizers("kubernetes").endSpec().build();

        CachedObjects.NamespaceEntry cached = reducer.namespace("team-a", ns);

        assertThat(cached).isEqualTo(new CachedObjects.NamespaceEntry("team-a", "disabled", true, "3"));
        assertThat(cached.toNamespaceInfo(CONFIG).annotations()).containsExactly(Map.entry("molecule.ai/llm-billing-mode", "disabled"));
    }

    @Test
    void a_namespace_is_guarded_only_with_the_guard_label_and_its_value_and_while_it_is_not_being_deleted() {
        for (Map<String, String> labels : List.of(Map.<String, String>of(), Map.of("molecule.ai/billing-guard", "disabled"),
                Map.of("molecule.ai/billing-guard", "Enabled"), Map.of("billing-guard", "enabled"))) {
            Namespace ns = new NamespaceBuilder().withNewMetadata().withName("n").withLabels(labels).endMetadata().build();
            assertThat(reducer.namespace("n", ns).guarded()).as("labels %s", labels).isFalse();
        }
        Namespace unlabelled = new NamespaceBuilder().withNewMetadata().withName("n").endMetadata().build();
        assertThat(reducer.namespace("n", unlabelled).guarded()).isFalse();
        Namespace terminating = new NamespaceBuilder().withNewMetadata().withName("n").withDeletionTimestamp("2026-01-01T00:00:00Z")
                .addToLabels("molecule.ai/billing-guard", "enabled").endMetadata().build();
        assertThat(reducer.namespace("n", terminating).guarded()).as("being deleted").isFalse();
    }

    @Test
    void the_store_tells_every_key_put_or_removed_after_it_holds_the_change() {
        List<String> told = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<CompactStore<Secret, CachedObjects.WorkspaceSecretEntry>> store =
                new java.util.concurrent.atomic.AtomicReference<>();
        store.set(new CompactStore<>(reducer::workspaceSecret, CachedObjects::view,
                key -> told.add(key + (store.get().entry(key) == null ? " gone" : " held"))));

        store.get().put("team-a/ws-1-secrets", workspaceSecret());
        store.get().remove("team-a/ws-1-secrets");
        store.get().remove("team-a/never-there");

        assertThat(told).containsExactly("team-a/ws-1-secrets held", "team-a/ws-1-secrets gone");
    }

    @Test
    void the_informer_gets_back_name_namespace_and_resource_version_for_its_bookkeeping() {
        CompactStore<Secret, CachedObjects.WorkspaceSecretEntry> store =
                new CompactStore<>(reducer::workspaceSecret, CachedObjects::view);

        assertThat(store.put("team-a/ws-1-secrets", workspaceSecret())).isNull();
        Secret replaced = store.put("team-a/ws-1-secrets", workspaceSecret());
        Secret view = store.get("team-a/ws-1-secrets");

        assertThat(replaced.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(store.getKey(view)).isEqualTo("team-a/ws-1-secrets");
        assertThat(view.getData()).isNullOrEmpty();
        assertThat(view.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(store.keySet()).containsExactly("team-a/ws-1-secrets");
        assertThat(store.values()).hasSize(1);
        assertThat(store.remove("team-a/ws-1-secrets").getMetadata().getName()).isEqualTo("ws-1-secrets");
        assertThat(store.size()).isZero();
        assertThat(Set.copyOf(store.entries())).isEmpty();
    }
}
