package ai.molecule.billingguard.tls;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** An HTTPS (HTTP/1.1 over TLS) Jetty connector around a {@link SslContextFactory.Server}. */
public final class TlsConnector {
    private TlsConnector() {
    }

    /**
     * @param base HTTP settings to copy (Javalin passes its own to {@code cfg.jetty.addConnector}); not modified
     * @param host interface to bind, or null for all
     * @param port 0 for any free port
     */
    public static ServerConnector create(Server server, HttpConfiguration base, SslContextFactory.Server tls,
                                         String host, int port) {
        HttpConfiguration https = new HttpConfiguration(base);
        https.getCustomizers().removeIf(c -> c instanceof SecureRequestCustomizer);
        // Marks requests secure. No SNI host check: probes and clients that dial the pod IP would get
        // "400 Invalid SNI" although the certificate is right for the Service name they trust.
        https.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector connector = new ServerConnector(server,
                new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()), new HttpConnectionFactory(https));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }
}
