package ai.molecule.billingguard.cli;

import org.junit.jupiter.api.Test;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code serve} refuses to start on bad configuration, listing every problem, with exit code 2. */
class ServeCommandTest {
    @Test
    void a_bad_config_lists_every_problem_and_exits_2() {
        ReviewCommandTest.Run run = run("serve", "--port", "99999", "--ops-port", "http", "--tls-cert", "/nope/tls.crt");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines()).containsExactlyInAnyOrder(
                "billing-guard: config: server.port must be a port number (0-65535), got 99999",
                "billing-guard: config: --ops-port: 'http' is not a whole number",
                "billing-guard: config: server.tlsCert: /nope/tls.crt does not exist",
                "billing-guard: config: server.tlsCert and server.tlsKey (--tls-cert, --tls-key) must be given together");
    }

    @Test
    void serving_without_a_certificate_needs_dev() {
        ReviewCommandTest.Run run = run("serve", "--port", "0", "--ops-port", "0");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo(
                "billing-guard: serve needs --tls-cert and --tls-key (or --dev for a self-signed certificate)\n");
    }

    @Test
    void dev_with_a_missing_secrets_path_is_one_line() {
        ReviewCommandTest.Run run = run("serve", "--dev", "--port", "0", "--ops-port", "0", "--secrets", "/nope");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("facts.secrets: /nope does not exist").doesNotContain("Exception");
    }
}
