package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.tls.ServingCertificates;
import ai.molecule.billingguard.tls.Trust;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** How {@code serve} starts, and refuses to, as a newcomer and an operator see it: a real child JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeStartupIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern CURL = Pattern.compile(
            "curl -s --cacert (\\S+) -H 'Content-Type: application/json' --data @(\\S+) (https://\\S+/mutate)");

    @TempDir
    Path tmp;
    private final List<ServeProcess> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(ServeProcess::close);
    }

    private ServeProcess serve(Map<String, String> env, String... args) throws IOException {
        ServeProcess process = ServeProcess.start(tmp, env, args);
        started.add(process);
        return process;
    }

    private Path quickStop() throws IOException {
        return Files.writeString(tmp.resolve("config.yaml"), "server:\n  drainSeconds: 0\n  shutdownTimeoutSeconds: 5\n");
    }

    @Test
    void dev_from_another_directory_binds_loopback_and_its_banner_request_gets_a_patch() throws Exception {
        ServeProcess dev = serve(Map.of(), "--dev", "--port", "0", "--ops-port", "0", "--config", quickStop().toString());
        JsonNode serving = dev.awaitServing(PATIENCE);
        assertThat(serving.path("host").asString()).isEqualTo("127.0.0.1");

        String tryLine = dev.awaitStdoutLine("Try:   ", Duration.ofSeconds(5));
        String patchLine = dev.awaitStdoutLine("Patch: ", Duration.ofSeconds(5));
        assertThat(patchLine).isEqualTo(tryLine + " | jq -r .response.patch | base64 -d");
        assertThat(dev.stdoutLine("billing-guard --dev: webhook ")).contains("https://127.0.0.1:" + dev.webhookPort()
                + " (POST /mutate, POST /validate), ops http://127.0.0.1:" + dev.opsPort() + " (/healthz /readyz /metrics)");
        assertThat(dev.stdoutLine("Facts: ")).get().asString().startsWith("the examples built into billing-guard");

        Matcher curl = CURL.matcher(tryLine);
        assertThat(curl.matches()).as(tryLine).isTrue();
        Path ca = Path.of(curl.group(1));
        Path review = Path.of(curl.group(2));
        assertThat(ca).isAbsolute().exists();
        assertThat(review).isAbsolute().exists().hasSameTextualContentAs(Path.of("examples/admission/pod-create.json"));
        assertThat(curl.group(3)).isEqualTo("https://127.0.0.1:" + dev.webhookPort() + "/mutate");

        // What the printed curl does, done here: the answer carries a patch (the example workspace is byok)
        HttpResponse<String> answer = HttpClient.newBuilder().sslContext(Trust.trusting(ca)).build().send(
                HttpRequest.newBuilder(URI.create(curl.group(3))).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofFile(review)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode patch = Json.JSON.readTree(Base64.getDecoder().decode(
                Json.JSON.readTree(answer.body()).path("response").path("patch").asString()));
        assertThat(patch.isArray() && !patch.isEmpty()).as(patch.toString()).isTrue();

        // --dev listens on loopback only: another address of this machine refuses the connection
        Optional<InetAddress> other = nonLoopbackAddress();
        if (other.isPresent()) {
            assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress(other.get(), dev.webhookPort()), 2_000))
                    .isInstanceOf(ConnectException.class);
        }

        dev.sigterm();
        assertThat(dev.awaitExit(PATIENCE)).as("a drained stop exits 0").isZero();
        assertThat(ca.getParent()).as("the throwaway keys are deleted on exit").doesNotExist();
    }

    @Test
    void the_banner_commands_run_as_printed_in_a_shell() throws Exception {
        assumeTrue(onPath("curl") && onPath("jq") && onPath("base64"), "needs curl, jq and base64 on the PATH");
        ServeProcess dev = serve(Map.of(), "--dev", "--port", "0", "--ops-port", "0", "--config", quickStop().toString());
        dev.awaitServing(PATIENCE);
        dev.awaitReady(PATIENCE);

        String answer = shell(dev.awaitStdoutLine("Try:   ", Duration.ofSeconds(5)));
        assertThat(Json.JSON.readTree(answer).path("response").path("allowed").isBoolean()).as(answer).isTrue();
        String patch = shell(dev.awaitStdoutLine("Patch: ", Duration.ofSeconds(5)));
        assertThat(Json.JSON.readTree(patch).isArray()).as(patch).isTrue();
        assertThat(patch).contains("\"op\":\"remove\"").contains("MOLECULE_LLM_BILLING_MODE");

        dev.sigterm();
        assertThat(dev.awaitExit(PATIENCE)).isZero();
    }

    @Test
    void a_busy_port_stops_serve_with_exactly_one_line() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            ServeProcess dev = serve(Map.of(), "--dev", "--port", "0", "--ops-port", String.valueOf(port));

            assertThat(dev.awaitExit(PATIENCE)).isEqualTo(2);
            assertThat(dev.stderr).containsExactly("billing-guard: port " + port + " is already in use (127.0.0.1:" + port
                    + "): choose another with --ops-port");
        }
    }

    @Test
    void without_any_cluster_serve_exits_2_saying_where_it_looked() throws Exception {
        ServingCertificates.IssuedFiles tls = certificates();
        Path missing = tmp.resolve("no-such-kubeconfig");
        ServeProcess serve = serve(Map.of("KUBECONFIG", missing.toString()), "--tls-cert", tls.certificate().toString(),
                "--tls-key", tls.privateKey().toString(), "--port", "0", "--ops-port", "0");

        assertThat(serve.awaitExit(PATIENCE)).isEqualTo(2);
        assertThat(serve.stderr).containsExactly("billing-guard: serve found no cluster: no --kubeconfig, no readable kubeconfig "
                + "at KUBECONFIG=" + missing + ", and not running in a pod; give --kubeconfig FILE, or try serve --dev "
                + "(no cluster needed)");
    }

    @Test
    void an_api_server_that_does_not_answer_is_named_in_the_log_and_in_readyz_while_serve_keeps_running() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = socket.getLocalPort();
        }
        Path kubeconfig = Kubeconfigs.write(tmp, "https://127.0.0.1:" + closed, "some-token");
        ServingCertificates.IssuedFiles tls = certificates();
        ServeProcess serve = serve(Map.of(), "--kubeconfig", kubeconfig.toString(), "--tls-cert", tls.certificate().toString(),
                "--tls-key", tls.privateKey().toString(), "--port", "0", "--ops-port", "0", "--config", quickStop().toString());
        serve.awaitServing(PATIENCE);

        String url = "https://127.0.0.1:" + closed + "/";
        List<JsonNode> errors = serve.logRecords().stream().filter(r -> r.path("level").asString().equals("ERROR")).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).path("message").asString()).isEqualTo("cannot reach the API server " + url + " (kubeconfig "
                + kubeconfig + "): connection refused; not ready until it answers, asking again every 10s");
        assertThat(errors.get(0).path("apiServer").asString()).isEqualTo(url);

        HttpResponse<String> readyz = serve.readyz();
        assertThat(readyz.statusCode()).isEqualTo(503);
        assertThat(readyz.body()).isEqualTo("not ready: caches not synced (workspace-secrets 0 cached, platform-secrets 0"
                + " cached, namespaces 0 cached): API server " + url + " (kubeconfig " + kubeconfig
                + ") does not answer: connection refused\n");
        assertThat(serve.process.isAlive()).isTrue();
        assertThat(serve.stderrText()).doesNotContain("some-token");

        serve.sigterm();
        assertThat(serve.awaitExit(PATIENCE)).isZero();
    }

    private ServingCertificates.IssuedFiles certificates() {
        return ServingCertificates.write(tmp.resolve("tls"), "test CA", "localhost", List.of("localhost"),
                List.of("127.0.0.1"), Duration.ofDays(1), false);
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return Optional.of(address);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean onPath(String command) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command line in {@code sh} from the temporary directory; its stdout. */
    private String shell(String command) throws Exception {
        Process process = new ProcessBuilder("sh", "-c", command).directory(tmp.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(command + "\n" + output).isZero();
        return output;
    }
}
