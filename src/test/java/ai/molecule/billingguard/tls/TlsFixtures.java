package ai.molecule.billingguard.tls;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;

/** A real Jetty TLS server and JDK HTTP clients that trust one CA only. */
public final class TlsFixtures {
    private TlsFixtures() {
    }

    /** Plain Jetty 12 on 127.0.0.1, any port; answers "ok" and closes, so every request is a new handshake. */
    public static Server startServer(SslContextFactory.Server tls) throws Exception {
        Server server = new Server();
        ServerConnector connector = TlsConnector.create(server, new HttpConfiguration(), tls, "127.0.0.1", 0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                Content.Sink.write(response, true, request.isSecure() ? "ok" : "not secure", callback);
                return true;
            }
        });
        server.start();
        return server;
    }

    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public static URI uri(Server server) {
        return URI.create("https://127.0.0.1:" + port(server) + "/");
    }

    public static HttpClient client(X509Certificate ca, String... protocols) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).sslContext(Trust.trusting(ca));
        if (protocols.length > 0) {
            SSLParameters parameters = new SSLParameters();
            parameters.setProtocols(protocols);
            builder.sslParameters(parameters);
        }
        return builder.build();
    }

    public static HttpResponse<String> get(HttpClient client, Server server) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(server)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The certificate a brand-new connection is served. */
    public static X509Certificate served(Server server, X509Certificate ca) throws IOException, InterruptedException {
        HttpResponse<String> response = get(client(ca), server);
        return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    static void writePair(Path certFile, Path keyFile, CertAndKey pair) throws IOException {
        Files.writeString(certFile, pair.certificatePem()); // in place, not atomic: readers may see it half done
        Files.writeString(keyFile, pair.privateKeyPem());
    }

    /**
     * A directory laid out like a Kubernetes Secret volume: {@code tls.crt -> ..data/tls.crt} and
     * {@code ..data -> ..<version>}. {@link #update} swaps {@code ..data} atomically, as kubelet does.
     */
    static final class SecretVolume {
        final Path dir;
        private int version;

        SecretVolume(Path dir, String cert, String key) throws IOException {
            this.dir = dir;
            update(cert, key);
            Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data", "tls.crt"));
            Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data", "tls.key"));
        }

        Path cert() {
            return dir.resolve("tls.crt");
        }

        Path key() {
            return dir.resolve("tls.key");
        }

        void update(String cert, String key) throws IOException {
            Path data = dir.resolve("..v" + ++version);
            Files.createDirectory(data);
            Files.writeString(data.resolve("tls.crt"), cert);
            Files.writeString(data.resolve("tls.key"), key);
            Path link = dir.resolve("..data_tmp");
            Files.createSymbolicLink(link, data.getFileName());
            Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
