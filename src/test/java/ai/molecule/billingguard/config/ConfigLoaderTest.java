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
        try {
            Path file = Files.createTempFile("catalog", ".yaml");
            Files.writeString(file, catalogYaml);
            return ConfigLoader.load(Map.of(Knob.CATALOG, file.toString()), Optional.empty(), Map.of()).policy();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void defaults_follow_the_spec_vocabulary() {
        Config c = ConfigLoader.defaults();
        PolicyConfig p = c.policy();
        assertThat(c.port()).isEqualTo(8443);
        assertThat(c.opsPort()).isEqualTo(8080);
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
        assertThat(fromFile.port()).isEqualTo(9000);
        assertThat(fromFile.output()).isEqualTo("yaml");
        Config fromEnv = ConfigLoader.load(Map.of(), Optional.empty(),
                Map.of("BILLING_GUARD_CONFIG", file.toString(), "BILLING_GUARD_PORT", "9100"));
        assertThat(fromEnv.port()).isEqualTo(9100);
        assertThat(fromEnv.opsPort()).isEqualTo(9001);
        Config fromFlag = ConfigLoader.load(Map.of(Knob.PORT, "9200"), Optional.of(file), Map.of("BILLING_GUARD_PORT", "9100"));
        assertThat(fromFlag.port()).isEqualTo(9200);
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
}
