package ai.molecule.billingguard.pki;

import ai.molecule.billingguard.tls.CertificateSet;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Secret that holds the self-managed {@link CertificateSet}: {@code ca.crt}, {@code ca.key},
 * {@code tls.crt}, {@code tls.key}, of type {@code kubernetes.io/tls} so that anything that reads
 * TLS Secrets (an Ingress, cert tooling, {@code kubectl}) recognises it. Writes are optimistic:
 * create fails when another replica created it first, replace fails when another replica changed
 * it since it was read (its {@code resourceVersion}); either way the caller reads it again.
 */
final class TlsSecret {
    static final String CA_CRT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String TLS_CRT = "tls.crt";
    static final String TLS_KEY = "tls.key";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Duration timeout;

    TlsSecret(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.timeout = Duration.ofMillis(client.getConfiguration().getRequestTimeout());
        this.namespace = namespace;
        this.name = name;
    }

    /** {@code Secret NS/NAME}, for messages. */
    String describe() {
        return "Secret " + namespace + "/" + name;
    }

    /** The Secret, or null when there is none. */
    Secret read() {
        try {
            return resource().get();
        } catch (KubernetesClientException e) {
            throw ApiCallException.of(e, "get secrets/" + name + inNamespace(), timeout);
        }
    }

    /** Creates the Secret holding {@code set}; false when another replica created it first. */
    boolean create(CertificateSet set) {
        Secret secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels(MANAGED_BY, "billing-guard").endMetadata()
                .withType("kubernetes.io/tls").withData(data(set)).build();
        try {
            client.secrets().inNamespace(namespace).resource(secret).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            // RBAC cannot scope create by name: say so rather than "secrets/NAME"
            throw ApiCallException.of(e, "create secrets" + inNamespace(), timeout);
        }
    }

    /**
     * Replaces the certificate keys of {@code stored} (its type, labels and other keys stay) if
     * nobody changed it since it was read; false when somebody did.
     */
    boolean replace(Secret stored, CertificateSet set) {
        Map<String, String> merged = new LinkedHashMap<>(stored.getData() == null ? Map.of() : stored.getData());
        merged.putAll(data(set));
        // The resourceVersion read stays in the object: the PUT succeeds only if it is still current
        Secret updated = new SecretBuilder(stored).withData(merged).withStringData(null).build();
        try {
            client.secrets().inNamespace(namespace).resource(updated).update();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            throw ApiCallException.of(e, "update secrets/" + name + inNamespace(), timeout);
        }
    }

    /** What a Secret holds; a key that is missing is null, one that is not base64 reads as empty text. */
    static CertificateSet certificateSet(Secret secret) {
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        return new CertificateSet(decode(data.get(CA_CRT)), decode(data.get(CA_KEY)), decode(data.get(TLS_CRT)),
                decode(data.get(TLS_KEY)));
    }

    private static Map<String, String> data(CertificateSet set) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CA_CRT, encode(set.caCertificates()));
        data.put(CA_KEY, encode(set.caKey()));
        data.put(TLS_CRT, encode(set.certificate()));
        data.put(TLS_KEY, encode(set.privateKey()));
        return data;
    }

    private static String decode(String base64) {
        if (base64 == null) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String encode(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private Resource<Secret> resource() {
        return client.secrets().inNamespace(namespace).withName(name);
    }

    private String inNamespace() {
        return " in namespace " + namespace;
    }
}
