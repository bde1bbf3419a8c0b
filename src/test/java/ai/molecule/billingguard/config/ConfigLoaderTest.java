package ai.molecule.billingguard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

public class ConfigLoaderTest {
    @TempDir
    Path dir;

    /** A policy config with the given catalog text, for tests of other classes. */
    public static PolicyConfig withCatalog(String catalogYaml) {
        Path file = null;
        try {
            file = Files.createTempFile("catalog", ".yaml");
            Files.writeString(file, catalogYaml);
            return ConfigLoader.load(Map.of(Knob.CATALOG, file.toString()), Optional.empty(), Map.of()).policy();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                file.toFile().delete(); // read at once: tests leave nothing behind in /tmp
            }
        }
    }

    @Test
    void defaults_follow_the_spec_vocabulary() {
        Config c = ConfigLoader.defaults();
        PolicyConfig p = c.policy();
        assertThat(c.server().port()).isEqualTo(8443);
        assertThat(c.server().opsPort()).isEqualTo(8080);
        assertThat(p.workspaceIdLabel()).isEqualTo("molecule.ai/workspace-id");
        assertThat(p.runtimeLabel()).isEqualTo("molecule.ai/runtime");
        assertThat(p.defaultRuntime()).isEqualTo("claude-code");
        assertThat(p.workspaceSecretName("abc")).isEqualTo("ws-abc-secrets");
        assertThat(p.platformSecretNames()).containsExactly("molecule-platform-llm");
        assertThat(p.secretScopeLabel()).isEqualTo("molecule.ai/secret-scope");
        assertThat(p.llmCredentialNames()).hasSize(23).contains("CLAUDE_CODE_OAUTH_TOKEN", "ZAI_API_KEY");
        assertThat(p.proxyNames()).containsExactlyInAnyOrder("MOLECULE_LLM_USAGE_TOKEN", "MOLECULE_LLM_BASE_URL",
                "MOLECULE_LLM_ANTHROPIC_BASE_URL", "MOLECULE_LLM_USAGE_URL");
        assertThat(p.catalog().all()).extracting(Provider::name).containsExactly("platform", "anthropic-api",
                "anthropic-oauth", "openai", "kimi-coding", "moonshot", "minimax", "zai", "deepseek", "google",
                "alibaba", "openrouter", "huggingface");
        assertThat(p.catalog().forRuntime("claude-code")).extracting(Provider::name)
                .containsExactlyInAnyOrder("anthropic-oauth", "anthropic-api", "kimi-coding", "minimax", "platform");
        assertThat(p.catalog().forRuntime("codex")).extracting(Provider::name).containsExactlyInAnyOrder("openai", "platform");
        assertThat(p.catalog().find("minimax").orElseThrow().authEnv())
                .containsExactly("MINIMAX_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY");
    }

    @Test
    void flag_beats_environment_beats_file() throws IOException {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, "server:\n  port: 9000\n  opsPort: 9001\nreview:\n  output: yaml\n");
        Config fromFile = ConfigLoader.load(Map.of(), Optional.of(file), Map.of());
        assertThat(fromFile.server().port()).isEqualTo(9000);
        assertThat(fromFile.review().output()).isEqualTo(Output.YAML);
        Config fromEnv = ConfigLoader.load(Map.of(), Optional.empty(),
                Map.of("BILLING_GUARD_CONFIG", file.toString(), "BILLING_GUARD_PORT", "9100"));
        assertThat(fromEnv.server().port()).isEqualTo(9100);
        assertThat(fromEnv.server().opsPort()).isEqualTo(9001);
        Config fromFlag = ConfigLoader.load(Map.of(Knob.PORT, "9200"), Optional.of(file), Map.of("BILLING_GUARD_PORT", "9100"));
        assertThat(fromFlag.server().port()).isEqualTo(9200);
    }

    @Test
    void every_problem_is_reported_at_once() throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                server:
                  port: 70000
                  tlsCert: /nonexistent/cert.pem
                  colour: blue
                workspace:
                  secretName: secrets
                review:
                  output: xml
                """);
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(Map.of(Knob.OPS_PORT, "eighty"), Optional.of(file), Map.of()));
        assertThat(e.problems()).hasSize(7).anySatisfy(p -> assertThat(p).contains("unknown key 'server.colour'"))
                .anySatisfy(p -> assertThat(p).contains("must be given together"))
                .anySatisfy(p -> assertThat(p).contains("server.port must be a port number"))
                .anySatisfy(p -> assertThat(p).contains("--ops-port: 'eighty' is not a whole number"))
                .anySatisfy(p -> assertThat(p).contains("/nonexistent/cert.pem does not exist"))
                .anySatisfy(p -> assertThat(p).contains("workspace.secretName must contain {id}"))
                .anySatisfy(p -> assertThat(p).contains("review.output (-o) must be one of text, json, yaml"));
    }

    @Test
    void a_bad_catalog_lists_every_broken_provider() throws IOException {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, """
                providers:
                  - {name: a, modelPattern: "^(unclosed", authEnv: [A_KEY]}
                  - {name: b, modelPattern: "^b", authEnv: []}
                  - {modelPattern: "^c", authEnv: [C]}
                  - {name: a, modelPattern: "^a", authEnv: [A], colour: red}
                """);
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(Map.of(Knob.CATALOG, catalog.toString()), Optional.empty(), Map.of()));
        assertThat(e.problems()).hasSize(5).anySatisfy(p -> assertThat(p).contains("(a): modelPattern '^(unclosed' is not a valid regex"))
                .anySatisfy(p -> assertThat(p).contains("(b): 'authEnv' must list at least one key name"))
                .anySatisfy(p -> assertThat(p).contains("providers[2]: 'name' is required"))
                .anySatisfy(p -> assertThat(p).contains("(a): duplicate provider name"))
                .anySatisfy(p -> assertThat(p).contains("unknown key 'colour'"));
    }

    @Test
    void lists_come_from_files_and_comma_separated_variables() throws IOException {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, "platformCredentials:\n  secretNames: [a, b]\n");
        assertThat(ConfigLoader.load(Map.of(), Optional.of(file), Map.of()).policy().platformSecretNames())
                .containsExactly("a", "b");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Optional.of(dir.resolve("missing.yaml")), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml: cannot read");
        Files.writeString(file, "platformCredentials:\n  secretNames: {a: b}\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Optional.of(file), Map.of()))
                .hasMessageContaining("'platformCredentials.secretNames' must be a list of strings");
    }

    @Test
    void an_extra_catalog_adds_providers_and_replaces_same_named_ones() throws IOException {
        Path extra = dir.resolve("extra.yaml");
        Files.writeString(extra, """
                providers:
                  - {name: mistral, modelPattern: "^mistral-", authEnv: [MISTRAL_API_KEY], runtimes: [hermes]}
                  - {name: openai, modelPattern: "^(gpt|o)[0-9-]", authEnv: [OPENAI_API_KEY], runtimes: [codex, hermes]}
                """);
        ProviderCatalog catalog = ConfigLoader.load(Map.of(Knob.CATALOG_EXTRA, extra.toString()), Optional.empty(),
                Map.of()).policy().catalog();
        assertThat(catalog.all()).extracting(Provider::name).startsWith("platform", "anthropic-api", "anthropic-oauth",
                "openai").endsWith("huggingface", "mistral").hasSize(14);
        assertThat(catalog.find("openai").orElseThrow().runtimes()).containsExactlyInAnyOrder("codex", "hermes");
        assertThat(catalog.forRuntime("hermes")).extracting(Provider::name)
                .containsExactlyInAnyOrder("platform", "kimi-coding", "openai", "mistral");
    }

    @Test
    void the_newer_knobs_have_safe_defaults_and_are_checked_together() throws IOException {
        Config c = ConfigLoader.defaults();
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(ConfigLoader.load(Map.of(Knob.DEV, "true"), Optional.empty(), Map.of()).server().host())
                .isEqualTo("127.0.0.1");
        assertThat(ConfigLoader.load(Map.of(Knob.DEV, "true", Knob.HOST, "0.0.0.0"), Optional.empty(), Map.of())
                .server().host()).isEqualTo("0.0.0.0");
        assertThat(c.cluster().lookupDeadline()).hasMillis(2000);
        assertThat(c.cluster().watchNamespaces()).isEmpty();
        assertThat(c.policy().trustedCreators()).isEmpty();
        assertThat(c.audit().interval()).isZero();
        assertThat(c.selfManaged().enabled()).isFalse();
        assertThat(c.modes().publish()).isFalse();
        assertThat(c.modes().configMapName()).isEqualTo("billing-guard-modes");
        assertThat(c.policy().guardedNamespaceLabel()).isEqualTo("molecule.ai/billing-guard");
        assertThat(ConfigLoader.load(Map.of(), Optional.empty(),
                Map.of("BILLING_GUARD_TRUST_WORKSPACE_POD_CREATORS", "alice, group:ops,system:serviceaccount:molecule:*"))
                .policy().trustedCreators()).containsExactly("alice", "group:ops", "system:serviceaccount:molecule:*");

        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                facts:
                  lookupDeadlineMillis: 50
                  watchNamespaces: [team-a, Team_B]
                selfManaged:
                  validityDays: 30
                  renewBeforeDays: 30
                trust:
                  workspacePodCreators: ["system:serviceaccount:only-namespace"]
                limits:
                  maxPodItems: 5
                audit:
                  output: html
                """);
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(Map.of(), Optional.of(file), Map.of()));
        assertThat(e.problems()).hasSize(6)
                .anySatisfy(p -> assertThat(p).contains("facts.lookupDeadlineMillis (--lookup-deadline-ms) must be between"))
                .anySatisfy(p -> assertThat(p).contains("'Team_B' is not a namespace name"))
                .anySatisfy(p -> assertThat(p).contains("selfManaged.renewBeforeDays must be at least 1 and less than"))
                .anySatisfy(p -> assertThat(p).contains("must read system:serviceaccount:NAMESPACE:NAME"))
                .anySatisfy(p -> assertThat(p).contains("limits.maxPodItems must be between"))
                .anySatisfy(p -> assertThat(p).contains("audit.output (-o) must be one of"));
    }
}
