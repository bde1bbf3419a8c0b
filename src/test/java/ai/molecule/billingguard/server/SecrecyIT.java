package ai.molecule.billingguard.server;

import ai.molecule.billingguard.cluster.InformerFacts;
import ai.molecule.billingguard.cluster.ScriptedApiServer;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A credential value seeded in every Secret never leaves the API server's answers: not in an
 * admission answer, a log line, a metric, an exception message, and not in the heap after a load
 * run. The heap is dumped ({@code HotSpotDiagnosticMXBean.dumpHeap}, live objects only) from this
 * JVM, which runs the webhook over informer facts the way {@code serve} does.
 *
 * <p>The API server is {@link ScriptedApiServer}: it keeps no credential. Every Secret's JSON is
 * built when it is asked for, from the secret's number, and is garbage once sent; the server is
 * closed before the dump, so that its connections' buffers are not reachable either. Every seeded
 * value starts with {@code sk-SCALE-} then a digit or {@code platform-}; in the Secrets it is base64,
 * whose text then starts with the base64 of {@code sk-SCALE-}. The patterns are built only after the
 * dump, so that the test itself puts none of them in the heap it searches.
 */
class SecrecyIT {
    static final int SECRETS = 300;
    static final int NAMESPACES = 10;

    @TempDir
    Path dir;
    ScriptedApiServer api;
    KubernetesClient client;
    InformerFacts facts;
    WebhookFixture server;
    ListAppender<ILoggingEvent> logs;

    @AfterEach
    void close() {
        if (logs != null) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        }
        if (server != null) {
            server.close();
        }
        if (facts != null) {
            facts.close();
        }
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void no_seeded_credential_is_in_answers_logs_metrics_errors_or_the_heap_after_a_load_run() throws Exception {
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        api = new ScriptedApiServer(SECRETS, NAMESPACES);
        client = api.client(Duration.ofSeconds(5));
        facts = new InformerFacts(client, ConfigLoader.defaults().cluster(), ConfigLoader.defaults().policy(),
                new ai.molecule.billingguard.metrics.Metrics());
        facts.start();
        await().atMost(Duration.ofSeconds(60)).until(facts::synced);
        server = new WebhookFixture(dir, facts, Map.of(Knob.PORT, "0"));

        // The load: pods of every workspace (cached) and of workspaces the cache lacks (a live GET
        // each, answered 404), on /mutate and /validate, 8 clients at once.
        String template = Files.readString(Path.of("examples/admission/pod-create.json"));
        Queue<String> answers = new ConcurrentLinkedQueue<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        int requests = 2_400;
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            new Thread(() -> {
                try {
                    for (int n = next.getAndIncrement(); n < requests; n = next.getAndIncrement()) {
                        int j = n % 10 == 9 ? SECRETS + n : n % SECRETS; // every tenth: not in the cache
                        // every tenth another: no key of the user's own (byok workspaces deny it)
                        HttpResponse<String> response = server.post(n % 2 == 0 ? "/mutate" : "/validate",
                                "application/json", pod(template, j, n % 10 != 4));
                        answers.add(response.statusCode() + " " + response.body());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                } finally {
                    done.countDown();
                }
            }, "secrecy-load-" + t).start();
        }
        assertThat(done.await(3, TimeUnit.MINUTES)).isTrue();
        assertThat(failures).isEmpty();
        assertThat(answers).hasSize(requests).allSatisfy(a -> assertThat(a).startsWith("200 "));
        assertThat(answers).as("the load reached the secrets: some answers strip, some deny")
                .anySatisfy(a -> assertThat(a).contains("\"patch\""))
                .anySatisfy(a -> assertThat(a).contains("\"allowed\":false"));
        String scrape = server.get(server.ops("/metrics")).body();
        assertThat(scrape).contains("billing_guard_live_lookups_total");

        // What left the process: answers, metrics, log lines (as the encoder writes them), errors.
        JsonLineEncoder encoder = new JsonLineEncoder();
        StringBuilder text = new StringBuilder();
        answers.forEach(a -> text.append(a).append('\n'));
        text.append(scrape).append('\n');
        for (ILoggingEvent event : List.copyOf(logs.list)) {
            text.append(new String(encoder.encode(event), StandardCharsets.UTF_8));
            if (event.getThrowableProxy() != null) {
                text.append(event.getThrowableProxy().getMessage()).append('\n'); // the message the log leaves out
            }
        }
        facts.notSynced().ifPresent(text::append);
        answers.clear();
        logs.list.clear();

        // The heap, with the API server gone (its buffers unreachable) and the webhook still serving.
        api.close();
        Path dump = dir.resolve("heap.hprof");
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.toString(), true);
        byte[] heap = Files.readAllBytes(dump);
        HeapDump objects = HeapDump.read(dump);
        Files.delete(dump);

        List<Pattern> seeds = seedPatterns();
        for (Pattern seed : seeds) {
            Matcher inText = seed.matcher(text);
            assertThat(inText.find()).as("seed %s in answers, logs, metrics or errors: %s", seed,
                    inText.find(0) ? around(text, inText.start()) : "").isFalse();
        }
        // The values themselves (what a cache or a log would hold): nowhere in the heap.
        String latin1 = new String(heap, StandardCharsets.ISO_8859_1);
        List<String> found = new ArrayList<>();
        for (Pattern seed : seeds.subList(0, 3)) {
            Matcher inHeap = seed.matcher(latin1);
            if (inHeap.find()) {
                found.add(seed + " at byte " + inHeap.start() + ": " + around(latin1, inHeap.start()) + " in "
                        + objects.at(inHeap.start(), 6).map(Object::toString).orElse("no array"));
            }
        }
        assertThat(found).as("seeded credentials in a %d MiB heap dump", heap.length >> 20).isEmpty();
        // Their base64, as the API server sends it: only in the bytes of the API client's I/O (a response
        // body its HTTP/1.1 connection still references, a socket or TLS buffer), never in a String, a
        // char[] or an object of billing-guard's.
        List<String> buffers = new ArrayList<>();
        for (Pattern seed : seeds.subList(3, 6)) {
            for (Matcher inHeap = seed.matcher(latin1); inHeap.find(); ) {
                HeapDump.Finding where = objects.at(inHeap.start(), 6).orElse(null);
                String line = seed + " at byte " + inHeap.start() + " in " + where;
                assertThat(where).as(line).isNotNull();
                assertThat(where.array()).as(line).startsWith("byte[");
                assertThat(where.holders().isEmpty() ? Set.<String>of() : where.holders().get(0)).as(line)
                        .doesNotContain("java.lang.String");
                assertThat(where.all()).as(line).noneMatch(c -> c.startsWith("ai.molecule.billingguard"));
                assertThat(where.rootHeld() || where.holders().stream().limit(3).flatMap(Set::stream)
                        .anyMatch(SecrecyIT::ioMachinery)).as(line).isTrue();
                buffers.add(where.array() + " <- " + where.holders().stream().limit(3).toList());
            }
        }
        // For the record: which I/O buffers still held base64 of Secrets, and how often.
        buffers.stream().collect(java.util.stream.Collectors.groupingBy(b -> b, java.util.TreeMap::new,
                java.util.stream.Collectors.counting())).forEach((b, n) -> System.out.println(n + " x " + b));
        // The search can find what it looks for: the cached workspace ids and key names are in that heap.
        assertThat(latin1).contains("ws-17-secrets").contains("OPENAI_API_KEY");
    }

    /**
     * The API client's HTTP and TLS layers, whose buffers outlive a response until the connection reads
     * the next, and the JDK HTTP server under {@link ScriptedApiServer} (the test's, closed but with its
     * last exchanges still referenced).
     */
    private static boolean ioMachinery(String className) {
        return className.startsWith("jdk.internal.net.http.") || className.startsWith("io.fabric8.kubernetes.client.http.")
                || className.startsWith("io.fabric8.kubernetes.client.jdkhttp.") || className.startsWith("sun.security.ssl.")
                || className.startsWith("sun.net.httpserver.");
    }

    /**
     * Workspace {@code j}'s pod in its namespace, the platform token in it and, {@code withKey}, the
     * user's key read from the workspace secret.
     */
    static String pod(String template, int j, boolean withKey) {
        ObjectNode review = (ObjectNode) Json.JSON.readTree(template);
        ((ObjectNode) review.get("request")).put("uid", UUID.randomUUID().toString())
                .put("namespace", ScriptedApiServer.namespace(j % NAMESPACES));
        ((ObjectNode) review.at("/request/object/metadata/labels")).put("molecule.ai/workspace-id", String.valueOf(j));
        ((ObjectNode) review.at("/request/object/spec/containers/0/env/2/valueFrom/secretKeyRef"))
                .put("name", ScriptedApiServer.secretName(j));
        if (!withKey) {
            ((ArrayNode) review.at("/request/object/spec/containers/0/env")).remove(2);
        }
        return review.toString();
    }

    /**
     * The seeded values as the heap could hold them: as text (Latin-1 strings and bytes; UTF-16
     * char arrays, little- and big-endian) and as the base64 the Secrets carry. Built from the
     * prefix here, after the dump.
     */
    static List<Pattern> seedPatterns() {
        String prefix = ScriptedApiServer.PREFIX;
        String base64 = Base64.getEncoder().encodeToString(prefix.getBytes(StandardCharsets.US_ASCII));
        List<Pattern> patterns = new ArrayList<>();
        for (String text : List.of(prefix, base64)) {
            String tail = text.equals(prefix) ? "(?:[0-9]|platform-)" : "";
            patterns.add(Pattern.compile(Pattern.quote(text) + tail));
            patterns.add(Pattern.compile(utf16(text, true) + utf16Tail(tail, true)));
            patterns.add(Pattern.compile(utf16(text, false) + utf16Tail(tail, false)));
        }
        return patterns;
    }

    private static String utf16(String text, boolean littleEndian) {
        StringBuilder regex = new StringBuilder();
        for (char c : text.toCharArray()) {
            regex.append(littleEndian ? Pattern.quote(String.valueOf(c)) + "\\x00" : "\\x00" + Pattern.quote(String.valueOf(c)));
        }
        return regex.toString();
    }

    private static String utf16Tail(String tail, boolean littleEndian) {
        if (tail.isEmpty()) {
            return "";
        }
        return "(?:" + (littleEndian ? "[0-9]\\x00" : "\\x00[0-9]") + "|" + utf16("platform-", littleEndian) + ")";
    }

    private static String around(CharSequence text, int at) {
        int from = Math.max(0, at - 40);
        int to = Math.min(text.length(), at + 60);
        return text.subSequence(from, to).toString().replaceAll("[^\\x20-\\x7e]", ".");
    }
}
