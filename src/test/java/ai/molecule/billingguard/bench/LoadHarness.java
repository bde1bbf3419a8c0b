package ai.molecule.billingguard.bench;

import ai.molecule.billingguard.server.Answers;
import ai.molecule.billingguard.tls.Trust;
import ai.molecule.billingguard.Main;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load harness for the webhook (a main class, not a test; see docs/performance.md for how to run it).
 *
 * <p>Two measurements:
 * <ol>
 *   <li><b>micro</b>: {@link ReviewHandler#review} alone on pre-parsed AdmissionReviews, then the
 *       endpoint's whole non-HTTP path (parse bytes, review, encode the answer), single-threaded,
 *       after a warm-up: the policy's own cost, with no TLS and no HTTP;</li>
 *   <li><b>http</b>: N concurrent keep-alive clients (one {@link HttpClient} each, HTTP/1.1 over
 *       TLS, closed loop: each sends its next request when the previous answer arrived) posting
 *       AdmissionReviews with distinct uids to {@code /mutate}. By default the webhook is started
 *       in this JVM exactly as {@code serve --dev} starts it (same command, same code path, a
 *       generated CA, facts from {@code examples/}); {@code --url} and {@code --ca} drive one that
 *       is already running instead.</li>
 * </ol>
 * Latencies go into HdrHistograms. Closed-loop load does not correct for coordinated omission: the
 * percentiles are those of the requests that were sent, at the rate the server let them be sent.
 * Every phase is bounded in request count and in time.
 */
public final class LoadHarness {
    /** Pods of examples/admission/pod-create.json for three workspaces of examples/cluster. */
    enum Kind {
        /** byok (openai) with the user's key: the platform token is stripped, allowed with a patch. */
        DEMO("demo", true, "byok"),
        /** platform_managed: credentials kept, annotations and env added, allowed. */
        PLAT("plat", true, "platform_managed"),
        /** the seed incident: byok (minimax) without the user's key, denied. */
        RENO("reno", false, "byok");

        final String workspace;
        final boolean allowed;
        final String mode;

        Kind(String workspace, boolean allowed, String mode) {
            this.workspace = workspace;
            this.allowed = allowed;
            this.mode = mode;
        }
    }

    private static final String UID_SLOT = "00000000-0000-0000-0000-00000000b0b0";

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("LoadHarness: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        JsonNode template = Json.JSON.readTree(Files.readString(options.body));
        machine(options);
        if (options.micro) {
            micro(options, template);
        }
        if (options.http) {
            http(options, template);
        }
        System.out.flush();
        // An in-process server waits in its shutdown hook (drainSeconds 0 here); exit runs it.
        System.exit(0);
    }

    private static void machine(Options o) {
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "machine: %d processors, %s %s (%s), max heap %d MiB, load average %.2f%n",
                rt.availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("java.vendor"), rt.maxMemory() >> 20,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println("mix: " + o.mix + ", body template: " + o.body);
    }

    // ---------------------------------------------------------------------------------------------
    // micro: ReviewHandler.review without HTTP

    private static void micro(Options o, JsonNode template) {
        Config config = ConfigLoader.defaults();
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config.policy()),
                LocalFacts.load(o.secrets, config.policy()));
        int pool = 512;
        JsonNode[] trees = new JsonNode[pool];
        byte[][] bodies = new byte[pool][];
        Kind[] kinds = new Kind[pool];
        for (int i = 0; i < pool; i++) {
            kinds[i] = o.mix.get(i % o.mix.size());
            trees[i] = review(template, kinds[i], UUID.randomUUID().toString());
            bodies[i] = trees[i].toString().getBytes(StandardCharsets.UTF_8);
        }
        for (int i = 0; i < pool; i++) { // the handler answers as expected before it is timed
            ReviewOutcome outcome = handler.review(trees[i], ReviewHandler.Endpoint.MUTATE);
            String problem = check(kinds[i], trees[i].path("request").path("uid").asString(),
                    outcome.response().toReview().toString());
            if (problem != null) {
                throw new IllegalStateException("ReviewHandler answered unexpectedly: " + problem);
            }
        }

        long sink = 0;
        Histogram reviewOnly = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Histogram endpointPath = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (int round = 0; round < 2; round++) { // round 0 warms up and is thrown away
            boolean measure = round == 1;
            int n = measure ? o.microIterations : o.microWarmup;
            reviewOnly.reset();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.maxSeconds);
            long start = System.nanoTime();
            int done = 0;
            for (; done < n && !late(done, deadline); done++) {
                long t0 = System.nanoTime();
                ReviewOutcome outcome = handler.review(trees[done % pool], ReviewHandler.Endpoint.MUTATE);
                reviewOnly.recordValue(System.nanoTime() - t0);
                sink += outcome.response().allowed() ? 1 : 2;
            }
            long reviewNanos = System.nanoTime() - start;

            endpointPath.reset();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.maxSeconds);
            start = System.nanoTime();
            int done2 = 0;
            for (; done2 < n && !late(done2, deadline); done2++) {
                long t0 = System.nanoTime();
                JsonNode tree = Json.JSON.readTree(bodies[done2 % pool]);
                ReviewOutcome outcome = handler.review(tree, ReviewHandler.Endpoint.MUTATE);
                byte[] answer = outcome.response().toReview().toString().getBytes(StandardCharsets.UTF_8);
                endpointPath.recordValue(System.nanoTime() - t0);
                sink += answer.length;
            }
            long endpointNanos = System.nanoTime() - start;
            if (measure) {
                System.out.println();
                System.out.printf(Locale.ROOT, "micro (1 thread, %d warm-up iterations then %d timed):%n",
                        o.microWarmup, done);
                printNanos("  ReviewHandler.review            ", reviewOnly, done, reviewNanos);
                printNanos("  parse + review + encode answer  ", endpointPath, done2, endpointNanos);
            }
        }
        if (sink == 42) {
            System.out.println("(sink)"); // keeps the results observable
        }
    }

    /** Looks at the clock every 1024 iterations only. */
    private static boolean late(int iteration, long deadline) {
        return (iteration & 1023) == 0 && System.nanoTime() > deadline;
    }

    private static void printNanos(String label, Histogram h, long count, long nanos) {
        System.out.printf(Locale.ROOT, "%s %,9.0f ops/s  mean %6.1f us  p50 %6.1f  p90 %6.1f  p99 %6.1f  p99.9 %7.1f  max %8.1f us%n",
                label, count / (nanos / 1e9), h.getMean() / 1e3,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }

    // ---------------------------------------------------------------------------------------------
    // http: concurrent keep-alive clients against /mutate

    private static void http(Options o, JsonNode template) throws Exception {
        Target target = o.url == null ? startInProcess(o) : new Target(URI.create(o.url), o.ca, false);
        SSLContext trust = Trust.trusting(target.ca);
        Map<Kind, String[]> bodies = new LinkedHashMap<>();
        for (Kind kind : o.mix) { // the body split around the uid: a fresh uid costs a concatenation
            String text = review(template, kind, UID_SLOT).toString();
            int at = text.indexOf(UID_SLOT);
            bodies.put(kind, new String[]{text.substring(0, at), text.substring(at + UID_SLOT.length())});
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "http: %s, %d clients (HTTP/1.1 keep-alive over TLS, closed loop), "
                        + "%d warm-up requests then %d timed (at most %d s each)%n",
                target.inProcess ? "webhook in this JVM as serve --dev starts it (" + target.url + ")" : target.url,
                o.clients, o.warmup, o.requests, o.maxSeconds);

        Phase warm = runPhase(o, target, trust, bodies, o.warmup);
        System.out.printf(Locale.ROOT, "  warm-up: %d requests, %d errors%n", warm.count(), warm.errors.get());
        Phase timed = runPhase(o, target, trust, bodies, o.requests);
        Histogram h = timed.latency;
        double seconds = timed.nanos / 1e9;
        System.out.printf(Locale.ROOT, "  timed:   %d requests in %.2f s = %,.0f req/s, %d errors%s%n",
                timed.count(), seconds, timed.count() / seconds, timed.errors.get(),
                timed.firstError == null ? "" : " (first: " + timed.firstError + ")");
        System.out.printf(Locale.ROOT, "  latency (ms): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f%n",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getMean() / 1e3);
        long heap = heapAfterGc();
        System.out.printf(Locale.ROOT, "  heap used after GC: %.1f MiB (%s)%n", heap / 1048576.0,
                target.inProcess ? "this JVM: webhook + clients" : "this JVM: clients only, not the webhook");
    }

    record Target(URI url, Path ca, boolean inProcess) {
    }

    static final class Phase {
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        final AtomicLong errors = new AtomicLong();
        volatile String firstError;
        long nanos;

        long count() {
            return latency.getTotalCount() + errors.get();
        }

        synchronized void merge(Histogram h) {
            latency.add(h);
        }

        void error(String what) {
            errors.incrementAndGet();
            if (firstError == null) {
                firstError = what;
            }
        }
    }

    private static Phase runPhase(Options o, Target target, SSLContext trust, Map<Kind, String[]> bodies, int total)
            throws InterruptedException {
        Phase phase = new Phase();
        AtomicLong tickets = new AtomicLong(total);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.maxSeconds);
        List<Thread> threads = new ArrayList<>();
        List<Kind> mix = o.mix;
        long start = System.nanoTime();
        for (int c = 0; c < o.clients; c++) {
            int id = c;
            Thread thread = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trust)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                Histogram mine = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
                long sequence = id;
                while (tickets.getAndDecrement() > 0 && System.nanoTime() < deadline) {
                    Kind kind = mix.get((int) (sequence++ % mix.size()));
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    String uid = new UUID(random.nextLong(), random.nextLong()).toString();
                    String[] parts = bodies.get(kind);
                    HttpRequest request = HttpRequest.newBuilder(target.url).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(parts[0] + uid + parts[1])).build();
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        long micros = (System.nanoTime() - t0) / 1_000;
                        String problem = response.statusCode() != 200 ? "HTTP " + response.statusCode()
                                : quickCheck(kind, uid, response.body());
                        if (problem == null && sequence % 100 == 0) {
                            problem = check(kind, uid, response.body()); // a full parse now and then
                        }
                        if (problem == null) {
                            mine.recordValue(Math.min(micros, mine.getHighestTrackableValue()));
                        } else {
                            phase.error(problem);
                        }
                    } catch (IOException e) {
                        phase.error(e.getClass().getSimpleName() + ": " + e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                phase.merge(mine);
            }, "load-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(o.maxSeconds + 30));
        }
        phase.nanos = System.nanoTime() - start;
        return phase;
    }

    /** Cheap check on every answer: the uid is echoed and the verdict is the expected one. */
    private static String quickCheck(Kind kind, String uid, String body) {
        if (!body.contains("\"uid\":\"" + uid + "\"")) {
            return "answer without uid " + uid;
        }
        if (!body.contains("\"allowed\":" + kind.allowed)) {
            return kind + " answered allowed=" + !kind.allowed;
        }
        return null;
    }

    /** Full check: a well-formed AdmissionReview v1 answering this uid with the expected verdict and mode. */
    static String check(Kind kind, String uid, String body) {
        String problem = Answers.problem(uid, body, kind.allowed, kind.mode);
        return problem == null ? null : kind + ": " + problem;
    }

    static JsonNode review(JsonNode template, Kind kind, String uid) {
        ObjectNode review = (ObjectNode) template.deepCopy();
        ((ObjectNode) review.get("request")).put("uid", uid);
        ((ObjectNode) review.at("/request/object/metadata/labels")).put("molecule.ai/workspace-id", kind.workspace);
        return review;
    }

    /**
     * Starts the webhook in this JVM through the real command line, {@code serve --dev} on
     * 127.0.0.1 with ephemeral ports, and reads its URL and CA from what it prints.
     */
    private static Target startInProcess(Options o) throws Exception {
        Path config = Files.createTempFile("billing-guard-bench-", ".yaml");
        Files.writeString(config, "server:\n  drainSeconds: 0\n  shutdownTimeoutSeconds: 5\n");
        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<Path> ca = new CompletableFuture<>();
        Pattern webhook = Pattern.compile("webhook https://\\S+:(\\d+) ");
        Writer lines = new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] buffer, int offset, int length) {
                for (int i = offset; i < offset + length; i++) {
                    if (buffer[i] == '\n') {
                        String text = line.toString();
                        line.setLength(0);
                        Matcher m = webhook.matcher(text);
                        if (m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        }
                        if (text.startsWith("CA certificate: ")) {
                            ca.complete(Path.of(text.substring("CA certificate: ".length()).trim()));
                        }
                    } else {
                        line.append(buffer[i]);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        String[] serve = {"serve", "--dev", "--secrets", o.secrets.toString(), "--host", "127.0.0.1",
                "--port", "0", "--ops-port", "0", "--config", config.toString()};
        Thread server = new Thread(() -> {
            int exit = Main.run(serve, new PrintWriter(lines, true), new PrintWriter(System.err, true));
            port.completeExceptionally(new IllegalStateException("serve --dev exited with " + exit));
        }, "billing-guard-serve");
        server.setDaemon(true);
        server.start();
        int webhookPort = port.get(60, TimeUnit.SECONDS);
        Files.delete(config); // read at start-up; deleteOnExit would not run, serve's shutdown hook halts the JVM
        return new Target(URI.create("https://127.0.0.1:" + webhookPort + "/mutate"), ca.get(10, TimeUnit.SECONDS), true);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---------------------------------------------------------------------------------------------

    static final class Options {
        static final String USAGE = """
                usage: LoadHarness [--clients N] [--requests N] [--warmup N] [--max-seconds S]
                                   [--mix demo,plat,reno] [--body FILE] [--secrets PATH]
                                   [--url https://HOST:PORT/mutate --ca FILE]
                                   [--micro-iterations N] [--micro-warmup N] [--no-micro] [--no-http]
                  defaults: 4 clients, 20000 timed requests after 20000 warm-up, 60 s cap per phase,
                            mix demo,plat, body examples/admission/pod-create.json, secrets examples,
                            webhook started in-process as serve --dev; micro 200000 iterations after 100000""";

        int clients = 4;
        int requests = 20_000;
        int warmup = 20_000;
        int maxSeconds = 60;
        List<Kind> mix = List.of(Kind.DEMO, Kind.PLAT);
        Path body = Path.of("examples/admission/pod-create.json");
        Path secrets = Path.of("examples");
        String url;
        Path ca;
        int microIterations = 200_000;
        int microWarmup = 100_000;
        boolean micro = true;
        boolean http = true;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--no-micro" -> o.micro = false;
                    case "--no-http" -> o.http = false;
                    case "--clients" -> o.clients = positive(a, value(args, ++i, a));
                    case "--requests" -> o.requests = positive(a, value(args, ++i, a));
                    case "--warmup" -> o.warmup = Integer.parseInt(value(args, ++i, a));
                    case "--max-seconds" -> o.maxSeconds = positive(a, value(args, ++i, a));
                    case "--micro-iterations" -> o.microIterations = positive(a, value(args, ++i, a));
                    case "--micro-warmup" -> o.microWarmup = Integer.parseInt(value(args, ++i, a));
                    case "--body" -> o.body = Path.of(value(args, ++i, a));
                    case "--secrets" -> o.secrets = Path.of(value(args, ++i, a));
                    case "--url" -> o.url = value(args, ++i, a);
                    case "--ca" -> o.ca = Path.of(value(args, ++i, a));
                    case "--mix" -> {
                        List<Kind> kinds = new ArrayList<>();
                        for (String k : value(args, ++i, a).split(",")) {
                            kinds.add(Kind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
                        }
                        o.mix = List.copyOf(kinds);
                    }
                    case "-h", "--help" -> throw new IllegalArgumentException("help");
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if ((o.url == null) != (o.ca == null)) {
                throw new IllegalArgumentException("--url and --ca go together");
            }
            if (o.clients > 256 || o.requests > 10_000_000 || o.maxSeconds > 600) {
                throw new IllegalArgumentException("at most 256 clients, 10000000 requests and 600 s per phase");
            }
            return o;
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }

        private static int positive(String flag, String value) {
            int n = Integer.parseInt(value);
            if (n <= 0) {
                throw new IllegalArgumentException(flag + " must be positive");
            }
            return n;
        }
    }
}
