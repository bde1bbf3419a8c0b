package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.tls.PemPair;
import ai.molecule.billingguard.tls.ServingCertificates;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What {@code serve --dev} uses instead of a cluster: a private temporary directory, deleted on
 * exit, holding a throwaway CA and serving pair (for the bound address) and a copy of the example
 * AdmissionReview; and facts from {@code --secrets}, or else from the example Secrets and
 * Namespaces built into the jar (the build copies {@code examples/cluster/} and
 * {@code examples/admission/pod-create.json} from the repository, so they cannot drift apart).
 * Works from any directory.
 */
final class DevMode implements AutoCloseable {
    /** Where the build puts the examples on the class path. */
    static final String EXAMPLES = "/examples/";

    private final Path dir;
    private final ServingCertificates.IssuedFiles certificates;
    private final Path review;

    private DevMode(Path dir, ServingCertificates.IssuedFiles certificates, Path review) {
        this.dir = dir;
        this.certificates = certificates;
        this.review = review;
    }

    /** @param host the address the ports bind to: the certificate names it too, so the banner's URLs verify */
    static DevMode create(String host) throws IOException {
        Path dir = Files.createTempDirectory("billing-guard-dev-"); // 0700 on POSIX
        try {
            List<String> dnsNames = new ArrayList<>(List.of("localhost"));
            List<String> ips = new ArrayList<>(List.of("127.0.0.1", "::1"));
            if (!isWildcard(host) && !dnsNames.contains(host) && !ips.contains(host)) {
                (isIpLiteral(host) ? ips : dnsNames).add(host);
            }
            ServingCertificates.IssuedFiles certificates = ServingCertificates.write(dir, "billing-guard dev CA", "localhost",
                    dnsNames, ips, Duration.ofDays(7), true);
            Path review = dir.resolve("pod-create.json");
            try (InputStream in = resource("admission/pod-create.json")) {
                Files.copy(in, review);
            }
            return new DevMode(dir, certificates, review);
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** The serving pair, read from its files (replace them and new connections get the new pair). */
    PemPair servingPair() {
        return PemPair.read(certificates.certificate(), certificates.privateKey());
    }

    /** The facts: {@code --secrets}, else the examples built into the jar. */
    static LocalFacts facts(Optional<Path> secrets, PolicyConfig policy) {
        return secrets.map(path -> LocalFacts.load(path, policy))
                .orElseGet(() -> readBuiltIn(url("cluster"), path -> LocalFacts.load(path, policy)));
    }

    /**
     * Reads a folder of the class path as a {@link Path}: a directory when running from
     * {@code target/classes}, a folder inside the jar when running from it.
     */
    static <T> T readBuiltIn(URL folder, Function<Path, T> read) {
        try {
            URI uri = folder.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return read.apply(Path.of(uri));
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                return read.apply(jar.provider().getPath(uri));
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException("built-in examples at an unreadable location " + folder, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the jar holding the built-in examples", e);
        }
    }

    /** The banner: where everything is, and a request to try that works from any directory. */
    void printBanner(PrintWriter out, String host, int webhookPort, int opsPort, Optional<Path> secrets) {
        String webhook = "https://" + urlHost(host) + ":" + webhookPort;
        String curl = "curl -s --cacert " + certificates.ca() + " -H 'Content-Type: application/json' --data @" + review
                + " " + webhook + "/mutate";
        out.println("billing-guard --dev: webhook " + webhook + " (POST /mutate, POST /validate), ops http://"
                + urlHost(host) + ":" + opsPort + " (/healthz /readyz /metrics)");
        out.println("Facts: " + secrets.map(p -> p.toAbsolutePath().toString())
                .orElse("the examples built into billing-guard (examples/cluster/ of its sources); --secrets PATH reads others"));
        out.println("CA certificate: " + certificates.ca());
        out.println("Serving certificate: " + certificates.certificate() + ", key: " + certificates.privateKey()
                + " (replace them and new connections get the new pair; the CA key for signing one is "
                + certificates.caKey() + "; all deleted on exit)");
        out.println("Try:   " + curl);
        out.println("Patch: " + curl + " | jq -r .response.patch | base64 -d");
        out.flush();
    }

    @Override
    public void close() throws IOException {
        deleteTree(dir); // the throwaway keys do not outlive the process
    }

    /** The host part of a URL that reaches {@code host}; a wildcard bind is reached through localhost. */
    static String urlHost(String host) {
        if (isWildcard(host)) {
            return "localhost";
        }
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    private static URL url(String folder) {
        URL url = DevMode.class.getResource(EXAMPLES + folder);
        if (url == null) {
            throw new IllegalStateException("billing-guard was built without its examples (" + EXAMPLES + folder + ")");
        }
        return url;
    }

    private static InputStream resource(String file) {
        InputStream in = DevMode.class.getResourceAsStream(EXAMPLES + file);
        if (in == null) {
            throw new IllegalStateException("billing-guard was built without its examples (" + EXAMPLES + file + ")");
        }
        return in;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
