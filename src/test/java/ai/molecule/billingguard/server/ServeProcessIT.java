package ai.molecule.billingguard.server;

import ai.molecule.billingguard.cli.ServeProcess;
import ai.molecule.billingguard.tls.Trust;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code billing-guard serve --dev} as a real child JVM, stopped with SIGTERM: the drain of
 * {@link WebhookServer#shutdown} observed from outside, the way kubelet and kube-apiserver see it.
 *
 * <p>A failure after SIGTERM is tolerated only when it cannot have lost an accepted request: the
 * connection was refused ({@link ConnectException}), or a brand-new connection failed in its TLS
 * handshake, before any byte of the request could be sent (and the server's decision log does not
 * know its uid); either way only once the listener can have closed (SIGTERM + drainSeconds).
 * Anything else (an I/O error on a reused keep-alive connection, EOF or a reset after the
 * handshake, a request the server decided whose answer never arrived, a timeout, a non-200 answer)
 * fails the test.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServeProcessIT {
    private static final int DRAIN_SECONDS = 2;
    private static final int SHUTDOWN_TIMEOUT_SECONDS = 10;
    private static final Duration EXIT_BOUND = Duration.ofSeconds(30);
    private static final int CLIENTS = 4;
    private static final Duration MAX_LOAD = Duration.ofSeconds(15);
    private static final int MAX_REQUESTS_PER_CLIENT = 20_000;

    @TempDir
    Path tmp;

    private Served served;

    @AfterEach
    void stop() {
        if (served != null) {
            served.serve.close();
        }
    }

    @Test
    void sigterm_under_load_drains_without_dropping_an_accepted_request() throws Exception {
        served = Served.start(tmp);
        served.awaitReady();
        JsonNode template = Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")));

        ReadinessProbe readiness = new ReadinessProbe(served.opsPort, served.process);
        Thread probe = new Thread(readiness, "readyz-probe");
        probe.setDaemon(true);

        AtomicBoolean stop = new AtomicBoolean();
        long loadDeadline = System.nanoTime() + MAX_LOAD.toNanos();
        List<LoadClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            LoadClient client = new LoadClient(i, served, template, stop, loadDeadline);
            clients.add(client);
            Thread thread = new Thread(client, "load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        probe.start();

        // SIGTERM once every client has had answers (a cold child JVM on a busy machine may need more than 2 s), then 1 s more.
        long warm = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (clients.stream().anyMatch(c -> c.answered() < 3) && System.nanoTime() < warm) {
            Thread.sleep(50);
        }
        Thread.sleep(1_000);
        long sigterm = System.nanoTime();
        served.sigterm();
        boolean exited = served.process.waitFor(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
        long exitedAt = System.nanoTime();
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        readiness.stop.set(true);
        probe.join(5_000);
        served.joinPumps();

        assertThat(exited).as("the process exits by itself within %s of SIGTERM", EXIT_BOUND).isTrue();
        assertThat(served.process.exitValue()).as("a drained stop exits 0").isZero();
        assertThat(exitedAt - sigterm).as("the drain delay is honoured")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(DRAIN_SECONDS).toNanos());

        List<Outcome> outcomes = clients.stream().flatMap(c -> c.outcomes.stream()).collect(Collectors.toList());
        List<Outcome> answered = outcomes.stream().filter(o -> o.error == null).collect(Collectors.toList());
        List<Outcome> failed = outcomes.stream().filter(o -> o.error != null).collect(Collectors.toList());
        Set<String> decided = served.decidedUids();
        long listenerMayBeClosed = sigterm + Duration.ofSeconds(DRAIN_SECONDS).toNanos();

        String summary = summary(outcomes, sigterm, listenerMayBeClosed, decided);
        System.out.println("ServeProcessIT: " + summary + "; exit " + served.process.exitValue() + " after "
                + (exitedAt - sigterm) / 1_000_000 + " ms");
        assertThat(answered.stream().filter(o -> o.end < sigterm).count()).as("answers before SIGTERM\n" + summary)
                .isPositive();
        assertThat(answered.stream().filter(o -> o.end > sigterm).count()).as("answers during the drain\n" + summary)
                .isPositive();

        List<String> bad = new ArrayList<>();
        for (Outcome o : answered) {
            String problem = o.checkAnswer();
            if (problem != null) {
                bad.add(o + ": " + problem);
            }
        }
        for (Outcome o : failed) {
            String why = tolerated(o, listenerMayBeClosed, decided);
            if (why == null) {
                bad.add(o + ": " + describe(o.error));
            }
        }
        assertThat(bad).as("requests that were answered wrongly or lost\n" + summary).isEmpty();

        assertThat(answered.stream().anyMatch(o -> o.end > sigterm && o.connectionClose))
                .as("an answer during the drain carries Connection: close\n" + summary).isTrue();
        assertThat(answered.stream().filter(o -> o.end < sigterm).noneMatch(o -> o.connectionClose))
                .as("no Connection: close before SIGTERM\n" + summary).isTrue();

        assertThat(readiness.sawShuttingDownAfter(sigterm))
                .as("/readyz answered 503 'shutting down' during the drain: " + readiness.log()).isTrue();

        List<String> messages = served.logMessages();
        assertThat(messages).as(served.stderrText()).contains("draining: readiness is false", "drained")
                .doesNotContain("drain timed out");
        assertThat(served.stderrText()).doesNotContain("\"level\":\"ERROR\"");
    }

    @Test
    void sigterm_while_idle_exits_once_the_drain_delay_is_over() throws Exception {
        served = Served.start(tmp);
        served.awaitReady();
        // One answered request leaves an idle keep-alive connection in this client's pool: it must not hold the stop up.
        HttpClient client = served.client();
        JsonNode template = Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")));
        Outcome first = LoadClient.post(client, served, template, 0, "demo", true);
        assertThat(first.error).as("a request before SIGTERM").isNull();
        assertThat(first.checkAnswer()).isNull();

        long sigterm = System.nanoTime();
        served.sigterm();
        ReadinessProbe readiness = new ReadinessProbe(served.opsPort, served.process);
        Thread probe = new Thread(readiness, "readyz-probe");
        probe.setDaemon(true);
        probe.start();
        boolean exited = served.process.waitFor(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
        long took = System.nanoTime() - sigterm;
        readiness.stop.set(true);
        probe.join(5_000);
        served.joinPumps();

        System.out.println("ServeProcessIT idle: exit after " + took / 1_000_000 + " ms; " + served.lifecycleLines());
        assertThat(exited).as("exits by itself").isTrue();
        assertThat(served.process.exitValue()).as("a drained stop exits 0").isZero();
        assertThat(took).as("waits out drainSeconds").isGreaterThanOrEqualTo(Duration.ofSeconds(DRAIN_SECONDS).toNanos());
        // Not a performance bound: with nothing in flight the stop must not wait for shutdownTimeoutSeconds.
        assertThat(took).as("does not wait for the shutdown timeout (took %d ms)", took / 1_000_000)
                .isLessThan(Duration.ofSeconds(DRAIN_SECONDS + SHUTDOWN_TIMEOUT_SECONDS).toNanos());
        assertThat(readiness.sawShuttingDownAfter(sigterm)).as(readiness.log()).isTrue();
        assertThat(served.logMessages()).as(served.stderrText()).contains("drained").doesNotContain("drain timed out");
    }

    // ---------------------------------------------------------------------------------------------

    /** Why this failure cannot have lost a request the server accepted, or null when it may have. */
    private static String tolerated(Outcome o, long listenerMayBeClosed, Set<String> decided) {
        if (o.end < listenerMayBeClosed) {
            return null; // nothing may fail while the listener is still open
        }
        if (causedBy(o.error, ConnectException.class)) {
            return "refused";
        }
        if (o.error instanceof HttpTimeoutException) {
            return null;
        }
        // The request's bytes can only go out once the TLS handshake is done: a new connection whose
        // handshake failed sent nothing (a connection still in the accept backlog when the listener
        // closed is reset). A failure after the handshake (EOF, reset, broken pipe while sending or
        // waiting for the answer) lost a request the server had accepted.
        if (o.freshConnection && !decided.contains(o.uid) && causedBy(o.error, SSLHandshakeException.class)) {
            return "new connection failed in the TLS handshake, before the request was sent";
        }
        return null;
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable error) {
        List<String> chain = new ArrayList<>();
        for (Throwable t = error; t != null && chain.size() < 4; t = t.getCause()) {
            chain.add(t.getClass().getSimpleName() + (t.getMessage() == null ? "" : "(" + t.getMessage() + ")"));
        }
        return String.join(" <- ", chain);
    }

    private static String summary(List<Outcome> outcomes, long sigterm, long listenerMayBeClosed, Set<String> decided) {
        long before = outcomes.stream().filter(o -> o.end < sigterm).count();
        long okAfter = outcomes.stream().filter(o -> o.end >= sigterm && o.error == null).count();
        long closeAfter = outcomes.stream().filter(o -> o.end >= sigterm && o.error == null && o.connectionClose).count();
        long refused = outcomes.stream().filter(o -> o.error != null && causedBy(o.error, ConnectException.class)).count();
        List<String> otherFailures = outcomes.stream()
                .filter(o -> o.error != null && !causedBy(o.error, ConnectException.class))
                .map(o -> o + " " + describe(o.error) + " tolerated=" + tolerated(o, listenerMayBeClosed, decided))
                .limit(20).collect(Collectors.toList());
        return "requests: " + outcomes.size() + ", finished before SIGTERM: " + before + ", answered after SIGTERM: "
                + okAfter + " (" + closeAfter + " with Connection: close), refused: " + refused
                + ", other failures: " + otherFailures;
    }

    // ---------------------------------------------------------------------------------------------

    /** One request's fate, as the client saw it. */
    static final class Outcome {
        final int client;
        final String uid;
        final String workspace;
        final boolean freshConnection;
        final long start;
        long end;
        int status = -1;
        boolean connectionClose;
        String body;
        Throwable error;

        Outcome(int client, String uid, String workspace, boolean freshConnection) {
            this.client = client;
            this.uid = uid;
            this.workspace = workspace;
            this.freshConnection = freshConnection;
            this.start = System.nanoTime();
        }

        /** Null when the answer is a 200 AdmissionReview allowing this request's uid. */
        String checkAnswer() {
            if (status != 200) {
                return "HTTP " + status + ": " + body;
            }
            return Answers.problem(uid, body, true, workspace.equals("demo") ? "byok" : "platform_managed");
        }

        @Override
        public String toString() {
            return "client " + client + " uid " + uid + (freshConnection ? " (new connection)" : " (reused connection)");
        }
    }

    /** One keep-alive client posting AdmissionReviews back to back, each with its own uid. */
    static final class LoadClient implements Runnable {
        final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        private final int id;
        private final Served served;
        private final JsonNode template;
        private final AtomicBoolean stop;
        private final long deadline;

        LoadClient(int id, Served served, JsonNode template, AtomicBoolean stop, long deadline) {
            this.id = id;
            this.served = served;
            this.template = template;
            this.stop = stop;
            this.deadline = deadline;
        }

        long answered() {
            synchronized (outcomes) {
                return outcomes.stream().filter(o -> o.error == null).count();
            }
        }

        @Override
        public void run() {
            HttpClient client = served.client();
            boolean fresh = true; // the client holds at most one connection: after a close or an error the next one is new
            for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop.get() && System.nanoTime() < deadline
                    && served.process.isAlive(); i++) {
                Outcome o = post(client, served, template, id, i % 2 == 0 ? "demo" : "plat", fresh);
                outcomes.add(o);
                fresh = o.error != null || o.connectionClose;
                if (o.error != null) {
                    sleep(20); // a refused port answers at once: do not spin
                }
            }
        }

        static Outcome post(HttpClient client, Served served, JsonNode template, int id, String workspace, boolean fresh) {
            ObjectNode review = (ObjectNode) template.deepCopy();
            String uid = UUID.randomUUID().toString();
            ((ObjectNode) review.get("request")).put("uid", uid);
            ((ObjectNode) review.at("/request/object/metadata/labels")).put("molecule.ai/workspace-id", workspace);
            Outcome o = new Outcome(id, uid, workspace, fresh);
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + served.webhookPort + "/mutate?timeout=10s"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(review.toString())).build();
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                o.status = response.statusCode();
                o.body = response.body();
                o.connectionClose = response.headers().allValues("connection").stream()
                        .anyMatch(v -> v.equalsIgnoreCase("close"));
            } catch (IOException e) {
                o.error = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                o.error = e;
            }
            o.end = System.nanoTime();
            return o;
        }
    }

    /** Polls {@code /readyz} every 100 ms until stopped or the process is gone. */
    static final class ReadinessProbe implements Runnable {
        record Answer(long at, int status, String body) {
        }

        final AtomicBoolean stop = new AtomicBoolean();
        final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        private final int port;
        private final Process process;

        ReadinessProbe(int port, Process process) {
            this.port = port;
            this.process = process;
        }

        @Override
        public void run() {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < 600 && !stop.get() && process.isAlive(); i++) {
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    answers.add(new Answer(System.nanoTime(), r.statusCode(), r.body().strip()));
                } catch (IOException e) {
                    answers.add(new Answer(System.nanoTime(), -1, e.getClass().getSimpleName()));
                } catch (InterruptedException e) {
                    return;
                }
                sleep(100);
            }
        }

        boolean sawShuttingDownAfter(long t) {
            synchronized (answers) {
                return answers.stream().anyMatch(a -> a.at > t && a.status == 503 && a.body.contains("shutting down"));
            }
        }

        String log() {
            synchronized (answers) {
                return answers.stream().map(a -> a.status + " " + a.body).distinct().collect(Collectors.joining("; "));
            }
        }
    }

    /**
     * The child JVM running {@code serve --dev} with its default host, started in a directory that is
     * not the repository's (the dev mode must not need one), and the dev CA its banner names.
     */
    static final class Served {
        final ServeProcess serve;
        final Process process;
        Path ca;
        int webhookPort;
        int opsPort;
        private SSLContext trust;

        private Served(ServeProcess serve) {
            this.serve = serve;
            this.process = serve.process;
        }

        static Served start(Path tmp) throws IOException {
            return start(tmp, "-Xmx256m", "");
        }

        /**
         * @param heap        the child's {@code -Xmx} option
         * @param extraConfig more top-level YAML for its config file
         */
        static Served start(Path tmp, String heap, String extraConfig) throws IOException {
            Path config = Files.writeString(tmp.resolve("config.yaml"), """
                    server:
                      drainSeconds: %d
                      shutdownTimeoutSeconds: %d
                    """.formatted(DRAIN_SECONDS, SHUTDOWN_TIMEOUT_SECONDS) + extraConfig);
            return new Served(ServeProcess.start(tmp, Map.of(), List.of(heap), "--dev", "--port", "0", "--ops-port", "0",
                    "--config", config.toString()));
        }

        /** Its stderr lines, as they arrive. */
        List<String> stderr() {
            return serve.stderr;
        }

        static JsonNode json(String line) {
            return ServeProcess.json(line);
        }

        void sigterm() {
            serve.sigterm();
        }

        void joinPumps() throws InterruptedException {
            serve.joinPumps();
        }

        /** Waits for the ports and the CA path, then for {@code /readyz} to answer 200. */
        void awaitReady() throws Exception {
            serve.awaitServing(Duration.ofSeconds(30));
            ca = Path.of(serve.awaitStdoutLine("CA certificate: ", Duration.ofSeconds(5)).trim());
            webhookPort = serve.webhookPort();
            opsPort = serve.opsPort();
            trust = Trust.trusting(ca);
            serve.awaitReady(Duration.ofSeconds(30));
        }

        /** A client of its own (own connection pool) that trusts only this process's dev CA, HTTP/1.1. */
        HttpClient client() {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trust)
                    .connectTimeout(Duration.ofSeconds(5)).build();
        }

        Set<String> decidedUids() {
            return serve.logRecords().stream().filter(j -> "admission decision".equals(j.path("message").asString("")))
                    .map(j -> j.path("uid").asString("")).collect(Collectors.toSet());
        }

        List<String> logMessages() {
            return serve.logMessages();
        }

        String lifecycleLines() {
            synchronized (serve.stderr) {
                return serve.stderr.stream().filter(l -> l.contains("drain")).collect(Collectors.joining(" "));
            }
        }

        String stderrText() {
            return serve.stderrText();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
