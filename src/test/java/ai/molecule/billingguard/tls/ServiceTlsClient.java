package ai.molecule.billingguard.tls;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

/**
 * A TLS client that checks what kube-apiserver checks when it calls a webhook: the chain up to
 * the caBundle's CA and the Service's DNS name (the socket goes to 127.0.0.1, the name is what
 * the handshake verifies). One request per connection, so every call is a new handshake.
 */
public final class ServiceTlsClient {
    public record Answer(X509Certificate served, String statusLine) {
    }

    private ServiceTlsClient() {
    }

    public static Answer get(int port, X509Certificate ca, String serviceName) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        plain.setSoTimeout(10_000);
        try (SSLSocket socket = (SSLSocket) Trust.trusting(ca).getSocketFactory().createSocket(plain, serviceName, port, true)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the name must be in the certificate
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + serviceName + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return new Answer(served, answer.lines().findFirst().orElse(""));
        }
    }
}
