package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;


import static org.assertj.core.api.Assertions.assertThat;

/** The resolution chain as a table: one row per rung and per edge the seed names. */
class ResolverTest {
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();
    static final String ANNOTATION = "molecule.ai/llm-billing-mode";
    static final Optional<String> CLAUDE = Optional.of("claude-code");
    final Resolver resolver = new Resolver(CONFIG);

    static WorkspaceSecret secret(String provider, String model, String override, String... keys) {
        Map<String, String> annotations = new HashMap<>();
        if (override != null) {
            annotations.put(ANNOTATION, override);
        }
        return new WorkspaceSecret("ns", "ws-1-secrets", annotations, Optional.of("1"), provider, model, Set.of(keys), Set.of(keys));
    }

    static Lookup<NamespaceInfo> namespace(String orgDefault) {
        return orgDefault == null ? Lookup.found(new NamespaceInfo("ns", Map.of()))
                : Lookup.found(new NamespaceInfo("ns", Map.of(ANNOTATION, orgDefault)));
    }

    @ParameterizedTest(name = "provider={0} model={1} runtime={2} override={3} org={4} -> {5} {6} {7}")
    @CsvSource(nullValues = "-", value = {
            // provider selection (rung 1)
            "openai,          -,                       claude-code, -,        platform_managed, byok,             openai,          provider-secret",
            "' OpenAI ',      -,                       claude-code, -,        -,                byok,             openai,          provider-secret",
            "platform,        -,                       claude-code, byok,     byok,             platform_managed, platform,        provider-secret",
            "PLATFORM_MANAGED,-,                       claude-code, -,        -,                platform_managed, platform,        provider-secret",
            "some-new-vendor, -,                       claude-code, -,        -,                byok,             some-new-vendor, provider-secret",
            "'  ',            -,                       claude-code, disabled, -,                disabled,         -,               workspace-override",
            // derived provider (rung 2)
            "-,               anthropic/claude-opus-4-7,claude-code,-,        byok,             platform_managed, platform,        derived-provider",
            "-,               claude-sonnet-4-6,       claude-code, -,        -,                byok,             anthropic-api,   derived-provider",
            "-,               opus,                    claude-code, -,        -,                byok,             anthropic-oauth, derived-provider",
            "-,               opus-4,                  claude-code, -,        -,                platform_managed, -,               closed-default",
            "-,               gpt-5.4,                 codex,       -,        -,                byok,             openai,          derived-provider",
            "-,               openai/gpt-5.4,          codex,       -,        -,                platform_managed, platform,        derived-provider",
            // the runtime label is the pod's: without a unique match for it, every runtime's providers answer
            "-,               openai/gpt-5.4,          claude-code, -,        -,                platform_managed, platform,        derived-provider",
            "-,               gpt-5.4,                 claude-code, platform_managed, -,        byok,             openai,          derived-provider",
            "-,               gpt-5.4,                 -,           -,        -,                byok,             openai,          derived-provider",
            "-,               gpt-5.4,                 bogus,       -,        -,                byok,             openai,          derived-provider",
            "-,               claude-sonnet-4-6,       codex,       -,        -,                byok,             anthropic-api,   derived-provider",
            "-,               deepseek-chat,           -,           byok,     -,                byok,             -,               workspace-override",
            "-,               kimi-k2,                 openclaw,    -,        -,                byok,             kimi-coding,     derived-provider",
            "-,               GLM-4.6,                 claude-code, -,        disabled,         disabled,         -,               org-default",
            "-,               platform/x,              unknown-rt,  -,        -,                platform_managed, platform,        derived-provider",
            // overrides (rungs 3 and 4), closed default (rung 5)
            "-,               -,                       claude-code, BYOK,     platform_managed, byok,             -,               workspace-override",
            "-,               -,                       claude-code, bogus,    byok,             byok,             -,               org-default",
            "-,               -,                       claude-code, -,        bogus,            platform_managed, -,               closed-default",
            "-,               -,                       claude-code, -,        -,                platform_managed, -,               closed-default",
    })
    void the_first_rung_that_answers_wins(String provider, String model, String runtime, String override,
                                          String orgDefault, String mode, String resolvedProvider, String source) {
        Resolution r = resolver.resolve(Optional.ofNullable(runtime), Lookup.found(secret(provider, model, override)),
                namespace(orgDefault));
        assertThat(r.mode().wire()).isEqualTo(mode);
        assertThat(r.provider()).isEqualTo(Optional.ofNullable(resolvedProvider));
        assertThat(r.source().wire()).isEqualTo(source);
        assertThat(r.failure()).isEmpty();
    }

    @Test
    void a_vendor_selection_overrides_an_org_default_of_platform_managed() {
        Resolution r = resolver.resolve(CLAUDE, Lookup.found(secret("minimax", null, null)),
                namespace("platform_managed"));
        assertThat(r.mode()).isEqualTo(BillingMode.BYOK);
        assertThat(r.providerLabel()).isEqualTo("minimax");
    }

    @Test
    void a_secret_read_error_gives_platform_managed_and_carries_the_error() {
        Resolution r = resolver.resolve(CLAUDE, Lookup.failed("Secret ns/ws-1-secrets", "timeout"), namespace("byok"));
        assertThat(r.mode()).isEqualTo(BillingMode.PLATFORM_MANAGED);
        assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f.message())
                .isEqualTo("cannot read Secret ns/ws-1-secrets: timeout"));
    }

    @Test
    void without_a_workspace_secret_or_an_org_default_the_workspace_is_unknown() {
        Resolution r = resolver.resolve(CLAUDE, Lookup.absent(), namespace(null));
        assertThat(r.mode()).isEqualTo(BillingMode.PLATFORM_MANAGED);
        assertThat(r.source()).isEqualTo(Source.UNKNOWN_WORKSPACE);
        assertThat(r.unknownWorkspace()).isTrue();
        assertThat(resolver.resolve(CLAUDE, Lookup.absent(), Lookup.absent()).source()).isEqualTo(Source.UNKNOWN_WORKSPACE);
        assertThat(resolver.resolve(CLAUDE, Lookup.absent(), namespace("platform_managed")).source())
                .as("an org default answers for a workspace without secret").isEqualTo(Source.ORG_DEFAULT);
        assertThat(resolver.resolve(CLAUDE, Lookup.found(secret(null, null, null)), namespace(null)).source())
                .as("the closed default needs the workspace secret").isEqualTo(Source.CLOSED_DEFAULT);
    }

    @Test
    void a_namespace_error_matters_only_when_its_rung_is_reached() {
        Lookup<NamespaceInfo> broken = Lookup.failed("Namespace ns", "forbidden");
        assertThat(resolver.resolve(CLAUDE, Lookup.found(secret("openai", null, null)), broken).failure()).isEmpty();
        assertThat(resolver.resolve(CLAUDE, Lookup.absent(), broken).failure()).isPresent();
    }

    @Test
    void an_unknown_override_value_is_ignored_with_a_warning() {
        Resolution r = resolver.resolve(CLAUDE, Lookup.found(secret(null, null, "cheap")), namespace(null));
        assertThat(r.source()).isEqualTo(Source.CLOSED_DEFAULT);
        assertThat(r.warnings()).singleElement().asString().contains("\"cheap\"", "Secret ns/ws-1-secrets");
    }

    @Test
    void several_regex_matches_are_narrowed_by_the_keys_present() {
        // anthropic-api (^claude) and a custom provider (^claude-) both match; only one has its key present.
        String catalog = """
                providers:
                  - {name: anthropic-api, modelPattern: "^claude", authEnv: [ANTHROPIC_API_KEY], runtimes: [rt]}
                  - {name: bedrock, modelPattern: "^claude-", authEnv: [AWS_BEARER_TOKEN_BEDROCK], runtimes: [rt]}
                """;
        PolicyConfig config = ai.molecule.billingguard.config.ConfigLoaderTest.withCatalog(catalog);
        Resolver custom = new Resolver(config);
        assertThat(custom.derive(Optional.of("rt"), "claude-3", secret(null, "claude-3", null, "AWS_BEARER_TOKEN_BEDROCK")))
                .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("bedrock"));
        assertThat(custom.derive(Optional.of("rt"), "claude-3", secret(null, "claude-3", null))).isEmpty();
        assertThat(custom.derive(Optional.of("rt"), "claude-3", secret(null, "claude-3", null, "AWS_BEARER_TOKEN_BEDROCK",
                "ANTHROPIC_API_KEY"))).isEmpty();
        WorkspaceSecret presentButEmpty = new WorkspaceSecret("ns", "ws-1-secrets", Map.of(), Optional.of("1"), null, "claude-3",
                Set.of("AWS_BEARER_TOKEN_BEDROCK"), Set.of());
        assertThat(custom.derive(Optional.of("rt"), "claude-3", presentButEmpty)).as("present counts, even empty")
                .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("bedrock"));
        assertThat(custom.derive(Optional.of("rt"), "claudette", secret(null, "claudette", null)))
                .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("anthropic-api"));
    }
}
