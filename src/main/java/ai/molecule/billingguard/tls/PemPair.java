package ai.molecule.billingguard.tls;

import java.nio.file.Path;

/**
 * A PEM certificate chain and its PEM private key as bytes, each with the name messages use for it
 * (a file path, or a Secret's key). {@link CertificateReloader} serves whatever a source of these
 * hands it: files on disk, or a pair held in memory.
 */
public record PemPair(String certificateName, byte[] certificate, String privateKeyName, byte[] privateKey) {

    /**
     * Reads both files now.
     *
     * @throws PemException naming the file that cannot be read
     */
    public static PemPair read(Path certificate, Path privateKey) {
        return new PemPair(certificate.toString(), PemFiles.read(certificate),
                privateKey.toString(), PemFiles.read(privateKey));
    }

    /** Names only: the key's bytes never reach a log line or an assertion message. */
    @Override
    public String toString() {
        return "PemPair[" + certificateName + ", " + privateKeyName + "]";
    }
}
