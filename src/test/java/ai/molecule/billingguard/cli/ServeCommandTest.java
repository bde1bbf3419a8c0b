package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code serve} refuses to start on bad configuration or a busy port: one line each, exit code 2. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void a_bad_config_lists_every_problem_and_exits_2() {
        ReviewCommandTest.Run run = run("serve", "--port", "99999", "--ops-port", "http", "--tls-cert", "/nope/tls.crt");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines()).containsExactlyInAnyOrder(
                "billing-guard: config: server.port must be a port number (0-65535), got 99999",
                "billing-guard: config: --ops-port: 'http' is not a whole number",
                "billing-guard: config: server.tlsCert: /nope/tls.crt does not exist",
                "billing-guard: config: server.tlsCert and server.tlsKey (--tls-cert, --tls-key) must be given together");
    }

    @Test
    void serving_without_a_certificate_says_where_one_can_come_from() {
        ReviewCommandTest.Run run = run("serve", "--port", "0", "--ops-port", "0");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("billing-guard: serve needs --tls-cert and --tls-key, or --self-managed-tls in a "
                + "cluster (or --dev to try it with a throwaway certificate)\n");
    }

    @Test
    void contradicting_certificate_sources_are_refused() throws IOException {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
        Path key = Files.writeString(dir.resolve("tls.key"), "x");
        ReviewCommandTest.Run both = run("serve", "--self-managed-tls", "--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).isEqualTo("billing-guard: give --tls-cert and --tls-key, or --self-managed-tls, not both\n");

        ReviewCommandTest.Run dev = run("serve", "--dev", "--self-managed-tls");
        assertThat(dev.exit()).isEqualTo(2);
        assertThat(dev.err()).isEqualTo("billing-guard: --self-managed-tls needs a cluster; --dev serves a throwaway certificate\n");

        ReviewCommandTest.Run devFiles = run("serve", "--dev", "--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertThat(devFiles.exit()).isEqualTo(2);
        assertThat(devFiles.err()).isEqualTo(
                "billing-guard: --dev serves a throwaway certificate: give --tls-cert and --tls-key without --dev\n");
    }

    @Test
    void dev_with_a_missing_secrets_path_is_one_line() {
        ReviewCommandTest.Run run = run("serve", "--dev", "--port", "0", "--ops-port", "0", "--secrets", "/nope");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("facts.secrets: /nope does not exist").doesNotContain("Exception");
    }

    @Test
    void a_busy_port_is_one_line_naming_the_flag_that_moves_it() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String port = String.valueOf(taken.getLocalPort());

            ReviewCommandTest.Run ops = run("serve", "--dev", "--port", "0", "--ops-port", port);
            assertThat(ops.exit()).isEqualTo(2);
            assertThat(ops.err()).isEqualTo("billing-guard: port " + port + " is already in use (127.0.0.1:" + port
                    + "): choose another with --ops-port\n");

            ReviewCommandTest.Run webhook = run("serve", "--dev", "--port", port, "--ops-port", "0");
            assertThat(webhook.exit()).isEqualTo(2);
            assertThat(webhook.err()).isEqualTo("billing-guard: port " + port + " is already in use (127.0.0.1:" + port
                    + "): choose another with --port\n");
        }
    }

    @Test
    void the_built_in_examples_are_the_repository_examples_and_read_from_a_jar_too() throws Exception {
        Map<String, String> repository = contents(Path.of("examples/cluster"));
        assertThat(repository).containsOnlyKeys("namespaces.yaml", "platform-secrets.yaml", "workspace-secrets.yaml");

        // From target/classes, where the build copied them
        assertThat(DevMode.readBuiltIn(ServeCommandTest.class.getResource(DevMode.EXAMPLES + "cluster"), ServeCommandTest::contents))
                .isEqualTo(repository);
        DevMode.facts(Optional.empty(), ConfigLoader.defaults().policy()); // and they load as facts

        // From a jar, as java -jar runs it
        Path jar = dir.resolve("examples.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : repository.keySet()) {
                out.putNextEntry(new JarEntry("examples/cluster/" + name));
                out.write(repository.get(name).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        URL folder = URI.create("jar:" + jar.toUri() + "!/examples/cluster").toURL();
        assertThat(DevMode.readBuiltIn(folder, ServeCommandTest::contents)).isEqualTo(repository);
    }

    /** The files of a folder by name, with their text. */
    private static Map<String, String> contents(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            Map<String, String> contents = new TreeMap<>();
            for (Path file : files.toList()) {
                contents.put(file.getFileName().toString(), Files.readString(file));
            }
            return contents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void the_banner_urls_name_the_bound_address() {
        assertThat(DevMode.urlHost("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(DevMode.urlHost("0.0.0.0")).isEqualTo("localhost");
        assertThat(DevMode.urlHost("::1")).isEqualTo("[::1]");
    }
}
