package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.tls.PemFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

class CertsCommandTest {
    @TempDir
    Path dir;

    @Test
    void writes_a_ca_and_a_serving_pair_that_pem_files_loads() throws Exception {
        Path outDir = dir.resolve("certs-out");
        ReviewCommandTest.Run run = run("certs", "--service", "bg", "--namespace", "team-a", "--out", outDir.toString(), "--days", "30");

        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        Path ca = outDir.resolve("ca.crt");
        Path cert = outDir.resolve("tls.crt");
        Path key = outDir.resolve("tls.key");
        assertThat(run.out().lines()).containsExactly("ca.crt:   " + ca, "tls.crt:  " + cert, "tls.key:  " + key,
                "caBundle: " + Base64.getEncoder().encodeToString(Files.readAllBytes(ca)));

        PemFiles.keyStore(cert, key); // the pair loads and matches
        X509Certificate leaf = PemFiles.certificates(cert).get(0);
        X509Certificate root = PemFiles.certificates(ca).get(0);
        leaf.verify(root.getPublicKey());
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "bg"), List.of(2, "bg.team-a"),
                List.of(2, "bg.team-a.svc"), List.of(2, "bg.team-a.svc.cluster.local"));
        assertThat(Duration.between(Instant.now(), PemFiles.notAfter(cert))).isBetween(Duration.ofDays(29), Duration.ofDays(30));
        assertThat(root.getNotAfter()).isEqualTo(leaf.getNotAfter());
        if (Files.getFileStore(outDir).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cert))).isEqualTo("rw-r--r--");
        }
        try (var files = Files.list(outDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca.crt", "tls.crt", "tls.key");
        }
    }

    @Test
    void days_below_one_is_one_line_and_exit_2() {
        ReviewCommandTest.Run run = run("certs", "--out", dir.toString(), "--days", "0");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).containsExactly("billing-guard: config: certs.days (--days) must be between 1 and 36500, got 0");
    }

    @Test
    void an_unwritable_directory_is_one_line_and_exit_2() throws Exception {
        Path blocker = Files.writeString(dir.resolve("a-file"), "x"); // tests may run as root: chmod would not stop it
        Path outDir = blocker.resolve("certs");
        ReviewCommandTest.Run run = run("certs", "--out", outDir.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("billing-guard: certs: cannot create directory " + outDir + " (");
    }

    @Test
    void a_service_name_that_is_no_dns_label_is_one_line_and_exit_2() {
        ReviewCommandTest.Run run = run("certs", "--out", dir.toString(), "--service", "Billing_Guard");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("billing-guard: config: certs.service (--service) 'Billing_Guard' is not a DNS label");
    }

    @Test
    void existing_files_are_kept_without_force_one_line_and_exit_2() throws Exception {
        Path outDir = dir.resolve("certs-out");
        assertThat(run("certs", "--out", outDir.toString()).exit()).isZero();
        byte[] key = Files.readAllBytes(outDir.resolve("tls.key"));
        byte[] ca = Files.readAllBytes(outDir.resolve("ca.crt"));

        ReviewCommandTest.Run again = run("certs", "--out", outDir.toString());

        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.out()).isEmpty();
        assertThat(again.err().lines()).containsExactly("billing-guard: certs: " + outDir
                + " already holds ca.crt, tls.crt, tls.key; give --force to overwrite, or --out for another directory");
        assertThat(Files.readAllBytes(outDir.resolve("tls.key"))).isEqualTo(key);
        assertThat(Files.readAllBytes(outDir.resolve("ca.crt"))).isEqualTo(ca);
    }

    @Test
    void one_existing_file_is_enough_to_refuse() throws Exception {
        Files.writeString(dir.resolve("tls.key"), "someone's key");
        ReviewCommandTest.Run run = run("certs", "--out", dir.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("already holds tls.key;");
        assertThat(Files.readString(dir.resolve("tls.key"))).isEqualTo("someone's key");
        assertThat(dir.resolve("ca.crt")).doesNotExist();
    }

    @Test
    void force_overwrites_by_flag_or_by_config_file() throws Exception {
        Path outDir = dir.resolve("certs-out");
        assertThat(run("certs", "--out", outDir.toString()).exit()).isZero();
        byte[] first = Files.readAllBytes(outDir.resolve("ca.crt"));

        ReviewCommandTest.Run forced = run("certs", "--out", outDir.toString(), "--force");
        assertThat(forced.err()).isEmpty();
        assertThat(forced.exit()).isZero();
        byte[] second = Files.readAllBytes(outDir.resolve("ca.crt"));
        assertThat(second).isNotEqualTo(first);
        assertThat(forced.out()).contains("caBundle: " + Base64.getEncoder().encodeToString(second));

        Path config = Files.writeString(dir.resolve("config.yaml"), "certs:\n  force: true\n");
        ReviewCommandTest.Run byConfig = run("certs", "--config", config.toString(), "--out", outDir.toString());
        assertThat(byConfig.err()).isEmpty();
        assertThat(byConfig.exit()).isZero();
        assertThat(Files.readAllBytes(outDir.resolve("ca.crt"))).isNotEqualTo(second);
    }

    @Test
    void help_shows_only_the_options_certs_uses() {
        ReviewCommandTest.Run run = run("certs", "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("--config", "--service", "--namespace", "--out", "--days", "--force")
                .doesNotContain("--catalog", "--secrets", "--kubeconfig");
    }
}
