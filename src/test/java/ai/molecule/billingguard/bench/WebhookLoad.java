package ai.molecule.billingguard.bench;

import ai.molecule.billingguard.server.Answers;
import ai.molecule.billingguard.tls.CertAndKey;
import ai.molecule.billingguard.tls.CertificateAuthority;
import ai.molecule.billingguard.tls.CertificateBuilder;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The webhook under load, over HTTPS, from a light client ({@link RawHttps}) on the same machine.
 * A main class in the test sources (docs/performance.md has the one command for each mode):
 *
 * <ul>
 *   <li>{@code ratio}: closed loop, {@code --connections} keep-alive connections each sending its
 *       next request when the answer arrived: {@code /mutate} on a workspace pod, then the same
 *       bytes as a ConfigMap (the cheapest answer: allowed untouched), in alternating rounds;
 *       prints both rates and their ratio;</li>
 *   <li>{@code latency}: open loop at each of {@code --rates}: request {@code i} is due at
 *       {@code start + i / rate} whatever happened before, and its latency runs from that due time
 *       (so a stalled server is charged for every request it kept waiting: no coordinated omission);
 *       p50/p90/p99/p99.9/max from an HdrHistogram, and the webhook's resident memory;</li>
 *   <li>{@code soak}: open loop at {@code --rate} for {@code --minutes}, a new serving certificate
 *       written every {@code --rotate-seconds}, connections renewed as they go; per minute: errors,
 *       latency, heap after a full GC, threads, resident memory, and when the new certificate was
 *       served.</li>
 * </ul>
 *
 * By default the webhook is a child JVM started as {@code java JVM-OPTIONS -jar target/billing-guard.jar
 * serve --dev} (its decision log goes to a file, scanned for WARN/ERROR at the end); {@code --url}
 * and {@code --ca} drive one already running (no memory figures then).
 */
public final class WebhookLoad {
    private static final String UID_SLOT = "00000000-0000-0000-0000-00000000b0b0";

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("WebhookLoad: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        System.out.printf(Locale.ROOT, "machine: %d processors, load average %.2f, %s %s; mode %s, pod %s (%d bytes), "
                        + "workspace %s%n", Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), o.mode, o.pod.name(),
                BenchPods.bytes(BenchPods.review(o.pod, o.workspace.workspace, UID_SLOT)).length, o.workspace.workspace);
        int exit;
        try (Webhook webhook = o.url == null ? Webhook.spawn(o) : Webhook.external(o)) {
            exit = switch (o.mode) {
                case "ratio" -> ratio(o, webhook);
                case "latency" -> latency(o, webhook);
                case "soak" -> soak(o, webhook);
                default -> throw new IllegalStateException(o.mode);
            };
        }
        System.exit(exit);
    }

    // ---------------------------------------------------------------------------------------------

    /** What a request is and what its answer must say. */
    record Body(String label, byte[] head, byte[] tail, boolean allowed, String mode) {
        static Body of(String label, ObjectNode review, boolean allowed, String mode) {
            String text = review.toString();
            int at = text.indexOf(UID_SLOT);
            return new Body(label, text.substring(0, at).getBytes(StandardCharsets.UTF_8),
                    text.substring(at + UID_SLOT.length()).getBytes(StandardCharsets.UTF_8), allowed, mode);
        }

        int length() {
            return head.length + UID_SLOT.length() + tail.length;
        }
    }

    static Body podBody(Options o) {
        return Body.of("/mutate " + o.pod.name() + " pod", BenchPods.review(o.pod, o.workspace.workspace, UID_SLOT),
                o.workspace.allowed, o.workspace.mode);
    }

    static Body configMapBody(Options o) {
        return Body.of("/mutate same bytes as ConfigMap",
                BenchPods.asConfigMap(BenchPods.review(o.pod, o.workspace.workspace, UID_SLOT)), true, "");
    }

    /** Counts and latencies of one phase. */
    static final class Result {
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        final AtomicLong errors = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        volatile String firstError;
        long nanos;

        synchronized void merge(Histogram h) {
            latency.add(h);
        }

        void error(String what) {
            errors.incrementAndGet();
            if (firstError == null) {
                firstError = what;
            }
        }

        long ok() {
            return latency.getTotalCount();
        }

        double rate() {
            return ok() / (nanos / 1e9);
        }

        String percentiles() {
            return String.format(Locale.ROOT, "p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms",
                    latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                    latency.getMaxValue() / 1e3);
        }

        String errorText() {
            return errors.get() + " errors" + (firstError == null ? "" : " (first: " + firstError + ")");
        }
    }

    /**
     * Runs {@code connections} workers for {@code duration}. With {@code rate} 0 each sends its next
     * request when its answer arrived (closed loop); otherwise request {@code i} is due at
     * {@code start + i / rate} (open loop) and its latency is measured from then.
     */
    static Result run(Webhook webhook, Body body, int connections, double rate, Duration duration, int reconnectEvery) {
        Result result = new Result();
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long end = start + duration.toNanos();
        double interval = rate > 0 ? 1e9 / rate : 0;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread worker = new Thread(() -> {
                Histogram mine = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
                RawHttps connection = null;
                int used = 0;
                try {
                    while (true) {
                        long due;
                        if (rate > 0) {
                            due = start + (long) (next.getAndIncrement() * interval);
                            if (due >= end) {
                                break;
                            }
                            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                                LockSupport.parkNanos(wait);
                            }
                        } else {
                            for (long wait = start - System.nanoTime(); wait > 0; wait = start - System.nanoTime()) {
                                LockSupport.parkNanos(wait);
                            }
                            due = System.nanoTime();
                            if (due >= end) {
                                break;
                            }
                        }
                        result.sent.incrementAndGet();
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        String uid = new UUID(random.nextLong(), random.nextLong()).toString();
                        try {
                            if (connection == null || (reconnectEvery > 0 && used >= reconnectEvery)) {
                                if (connection != null) {
                                    connection.close();
                                }
                                connection = webhook.connect();
                                used = 0;
                            }
                            RawHttps.Response response = connection.post(webhook.path,
                                    body.head, uid.getBytes(StandardCharsets.US_ASCII), body.tail);
                            used++;
                            long micros = (System.nanoTime() - due) / 1_000;
                            String problem = check(body, uid, response, used % 100 == 0);
                            if (problem == null) {
                                mine.recordValue(Math.min(micros, mine.getHighestTrackableValue()));
                            } else {
                                result.error(problem);
                            }
                            if (response.close()) {
                                connection.close();
                                connection = null;
                            }
                        } catch (IOException | RuntimeException e) {
                            result.error(e.getClass().getSimpleName() + ": " + e.getMessage());
                            if (connection != null) {
                                connection.close();
                            }
                            connection = null;
                        }
                    }
                } finally {
                    if (connection != null) {
                        connection.close();
                    }
                    result.merge(mine);
                }
            }, "load-" + c);
            threads.add(worker);
            worker.start();
        }
        for (Thread t : threads) {
            try {
                t.join(duration.toMillis() + 60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        result.nanos = Math.max(1, Math.min(System.nanoTime(), end + TimeUnit.SECONDS.toNanos(60)) - start);
        return result;
    }

    /** Every answer: 200, the uid, the verdict; now and then parsed whole (AdmissionReview v1, audit mode). */
    static String check(Body body, String uid, RawHttps.Response response, boolean full) {
        if (response.status() != 200) {
            return "HTTP " + response.status();
        }
        String text = response.text();
        if (!text.contains("\"uid\":\"" + uid + "\"")) {
            return "answer without its uid";
        }
        if (!text.contains("\"allowed\":" + body.allowed)) {
            return "allowed is not " + body.allowed;
        }
        if (full) {
            return Answers.problem(uid, text, body.allowed, body.mode);
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------

    private static int ratio(Options o, Webhook webhook) {
        Body pod = podBody(o);
        Body configMap = configMapBody(o);
        System.out.printf(Locale.ROOT, "ratio: %d connections, closed loop; %s (%d bytes) vs %s (%d bytes); "
                        + "%d s warm-up, then %d rounds of %d s each (the order alternates)%n", o.connections,
                pod.label, pod.length(), configMap.label, configMap.length(), o.warmupSeconds, o.rounds, o.seconds);
        for (Body body : o.only == null ? List.of(pod, configMap) : List.of(o.only.equals("pod") ? pod : configMap)) {
            run(webhook, body, o.connections, 0, Duration.ofSeconds(o.warmupSeconds / (o.only == null ? 2 : 1)), 0);
        }
        long podOk = 0;
        long cmOk = 0;
        double podSeconds = 0;
        double cmSeconds = 0;
        long errors = 0;
        for (int round = 0; round < o.rounds; round++) {
            List<Body> order = round % 2 == 0 ? List.of(pod, configMap) : List.of(configMap, pod);
            for (Body body : o.only == null ? order : List.of(o.only.equals("pod") ? pod : configMap)) {
                webhook.stats.reset();
                Result r = run(webhook, body, o.connections, 0, Duration.ofSeconds(o.seconds), 0);
                System.out.printf(Locale.ROOT, "  round %d  %-32s %,8.0f req/s  %s  %s%s%s%n", round + 1, body.label,
                        r.rate(), r.percentiles(), r.errorText(), webhook.stats.describe(), webhook.process == null ? ""
                                : String.format(Locale.ROOT, " = %.0f us of webhook CPU per answer",
                                webhook.stats.cpuSeconds() * 1e6 / Math.max(1, r.ok())));
                errors += r.errors.get();
                if (body == pod) {
                    podOk += r.ok();
                    podSeconds += r.nanos / 1e9;
                } else {
                    cmOk += r.ok();
                    cmSeconds += r.nanos / 1e9;
                }
            }
        }
        if (o.only != null) {
            webhook.finish();
            return errors == 0 ? 0 : 1;
        }
        double podRate = podOk / podSeconds;
        double cmRate = cmOk / cmSeconds;
        System.out.printf(Locale.ROOT, "ratio: /mutate %s pod %,.0f req/s, same bytes as ConfigMap %,.0f req/s: "
                + "ratio %.3f (target >= 0.90), %d errors%n", o.pod.name(), podRate, cmRate, podRate / cmRate, errors);
        webhook.finish();
        return errors == 0 ? 0 : 1;
    }

    private static int latency(Options o, Webhook webhook) {
        Body pod = podBody(o);
        System.out.printf(Locale.ROOT, "latency: open loop (latency from each request's due time), up to %d "
                        + "connections, %s; %d s warm-up at the first rate, then %d s per rate%n", o.connections,
                pod.label, o.warmupSeconds, o.seconds);
        run(webhook, pod, o.connections, o.rates.get(0), Duration.ofSeconds(o.warmupSeconds), 0);
        long errors = 0;
        for (int rate : o.rates) {
            webhook.stats.reset();
            HICCUPS.reset();
            Result r = run(webhook, pod, o.connections, rate, Duration.ofSeconds(o.seconds), 0);
            errors += r.errors.get();
            System.out.printf(Locale.ROOT, "  %,6d req/s asked, %,8.0f answered/s: %s  %s%s%s%n", rate, r.rate(),
                    r.percentiles(), r.errorText(), webhook.stats.describe(), HICCUPS.describe());
        }
        webhook.finish();
        return errors == 0 ? 0 : 1;
    }

    private static int soak(Options o, Webhook webhook) throws Exception {
        Body pod = podBody(o);
        int minutes = o.minutes;
        System.out.printf(Locale.ROOT, "soak: open loop %d req/s for %d min, %s, connections renewed every %d "
                        + "requests, a new certificate every %d s%n", o.rate, minutes, pod.label, o.reconnectEvery,
                o.rotateSeconds);
        if (webhook.process == null) {
            throw new IllegalArgumentException("soak rotates the child's certificate files: it needs the spawned webhook");
        }
        run(webhook, pod, o.connections, o.rate, Duration.ofSeconds(o.warmupSeconds), o.reconnectEvery);
        Webhook.Memory before = webhook.heapAfterGc();
        System.out.printf(Locale.ROOT, "  after warm-up: heap after full GC %.1f MiB, %d threads, RSS %.1f MiB%n",
                before.heapMiB(), before.threads(), before.rssMiB());
        AtomicBoolean stop = new AtomicBoolean();
        List<String> rotations = new ArrayList<>();
        Thread rotator = new Thread(() -> {
            long n = 0;
            while (!stop.get()) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(o.rotateSeconds));
                if (stop.get()) {
                    break;
                }
                try {
                    rotations.add(webhook.rotate(++n));
                } catch (Exception e) {
                    rotations.add("rotation " + n + " failed: " + e);
                }
            }
        }, "rotator");
        rotator.setDaemon(true);
        rotator.start();
        long errors = 0;
        List<Webhook.Memory> memory = new ArrayList<>();
        for (int minute = 1; minute <= minutes; minute++) {
            webhook.stats.reset();
            HICCUPS.reset();
            Result r = run(webhook, pod, o.connections, o.rate, Duration.ofSeconds(60), o.reconnectEvery);
            errors += r.errors.get();
            Webhook.Memory m = webhook.heapAfterGc();
            memory.add(m);
            System.out.printf(Locale.ROOT, "  minute %2d: %,7d answered (%,.0f/s), %s; %s; heap after full GC %.1f MiB, "
                            + "%d threads%s%s%n", minute, r.ok(), r.rate(), r.errorText(), r.percentiles(), m.heapMiB(),
                    m.threads(), webhook.stats.describe(), HICCUPS.describe());
        }
        stop.set(true);
        rotator.interrupt();
        rotator.join(15_000);
        rotations.forEach(line -> System.out.println("  " + line));
        System.out.printf(Locale.ROOT, "soak: %d min, %d errors, %d rotations; heap after full GC %.1f MiB after "
                        + "warm-up, %.1f .. %.1f MiB per minute, last %.1f; threads %d after warm-up, %d .. %d, last %d%n",
                minutes, errors, rotations.size(), before.heapMiB(),
                memory.stream().mapToDouble(Webhook.Memory::heapMiB).min().orElse(0),
                memory.stream().mapToDouble(Webhook.Memory::heapMiB).max().orElse(0),
                memory.get(memory.size() - 1).heapMiB(), before.threads(),
                memory.stream().mapToInt(Webhook.Memory::threads).min().orElse(0),
                memory.stream().mapToInt(Webhook.Memory::threads).max().orElse(0),
                memory.get(memory.size() - 1).threads());
        webhook.finish();
        return errors == 0 && rotations.stream().noneMatch(r -> r.contains("failed") || r.contains("not served"))
                ? 0 : 1;
    }

    // ---------------------------------------------------------------------------------------------

    /** The webhook under load: a child {@code serve --dev} JVM, or one already running. */
    static final class Webhook implements AutoCloseable {
        final String host;
        final int port;
        final String path = "/mutate";
        final Process process;
        final ProcessStats stats;
        private final Path log;
        private final Path certFile;
        private final Path keyFile;
        private final CertificateAuthority rotationCa;
        private final SSLContext trust;

        private Webhook(String host, int port, Process process, Path log, Path caFile, Path certFile, Path keyFile)
                throws Exception {
            this.host = host;
            this.port = port;
            this.process = process;
            this.stats = new ProcessStats(process == null ? null : process.pid());
            this.log = log;
            this.certFile = certFile;
            this.keyFile = keyFile;
            this.rotationCa = CertificateAuthority.generate("billing-guard load rotation CA", Duration.ofDays(1));
            this.trust = trusting(caFile, rotationCa.certificate());
        }

        static Webhook external(Options o) throws Exception {
            java.net.URI url = java.net.URI.create(o.url);
            return new Webhook(url.getHost(), url.getPort(), null, null, o.ca, null, null);
        }

        /** {@code java OPTS -jar JAR serve --dev} on ephemeral loopback ports; reads its banner. */
        static Webhook spawn(Options o) throws Exception {
            Path dir = Files.createTempDirectory("billing-guard-load-");
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, "server:\n  drainSeconds: 0\n  shutdownTimeoutSeconds: 5\n");
            Path log = dir.resolve("serve.log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(Arrays.asList(o.jvm.trim().isEmpty() ? new String[0] : o.jvm.trim().split("\\s+")));
            command.addAll(List.of("-jar", o.jar.toString(), "serve", "--dev", "--host", "127.0.0.1", "--port", "0",
                    "--ops-port", "0", "--config", config.toString()));
            System.out.println("webhook: " + String.join(" ", command) + " 2>" + log);
            Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            CompletableFuture<String[]> banner = new CompletableFuture<>();
            Thread reader = new Thread(() -> readBanner(process.getInputStream(), banner), "serve-stdout");
            reader.setDaemon(true);
            reader.start();
            String[] found;
            try {
                found = banner.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                process.destroyForcibly();
                throw new IllegalStateException("serve --dev did not print its banner: see " + log, e);
            }
            return new Webhook("127.0.0.1", Integer.parseInt(found[0]), process, log, Path.of(found[1]),
                    Path.of(found[2]), Path.of(found[3]));
        }

        private static void readBanner(InputStream stdout, CompletableFuture<String[]> banner) {
            Pattern webhook = Pattern.compile("webhook https://\\S+:(\\d+) ");
            Pattern serving = Pattern.compile("Serving certificate: (\\S+), key: (\\S+) ");
            String[] found = new String[4];
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    Matcher m = webhook.matcher(line);
                    if (m.find()) {
                        found[0] = m.group(1);
                    }
                    if (line.startsWith("CA certificate: ")) {
                        found[1] = line.substring("CA certificate: ".length()).trim();
                    }
                    m = serving.matcher(line);
                    if (m.find()) {
                        found[2] = m.group(1);
                        found[3] = m.group(2);
                    }
                    if (Arrays.stream(found).allMatch(f -> f != null)) {
                        banner.complete(found);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            banner.completeExceptionally(new IllegalStateException("no banner"));
        }

        RawHttps connect() throws IOException {
            return new RawHttps(trust, host, port);
        }

        /**
         * Writes a new serving pair (signed by this harness's CA, which the clients trust too) over
         * the child's files, key first, each by rename; then waits until a new connection is served it.
         */
        String rotate(long n) throws Exception {
            CertAndKey pair = CertificateBuilder.endEntity(rotationCa).commonName("localhost").dnsNames("localhost")
                    .ipAddresses("127.0.0.1").validFor(Duration.ofHours(2)).build();
            Instant at = Instant.now();
            replace(keyFile, pair.privateKeyPem());
            replace(certFile, pair.certificatePem());
            BigInteger serial = pair.certificate().getSerialNumber();
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20)) {
                try (RawHttps probe = connect()) {
                    if (probe.servedSerial().equals(serial)) {
                        return String.format(Locale.ROOT, "rotation %d at %s: served to new connections after %.1f s",
                                n, at, (System.nanoTime() - t0) / 1e9);
                    }
                }
                Thread.sleep(200);
            }
            return "rotation " + n + " at " + at + ": not served within 20 s";
        }

        private static void replace(Path file, String content) throws IOException {
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        /** Heap after a full GC (jcmd GC.run, then jstat), threads and resident memory of the child. */
        Memory heapAfterGc() throws Exception {
            if (process == null) {
                return new Memory(Double.NaN, 0, Double.NaN);
            }
            String pid = Long.toString(process.pid());
            exec("jcmd", pid, "GC.run");
            List<String> jstat = exec("jstat", "-gc", pid);
            String[] names = jstat.get(0).trim().split("\\s+");
            String[] values = jstat.get(1).trim().split("\\s+");
            double usedKiB = 0;
            for (int i = 0; i < names.length; i++) {
                if (List.of("S0U", "S1U", "EU", "OU").contains(names[i])) {
                    usedKiB += Double.parseDouble(values[i]);
                }
            }
            Map<String, Long> status = ProcessStats.status(process.pid());
            return new Memory(usedKiB / 1024, status.getOrDefault("Threads", 0L).intValue(),
                    status.getOrDefault("VmRSS", 0L) / 1024.0);
        }

        record Memory(double heapMiB, int threads, double rssMiB) {
        }

        private static List<String> exec(String... command) throws IOException, InterruptedException {
            command[0] = Path.of(System.getProperty("java.home"), "bin", command[0]).toString();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.matches("\\d+:")).toList();
            p.waitFor(60, TimeUnit.SECONDS);
            return lines;
        }

        /** Prints what the child logged at WARN or ERROR (a count, and the first few). */
        void finish() {
            if (process == null) {
                return;
            }
            try {
                Memory m = heapAfterGc();
                System.out.printf(Locale.ROOT, "webhook at the end: heap after full GC %.1f MiB, %d threads, RSS %.1f MiB%n",
                        m.heapMiB(), m.threads(), m.rssMiB());
                long warn = 0;
                long error = 0;
                List<String> first = new ArrayList<>();
                try (BufferedReader in = Files.newBufferedReader(log)) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        boolean w = line.contains("\"level\":\"WARN\"");
                        boolean e = line.contains("\"level\":\"ERROR\"");
                        warn += w ? 1 : 0;
                        error += e ? 1 : 0;
                        if ((w || e) && first.size() < 5) {
                            first.add(line.length() > 300 ? line.substring(0, 300) + "..." : line);
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "webhook log: %d WARN, %d ERROR lines (%,d bytes)%n", warn, error,
                        Files.size(log));
                first.forEach(l -> System.out.println("  " + l));
            } catch (Exception e) {
                System.out.println("webhook: could not read its state: " + e);
            }
        }

        @Override
        public void close() throws Exception {
            if (process != null) {
                process.destroy(); // SIGTERM: serve drains (0 s here) and deletes its throwaway keys
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                Files.deleteIfExists(log);
                Path dir = log.getParent();
                Files.deleteIfExists(dir.resolve("config.yaml"));
                Files.deleteIfExists(dir);
            }
        }
    }

    static SSLContext trusting(Path caFile, X509Certificate also) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        store.setCertificateEntry("rotation", also);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** Resident memory (peak of 4 samples a second) and threads of the child, from /proc. */
    static final class ProcessStats {
        private final Long pid;
        private final AtomicLong maxRssKiB = new AtomicLong();
        private final AtomicLong lastRssKiB = new AtomicLong();
        private final AtomicLong maxThreads = new AtomicLong();
        private volatile long cpuTicksAtReset;

        ProcessStats(Long pid) {
            this.pid = pid;
            if (pid != null) {
                Thread sampler = new Thread(() -> {
                    while (true) {
                        Map<String, Long> s = status(pid);
                        if (s.isEmpty()) {
                            return;
                        }
                        long rss = s.getOrDefault("VmRSS", 0L);
                        lastRssKiB.set(rss);
                        maxRssKiB.accumulateAndGet(rss, Math::max);
                        maxThreads.accumulateAndGet(s.getOrDefault("Threads", 0L), Math::max);
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
                    }
                }, "proc-sampler");
                sampler.setDaemon(true);
                sampler.start();
            }
        }

        void reset() {
            maxRssKiB.set(lastRssKiB.get());
            maxThreads.set(0);
            cpuTicksAtReset = pid == null ? 0 : cpuTicks(pid);
        }

        /** CPU seconds (user + system) the webhook used since {@link #reset}. */
        double cpuSeconds() {
            return pid == null ? Double.NaN : (cpuTicks(pid) - cpuTicksAtReset) / 100.0;
        }

        String describe() {
            if (pid == null) {
                return "";
            }
            return String.format(Locale.ROOT, "  [webhook RSS max %.1f MiB, threads max %d, CPU %.2f s]",
                    maxRssKiB.get() / 1024.0, maxThreads.get(), cpuSeconds());
        }

        /** utime + stime of /proc/PID/stat, in clock ticks (USER_HZ, 100 on Linux). */
        static long cpuTicks(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        /** VmRSS (KiB), VmHWM (KiB) and Threads of /proc/PID/status; empty when the process is gone. */
        static Map<String, Long> status(long pid) {
            try {
                Map<String, Long> values = new java.util.HashMap<>();
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    String[] parts = line.split(":\\s+");
                    if (parts.length == 2 && List.of("VmRSS", "VmHWM", "Threads").contains(parts[0])) {
                        values.put(parts[0], Long.parseLong(parts[1].replace(" kB", "").trim()));
                    }
                }
                return values;
            } catch (IOException | NumberFormatException e) {
                return Map.of();
            }
        }
    }

    /**
     * How late a thread of this JVM wakes from a 1 ms sleep (as jHiccup measures): stalls of the
     * machine or of the load generator itself, which the open-loop latencies include. A figure here
     * close to the latency tail says the tail is not the webhook's.
     */
    static final class Hiccups {
        private final Histogram late = new Histogram(TimeUnit.SECONDS.toMicros(60), 2);

        Hiccups() {
            Thread meter = new Thread(() -> {
                while (true) {
                    long t0 = System.nanoTime();
                    LockSupport.parkNanos(1_000_000);
                    long micros = Math.max(0, (System.nanoTime() - t0 - 1_000_000) / 1_000);
                    synchronized (late) {
                        late.recordValue(Math.min(micros, late.getHighestTrackableValue()));
                    }
                }
            }, "hiccup-meter");
            meter.setDaemon(true);
            meter.start();
        }

        void reset() {
            synchronized (late) {
                late.reset();
            }
        }

        String describe() {
            synchronized (late) {
                return String.format(Locale.ROOT, "  [load generator wake-up delay p99 %.1f, p99.9 %.1f, max %.1f ms]",
                        late.getValueAtPercentile(99) / 1e3, late.getValueAtPercentile(99.9) / 1e3, late.getMaxValue() / 1e3);
            }
        }
    }

    static final Hiccups HICCUPS = new Hiccups();

    // ---------------------------------------------------------------------------------------------

    enum Workspace {
        DEMO("demo", true, "byok"), PLAT("plat", true, "platform_managed"), RENO("reno", false, "byok");

        final String workspace;
        final boolean allowed;
        final String mode;

        Workspace(String workspace, boolean allowed, String mode) {
            this.workspace = workspace;
            this.allowed = allowed;
            this.mode = mode;
        }
    }

    static final class Options {
        static final String USAGE = """
                usage: WebhookLoad ratio|latency|soak [--pod small|large] [--workspace demo|plat|reno]
                         [--jvm "JVM OPTIONS"] [--jar target/billing-guard.jar] [--url https://HOST:PORT/mutate --ca FILE]
                         [--connections N] [--seconds S] [--warmup-seconds S]
                         ratio:   [--rounds N] [--only pod|configmap] (defaults: 16 connections, 3 rounds of 10 s, 20 s warm-up)
                         latency: [--rates 500,1000,2000]            (defaults: 32 connections, 30 s per rate, 20 s warm-up)
                         soak:    [--rate 1000] [--minutes 10] [--rotate-seconds 60] [--reconnect-every 2000]""";

        String mode;
        BenchPods.Size pod = BenchPods.SMALL;
        Workspace workspace = Workspace.DEMO;
        String jvm = "";
        Path jar = Path.of("target/billing-guard.jar");
        String url;
        Path ca;
        Integer connections;
        Integer seconds;
        int warmupSeconds = 20;
        int rounds = 3;
        String only;
        List<Integer> rates = List.of(500, 1000, 2000);
        int rate = 1000;
        int minutes = 10;
        int rotateSeconds = 60;
        int reconnectEvery = 2000;

        static Options parse(String[] args) {
            Options o = new Options();
            if (args.length == 0 || !List.of("ratio", "latency", "soak").contains(args[0])) {
                throw new IllegalArgumentException("first argument: ratio, latency or soak");
            }
            o.mode = args[0];
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                if (v == null) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                i++;
                switch (a) {
                    case "--pod" -> o.pod = switch (v) {
                        case "small" -> BenchPods.SMALL;
                        case "large" -> BenchPods.LARGE;
                        default -> throw new IllegalArgumentException("--pod small or large");
                    };
                    case "--workspace" -> o.workspace = Workspace.valueOf(v.toUpperCase(Locale.ROOT));
                    case "--jvm" -> o.jvm = v;
                    case "--jar" -> o.jar = Path.of(v);
                    case "--url" -> o.url = v;
                    case "--ca" -> o.ca = Path.of(v);
                    case "--connections" -> o.connections = positive(a, v);
                    case "--seconds" -> o.seconds = positive(a, v);
                    case "--warmup-seconds" -> o.warmupSeconds = Integer.parseInt(v);
                    case "--rounds" -> o.rounds = positive(a, v);
                    case "--only" -> o.only = switch (v) {
                        case "pod", "configmap" -> v;
                        default -> throw new IllegalArgumentException("--only pod or configmap");
                    };
                    case "--rates" -> o.rates = Arrays.stream(v.split(",")).map(s -> positive(a, s.trim())).toList();
                    case "--rate" -> o.rate = positive(a, v);
                    case "--minutes" -> o.minutes = positive(a, v);
                    case "--rotate-seconds" -> o.rotateSeconds = positive(a, v);
                    case "--reconnect-every" -> o.reconnectEvery = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if ((o.url == null) != (o.ca == null)) {
                throw new IllegalArgumentException("--url and --ca go together");
            }
            if (o.url == null && !Files.isRegularFile(o.jar)) {
                throw new IllegalArgumentException(o.jar + " not found: build it with mvn -B -q package -DskipTests");
            }
            if (o.connections == null) {
                o.connections = o.mode.equals("ratio") ? 16 : 32;
            }
            if (o.seconds == null) {
                o.seconds = o.mode.equals("ratio") ? 10 : 30;
            }
            return o;
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
