package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code billing-guard serve} as a real child JVM on the test class path, with its stdout and
 * stderr collected line by line: what an operator or kubelet sees, exit codes and signals included.
 * The environment is cleaned of everything that would change what serve does (billing-guard's
 * variables, a kubeconfig, an in-cluster service host, POD_NAMESPACE) before the test's own is added.
 */
public final class ServeProcess implements AutoCloseable {
    public final Process process;
    public final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    public final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<JsonNode> serving = new CompletableFuture<>();
    private final List<Thread> pumps = new ArrayList<>();

    private ServeProcess(Process process) {
        this.process = process;
    }

    /** Starts {@code java ... Main serve ARGS} in {@code workDir} with {@code env} added to a clean environment. */
    public static ServeProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
        return start(workDir, env, List.of("-Xmx256m"), args);
    }

    /** The same with these JVM options (a heap size, say) instead of {@code -Xmx256m}. */
    public static ServeProcess start(Path workDir, Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "ai.molecule.billingguard.Main", "serve"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(k -> k.startsWith("BILLING_GUARD_") || k.startsWith("KUBERNETES_"));
        List.of("JAVA_TOOL_OPTIONS", "KUBECONFIG", "POD_NAMESPACE").forEach(environment::remove);
        environment.putAll(env);
        ServeProcess served = new ServeProcess(builder.start());
        served.process.getOutputStream().close();
        served.pump(served.process.getInputStream(), served.stdout, line -> { }, "stdout");
        served.pump(served.process.getErrorStream(), served.stderr, line -> {
            JsonNode json = json(line);
            if (json != null && "billing-guard serving".equals(json.path("message").asString(""))) {
                served.serving.complete(json);
            }
        }, "stderr");
        return served;
    }

    private void pump(InputStream stream, List<String> lines, Consumer<String> watcher, String name) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                    watcher.accept(line);
                }
            } catch (IOException e) {
                lines.add("(" + name + " closed: " + e + ")");
            }
        }, "pump-" + name);
        thread.setDaemon(true);
        thread.start();
        pumps.add(thread);
    }

    /** The "billing-guard serving" log line (ports, host, certificate source); fails if the process exits first. */
    public JsonNode awaitServing(Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!serving.isDone()) {
            if (!process.isAlive()) {
                joinPumps();
                fail("serve exited with %d before serving:%n%s%n%s", process.exitValue(), String.join("\n", stdout), stderrText());
            }
            if (System.nanoTime() > deadline) {
                fail("serve did not start within %s:%n%s%n%s", patience, String.join("\n", stdout), stderrText());
            }
            Thread.sleep(50);
        }
        return serving.get();
    }

    public int webhookPort() {
        return serving.join().path("webhookPort").asInt();
    }

    public int opsPort() {
        return serving.join().path("opsPort").asInt();
    }

    /** The first stdout line starting with {@code prefix}, without it. */
    public Optional<String> stdoutLine(String prefix) {
        synchronized (stdout) {
            return stdout.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst();
        }
    }

    /** Waits for a stdout line starting with {@code prefix} (the dev banner follows the serving log line). */
    public String awaitStdoutLine(String prefix, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> line = stdoutLine(prefix);
            if (line.isPresent()) {
                return line.get();
            }
            Thread.sleep(20);
        }
        return fail("no stdout line starting with '%s' within %s:%n%s", prefix, patience, String.join("\n", stdout));
    }

    /** {@code GET /readyz} on the ops port: status and body. */
    public HttpResponse<String> readyz() throws IOException, InterruptedException {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + opsPort() + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code /readyz} until it answers 200. */
    public void awaitReady(Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = readyz();
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body().strip();
            } catch (IOException e) {
                last = e.toString(); // not listening yet
            }
            Thread.sleep(100);
        }
        fail("/readyz never answered 200 (last: %s):%n%s", last, stderrText());
    }

    /**
     * SIGTERM, as kubelet sends it. Through the ProcessHandle: {@link Process#destroy()} sends SIGTERM too,
     * but on Linux it also closes our ends of stdout and stderr, so the log lines of the drain would be lost.
     */
    public void sigterm() {
        assertThat(process.toHandle().destroy()).as("SIGTERM sent").isTrue();
    }

    /** Waits for the exit and the last output; the exit status. */
    public int awaitExit(Duration patience) throws InterruptedException {
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("serve did not exit within %s:%n%s", patience, stderrText());
        }
        joinPumps();
        return process.exitValue();
    }

    public void joinPumps() throws InterruptedException {
        for (Thread pump : pumps) {
            pump.join(5_000);
        }
    }

    /** Every stderr line that is a JSON log record. */
    public List<JsonNode> logRecords() {
        synchronized (stderr) {
            return stderr.stream().map(ServeProcess::json).filter(Objects::nonNull).collect(Collectors.toList());
        }
    }

    public List<String> logMessages() {
        return logRecords().stream().map(j -> j.path("message").asString("")).collect(Collectors.toList());
    }

    /** Stderr without the decision lines, which are many and say nothing about the lifecycle. */
    public String stderrText() {
        synchronized (stderr) {
            return stderr.stream().filter(l -> !l.contains("\"admission decision\"")).collect(Collectors.joining("\n"));
        }
    }

    /** Stops the process if it still runs: SIGTERM first, so it deletes what it wrote (the dev keys), then SIGKILL. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().destroy();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.destroyForcibly();
    }

    public static JsonNode json(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            return Json.JSON.readTree(line);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
