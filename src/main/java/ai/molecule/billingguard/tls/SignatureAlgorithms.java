package ai.molecule.billingguard.tls;

import java.util.Optional;

/** The one place that knows which signature algorithm goes with a kind of key. */
final class SignatureAlgorithms {
    private SignatureAlgorithms() {
    }

    /**
     * The JCA signature algorithm for a key's algorithm name ({@code Key.getAlgorithm()}): SHA-256
     * for RSA and ECDSA keys (what kube-apiserver and every TLS client verify), the key's own
     * scheme for Edwards-curve keys; empty for anything else.
     */
    static Optional<String> forKey(String keyAlgorithm) {
        return Optional.ofNullable(switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> keyAlgorithm;
            default -> null;
        });
    }
}
