package ai.molecule.billingguard.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ServingCertificatesTest {
    @TempDir
    Path dir;

    @Test
    void the_ca_key_is_written_only_when_asked_and_belongs_to_the_ca() throws Exception {
        ServingCertificates.IssuedFiles dev = ServingCertificates.write(dir.resolve("dev"), "dev CA", "localhost",
                List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1), true);
        assertThat(dev.caKey()).isEqualTo(dir.resolve("dev/ca.key"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dev.caKey()))).isEqualTo("rw-------");
        // PemFiles proves the key signs for the first certificate of the chain it is paired with.
        assertThat(PemFiles.keyStore(dev.ca(), dev.caKey()).size()).isEqualTo(1);
        assertThat(PemFiles.keyStore(dev.certificate(), dev.privateKey()).size()).isEqualTo(1);
        // One validity window for both: the CA never expires before the certificate it signed
        var caCert = PemFiles.certificates(dev.ca()).get(0);
        var leaf = PemFiles.certificates(dev.certificate()).get(0);
        assertThat(leaf.getNotBefore()).isEqualTo(caCert.getNotBefore());
        assertThat(leaf.getNotAfter()).isEqualTo(caCert.getNotAfter());

        ServingCertificates.IssuedFiles operator = ServingCertificates.write(dir.resolve("ops"), "CA", "svc.ns.svc",
                List.of("svc.ns.svc"), List.of(), Duration.ofDays(1), false);
        assertThat(operator.caKey()).isNull();
        try (var files = Files.list(dir.resolve("ops"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca.crt", "tls.crt", "tls.key");
        }
    }
}
