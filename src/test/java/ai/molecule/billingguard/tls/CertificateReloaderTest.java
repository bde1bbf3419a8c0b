package ai.molecule.billingguard.tls;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static ai.molecule.billingguard.tls.TlsFixtures.served;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A real TLS server (Jetty 12) and real clients (java.net.http) around the reloader. */
class CertificateReloaderTest {
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static CertificateAuthority ca;

    @TempDir
    Path dir;
    private Server server;
    private CertificateReloader reloader;
    private SslContextFactory.Server tls;

    @BeforeAll
    static void authority() {
        ca = CertificateAuthority.generate("test-ca", Duration.ofDays(1));
    }

    @AfterEach
    void stop() throws Exception {
        if (reloader != null) {
            reloader.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    private static CertAndKey leaf() {
        return CertificateBuilder.endEntity(ca).dnsNames("billing-guard", "billing-guard.molecule-system.svc")
                .ipAddresses("127.0.0.1").validFor(Duration.ofHours(1)).build();
    }

    private void serve(Path cert, Path key) throws Exception {
        tls = CertificateReloader.serverFactory();
        reloader = new CertificateReloader(cert, key, tls, POLL);
        server = TlsFixtures.startServer(tls);
    }

    @Test
    void handshake_succeeds_and_serves_the_expected_names() throws Exception {
        CertAndKey first = leaf();
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TlsFixtures.writePair(cert, key, first);
        serve(cert, key);

        HttpResponse<String> response = TlsFixtures.get(TlsFixtures.client(ca.certificate()), server);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        X509Certificate presented = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertThat(presented.getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());
        assertThat(presented.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "billing-guard"), List.of(2, "billing-guard.molecule-system.svc"), List.of(7, "127.0.0.1"));
        assertThat(reloader.notAfter()).isEqualTo(first.certificate().getNotAfter().toInstant());
        assertThat(reloader.reloads()).isZero();
    }

    @Test
    void rotation_is_picked_up_while_requests_keep_flowing() throws Exception {
        CertAndKey first = leaf();
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TlsFixtures.writePair(cert, key, first);
        serve(cert, key);

        // Every response closes its connection, so each request of the loop is a fresh handshake
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger succeeded = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        HttpClient client = TlsFixtures.client(ca.certificate());
        Thread load = new Thread(() -> {
            while (running.get()) {
                try {
                    HttpResponse<String> r = TlsFixtures.get(client, server);
                    if (r.statusCode() == 200) {
                        succeeded.incrementAndGet();
                    } else {
                        failures.add("status " + r.statusCode());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }, "load");
        load.start();
        try {
            await().atMost(PATIENCE).until(() -> succeeded.get() >= 20);

            CertAndKey second = leaf();
            assertThat(second.certificate().getSerialNumber()).isNotEqualTo(first.certificate().getSerialNumber());
            TlsFixtures.writePair(cert, key, second);

            await().atMost(PATIENCE).until(() -> reloader.reloads() >= 1);
            assertThat(served(server, ca.certificate()).getSerialNumber()).isEqualTo(second.certificate().getSerialNumber());
            assertThat(reloader.reloads()).isEqualTo(1);
            assertThat(reloader.notAfter()).isEqualTo(second.certificate().getNotAfter().toInstant());
            int atRotation = succeeded.get();
            await().atMost(PATIENCE).until(() -> succeeded.get() >= atRotation + 20);
        } finally {
            running.set(false);
            load.join(PATIENCE.toMillis());
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void a_garbage_key_is_ignored_until_a_good_pair_arrives() throws Exception {
        CertAndKey first = leaf();
        TlsFixtures.SecretVolume volume = new TlsFixtures.SecretVolume(dir, first.certificatePem(), first.privateKeyPem());
        serve(volume.cert(), volume.key());
        CertAndKey second = leaf();

        // kubelet swaps ..data in one step, so the reloader sees exactly this pair and no intermediate
        volume.update(second.certificatePem(), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        await().atMost(PATIENCE).until(() -> reloader.rejections() == 1);
        assertThat(served(server, ca.certificate()).getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());
        assertThat(reloader.reloads()).isZero();
        assertThat(reloader.certificate().getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());

        volume.update(second.certificatePem(), second.privateKeyPem());
        await().atMost(PATIENCE).until(() -> reloader.reloads() == 1);
        assertThat(served(server, ca.certificate()).getSerialNumber()).isEqualTo(second.certificate().getSerialNumber());
        assertThat(reloader.rejections()).isEqualTo(1); // one warning for the bad pair, not one per poll
    }

    @Test
    void a_mismatched_pair_at_start_up_is_one_clear_error() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(cert, leaf().certificatePem());
        Files.writeString(key, leaf().privateKeyPem());
        assertThatThrownBy(() -> new CertificateReloader(cert, key, CertificateReloader.serverFactory(), POLL))
                .isInstanceOf(PemException.class)
                .hasMessageStartingWith(key + ": private key does not match the first certificate in " + cert);
    }

    @Test
    void only_tls_1_2_and_1_3_are_offered_and_tls_1_1_is_refused_on_the_wire() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TlsFixtures.writePair(cert, key, leaf());
        serve(cert, key);

        // The served engines enable exactly these. JDK 17 already disables TLS 1.0/1.1 in java.security,
        // so also ask the factory what it would pick on a JVM whose security file re-enables them.
        assertThat(tls.newSSLEngine().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
        SslContextFactory.Server permissiveJvm = CertificateReloader.serverFactory();
        permissiveJvm.selectProtocols(new String[] {"TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"},
                tls.newSSLEngine().getSupportedProtocols());
        assertThat(permissiveJvm.getSelectedProtocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
        assertThat(TlsFixtures.get(TlsFixtures.client(ca.certificate(), "TLSv1.2"), server).statusCode()).isEqualTo(200);
        assertThat(TlsFixtures.get(TlsFixtures.client(ca.certificate(), "TLSv1.3"), server).statusCode()).isEqualTo(200);

        // What a TLS 1.1 client gets. The JDK's own client will not even offer 1.1, so send the
        // ClientHello by hand: the server must answer with a fatal alert, not a ServerHello.
        try (Socket socket = new Socket("127.0.0.1", TlsFixtures.port(server))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(clientHello(0x0302));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] record = in.readNBytes(7);
            assertThat(record).hasSize(7);
            assertThat(record[0]).as("record type (21 = alert, 22 = handshake)").isEqualTo((byte) 21);
            assertThat(record[6]).as("alert description (70 = protocol_version)").isEqualTo((byte) 70);
        }
    }

    /** A minimal TLS ClientHello offering {@code version} and two RSA suites, without extensions. */
    private static byte[] clientHello(int version) {
        ByteBuffer body = ByteBuffer.allocate(2 + 32 + 1 + 2 + 4 + 2);
        body.putShort((short) version).put(new byte[32]).put((byte) 0)
                .putShort((short) 4).putShort((short) 0xc013).putShort((short) 0x002f)
                .put((byte) 1).put((byte) 0);
        ByteBuffer record = ByteBuffer.allocate(5 + 4 + body.capacity());
        record.put((byte) 22).putShort((short) 0x0301).putShort((short) (4 + body.capacity()))
                .put((byte) 1).put((byte) 0).putShort((short) body.capacity()).put(body.array());
        return record.array();
    }
}
