package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.InputException;
import ai.molecule.billingguard.tls.CertAndKey;
import ai.molecule.billingguard.tls.CertificateAuthority;
import ai.molecule.billingguard.tls.CertificateBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** {@code billing-guard certs}: a CA and a serving certificate for the webhook Service, as PEM files. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = {"Generate a CA and a TLS serving certificate for the webhook Service (BouncyCastle, RSA 2048).",
                "Writes ca.crt, tls.crt and tls.key (mode 0600) and prints the base64 caBundle for the webhook configuration.",
                "The CA key is not kept: to rotate, run it again and update the caBundle together with the Secret.",
                "Exit 0 on success, 2 on bad input."})
public final class CertsCommand implements Callable<Integer> {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int MAX_DAYS = 36500;

    @Option(names = "--service", paramLabel = "NAME", defaultValue = "${env:BILLING_GUARD_CERTS_SERVICE:-billing-guard}",
            description = "Service name (env BILLING_GUARD_CERTS_SERVICE; default ${DEFAULT-VALUE})")
    String service;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            defaultValue = "${env:BILLING_GUARD_CERTS_NAMESPACE:-molecule-system}",
            description = "Namespace of the Service (env BILLING_GUARD_CERTS_NAMESPACE; default ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "${env:BILLING_GUARD_CERTS_OUT:-certs-out}",
            description = "Directory to write to, created if missing (env BILLING_GUARD_CERTS_OUT; default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--days", paramLabel = "N", defaultValue = "${env:BILLING_GUARD_CERTS_DAYS:-365}",
            description = "Validity of the CA and the certificate (env BILLING_GUARD_CERTS_DAYS; default ${DEFAULT-VALUE})")
    int days;

    private final PrintWriter out;

    public CertsCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (days < 1 || days > MAX_DAYS) {
            throw new InputException("certs: --days must be between 1 and " + MAX_DAYS + ", got " + days);
        }
        requireLabel("--service", service);
        requireLabel("--namespace", namespace);

        // One validity window for both, so the CA never expires before the certificate it signed
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant notBefore = now.minus(Duration.ofMinutes(5));
        Instant notAfter = now.plus(Duration.ofDays(days));
        CertificateAuthority ca = new CertificateAuthority(CertificateBuilder.rootCa(service + "." + namespace + " webhook CA")
                .validity(notBefore, notAfter).build());
        CertAndKey tls = CertificateBuilder.endEntity(ca).commonName(service + "." + namespace + ".svc")
                .dnsNames(dnsNames(service, namespace).toArray(String[]::new)).validity(notBefore, notAfter).build();

        Path caFile = dir.resolve("ca.crt");
        Path certFile = dir.resolve("tls.crt");
        Path keyFile = dir.resolve("tls.key");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InputException("certs: cannot create directory " + dir + " (" + reason(e) + ")");
        }
        write(caFile, ca.certificatePem(), "rw-r--r--");
        write(certFile, tls.certificatePem(), "rw-r--r--");
        write(keyFile, tls.privateKeyPem(), "rw-------");

        out.println("ca.crt:   " + caFile);
        out.println("tls.crt:  " + certFile);
        out.println("tls.key:  " + keyFile);
        out.println("caBundle: " + Base64.getEncoder().encodeToString(ca.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        out.flush();
        return 0;
    }

    /** The names kube-apiserver and in-cluster clients may dial the Service by. */
    static List<String> dnsNames(String service, String namespace) {
        String svc = service + "." + namespace + ".svc";
        return List.of(service, service + "." + namespace, svc, svc + ".cluster.local");
    }

    /**
     * Writes through a temporary file and a rename: a reader (or a reloader watching the directory)
     * never sees half a file, and the key is never readable by others, not even for a moment.
     */
    private static void write(Path file, String content, String posixMode) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp"); // 0600 on POSIX file systems
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(posixMode));
            }
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort; the write error below is what matters
                }
            }
            throw new InputException("certs: cannot write " + file + " (" + reason(e) + ")");
        }
    }

    private static void requireLabel(String flag, String value) {
        if (value == null || !DNS_LABEL.matcher(value).matches()) {
            throw new InputException("certs: " + flag + " '" + value + "' is not a DNS label"
                    + " (lowercase letters, digits and '-', at most 63, starting and ending alphanumeric)");
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getClass().getSimpleName();
    }
}
