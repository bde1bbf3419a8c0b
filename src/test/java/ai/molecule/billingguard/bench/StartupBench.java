package ai.molecule.billingguard.bench;

import ai.molecule.billingguard.cli.Kubeconfigs;
import ai.molecule.billingguard.tls.ServingCertificates;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Start-up of the jar as a user meets it, each run a new JVM (a main class in the test sources;
 * the command is in docs/performance.md):
 * <ul>
 *   <li>{@code review}: {@code review --secrets examples examples/pods/02-byok-with-key.yaml},
 *       wall time from starting the JVM to its exit;</li>
 *   <li>{@code dev}: {@code serve --dev}, wall time from starting the JVM to the first 200 from
 *       {@code /readyz} (polled every 10 ms);</li>
 *   <li>{@code files}: {@code serve --tls-cert --tls-key --kubeconfig} against fabric8's CRUD mock
 *       API server in this JVM (two guarded namespaces, a few secrets), to {@code /readyz} 200
 *       (certificate loaded and informers synced).</li>
 * </ul>
 * With {@code --cds} it first builds an AppCDS archive as the image's build does (one
 * {@code serve} run with certificate files and {@code -XX:ArchiveClassesAtExit}, ended by SIGTERM)
 * and then measures every mode without and with {@code -XX:SharedArchiveFile}, runs interleaved.
 */
public final class StartupBench {
    /** The mock API server logs every request through java.util.logging; kept here so the level holds. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        int runs = 5;
        Path jar = Path.of("target/billing-guard.jar");
        String jvm = "";
        List<String> modes = List.of("review", "dev", "files");
        boolean cds = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--jvm" -> jvm = args[++i];
                case "--modes" -> modes = List.of(args[++i].split(","));
                case "--cds" -> cds = true;
                default -> {
                    System.err.println("usage: StartupBench [--runs 5] [--jar target/billing-guard.jar] [--jvm \"OPTIONS\"] "
                            + "[--modes review,dev,files] [--cds]");
                    System.exit(2);
                }
            }
        }
        if (!Files.isRegularFile(jar)) {
            System.err.println(jar + " not found: build it with mvn -B -q package -DskipTests");
            System.exit(2);
        }
        System.out.printf(Locale.ROOT, "machine: %d processors, load average %.2f; %s, %d runs each%n",
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), jar, runs);
        Path dir = Files.createTempDirectory("billing-guard-startup-");
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), true);
        api.init();
        try (KubernetesClient client = api.createClient()) {
            seed(client);
            Path kubeconfig = Kubeconfigs.write(dir, client.getMasterUrl().toString(), "startup-token");
            ServingCertificates.IssuedFiles certs = ServingCertificates.write(dir.resolve("certs"), "startup CA", "localhost",
                    List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1), false);
            Path config = Files.writeString(dir.resolve("config.yaml"), "server:\n  drainSeconds: 0\n");
            Bench bench = new Bench(jar, dir, kubeconfig, certs, config);
            List<String> variants = new ArrayList<>(List.of(jvm));
            if (cds) {
                Path archive = dir.resolve("billing-guard.jsa");
                long t0 = System.nanoTime();
                bench.serveFiles(join(jvm, "-XX:ArchiveClassesAtExit=" + archive), Duration.ofSeconds(3));
                System.out.printf(Locale.ROOT, "AppCDS archive: %s, %.1f MiB (trained by one serve run, %.1f s)%n",
                        archive, Files.size(archive) / 1048576.0, (System.nanoTime() - t0) / 1e9);
                variants.add(join(jvm, "-XX:SharedArchiveFile=" + archive));
            }
            for (String mode : modes) {
                Map<String, List<Double>> times = new HashMap<>();
                for (int run = 0; run < runs; run++) {
                    for (String options : variants) {
                        double seconds = switch (mode) {
                            case "review" -> bench.review(options);
                            case "dev" -> bench.serveDev(options);
                            case "files" -> bench.serveFiles(options, Duration.ZERO);
                            default -> throw new IllegalArgumentException("mode " + mode);
                        };
                        times.computeIfAbsent(options, k -> new ArrayList<>()).add(seconds);
                    }
                }
                for (String options : variants) {
                    List<Double> t = times.get(options);
                    double[] sorted = t.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                    System.out.printf(Locale.ROOT, "%-6s %-40s median %.2f s, min %.2f, max %.2f  (%s)%n", mode,
                            options.isEmpty() ? "(no JVM options)" : options.replace(dir.toString(), "$TMP"),
                            sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1],
                            String.join(" ", t.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList()));
                }
            }
        } finally {
            api.destroy();
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static String join(String a, String b) {
        return (a + " " + b).trim();
    }

    private static void seed(KubernetesClient client) {
        for (String ns : List.of("team-demo", "team-byok")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                    .addToLabels("molecule.ai/billing-guard", "enabled").endMetadata().build()).create();
            client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("molecule-platform-llm")
                    .addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                    .addToStringData("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-STARTUP-NOT-REAL").build()).create();
            for (int i = 0; i < 5; i++) {
                client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("ws-w" + i + "-secrets")
                        .addToLabels("molecule.ai/workspace-id", "w" + i).endMetadata()
                        .addToStringData("LLM_PROVIDER", "openai").addToStringData("OPENAI_API_KEY", "sk-proj-STARTUP-" + i)
                        .build()).create();
            }
        }
    }

    record Bench(Path jar, Path dir, Path kubeconfig, ServingCertificates.IssuedFiles certs, Path config) {
        double review(String options) throws Exception {
            List<String> command = java(options);
            command.addAll(List.of("-jar", jar.toString(), "review", "--secrets", "examples",
                    "examples/pods/02-byok-with-key.yaml"));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("review did not exit 0: " + String.join(" ", command));
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        double serveDev(String options) throws Exception {
            return serve(options, List.of("--dev"), Duration.ZERO);
        }

        double serveFiles(String options, Duration afterReady) throws Exception {
            return serve(options, List.of("--kubeconfig", kubeconfig.toString(), "--tls-cert", certs.certificate().toString(),
                    "--tls-key", certs.privateKey().toString()), afterReady);
        }

        private double serve(String options, List<String> how, Duration afterReady) throws Exception {
            int port = freePort();
            int opsPort = freePort();
            List<String> command = java(options);
            command.addAll(List.of("-jar", jar.toString(), "serve"));
            command.addAll(how);
            command.addAll(List.of("--host", "127.0.0.1", "--port", String.valueOf(port), "--ops-port",
                    String.valueOf(opsPort), "--config", config.toString()));
            Path log = dir.resolve("serve.log");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(log.toFile()).start();
            try {
                URI readyz = URI.create("http://127.0.0.1:" + opsPort + "/readyz");
                while (true) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("serve exited with " + p.exitValue() + ": "
                                + String.join(" ", command) + "\n" + Files.readString(log));
                    }
                    if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
                        throw new IllegalStateException("serve not ready within 60 s: " + Files.readString(log));
                    }
                    if (status(readyz) == 200) {
                        break;
                    }
                    Thread.sleep(10);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(afterReady.toMillis());
                return seconds;
            } finally {
                p.destroy(); // SIGTERM: drains (0 s here) and exits
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }

        private static int status(URI uri) {
            try {
                HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
                c.setConnectTimeout(200);
                c.setReadTimeout(1000);
                int code = c.getResponseCode();
                c.disconnect();
                return code;
            } catch (IOException e) {
                return -1; // not listening yet
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }

        private static List<String> java(String options) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (!options.isBlank()) {
                command.addAll(Arrays.asList(options.trim().split("\\s+")));
            }
            return command;
        }
    }
}
