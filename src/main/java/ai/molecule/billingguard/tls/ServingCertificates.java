package ai.molecule.billingguard.tls;

import ai.molecule.billingguard.config.InputException;

import java.io.IOException;
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
import java.util.List;

/**
 * A fresh CA and a serving certificate it signed, written as {@code ca.crt}, {@code tls.crt} and
 * {@code tls.key}: what {@code billing-guard certs} hands an operator and what {@code serve --dev}
 * serves with. The CA key is written only when asked ({@code serve --dev}, so that a developer can
 * sign a rotated certificate with the same CA); {@code certs} never writes it.
 */
public final class ServingCertificates {
    private ServingCertificates() {
    }

    /**
     * The written files, and the base64 {@code caBundle} for a webhook configuration.
     *
     * @param caKey the CA's private key, or null when it was not written
     */
    public record IssuedFiles(Path ca, Path caKey, Path certificate, Path privateKey, String caBundle) {
    }

    /** @throws InputException naming the file that could not be written */
    public static IssuedFiles write(Path dir, String caName, String commonName, List<String> dnsNames, List<String> ips,
                              Duration validity, boolean writeCaKey) {
        CertificateAuthority ca = CertificateAuthority.generate(caName, validity);
        // The CA's own validity window for the certificate too, so the CA never expires before it
        CertAndKey tls = CertificateBuilder.endEntity(ca).commonName(commonName)
                .dnsNames(dnsNames.toArray(String[]::new)).ipAddresses(ips.toArray(String[]::new))
                .validity(ca.certificate().getNotBefore().toInstant(), ca.certificate().getNotAfter().toInstant())
                .build();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InputException("certs: cannot create directory " + dir + " (" + reason(e) + ")");
        }
        Path caFile = dir.resolve("ca.crt");
        Path certFile = dir.resolve("tls.crt");
        Path keyFile = dir.resolve("tls.key");
        write(caFile, ca.certificatePem(), "rw-r--r--");
        write(certFile, tls.certificatePem(), "rw-r--r--");
        write(keyFile, tls.privateKeyPem(), "rw-------");
        Path caKeyFile = null;
        if (writeCaKey) {
            caKeyFile = dir.resolve("ca.key");
            write(caKeyFile, ca.signingKeyPem(), "rw-------");
        }
        return new IssuedFiles(caFile, caKeyFile, certFile, keyFile, CertificateAuthority.caBundle(ca.certificatePem()));
    }

    /**
     * Writes through a temporary file and a rename: a reader (or a reloader watching the directory)
     * never sees half a file, and the key is never readable by others, not even for a moment.
     */
    private static void write(Path file, String content, String posixMode) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp"); // 0600 on POSIX
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
