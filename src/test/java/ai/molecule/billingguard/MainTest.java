package ai.molecule.billingguard;

import ai.molecule.billingguard.cli.ReviewCommandTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    private static String pomVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>billing-guard</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).as("the project version in pom.xml").isTrue();
        return m.group(1);
    }

    @Test
    void version_prints_the_version_the_pom_declares_for_every_command() throws IOException {
        String expected = "billing-guard " + pomVersion();
        for (String[] args : new String[][]{{"--version"}, {"-V"}, {"review", "--version"}, {"certs", "--version"},
                {"serve", "--version"}}) {
            ReviewCommandTest.Run run = run(args);
            assertThat(run.exit()).isZero();
            assertThat(run.out().strip()).as(String.join(" ", args)).isEqualTo(expected);
        }
    }

    @Test
    void help_without_a_command_lists_the_commands() {
        ReviewCommandTest.Run run = run("help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: billing-guard").contains("serve", "review", "certs", "help");
    }

    @Test
    void help_with_a_command_prints_that_commands_usage() {
        ReviewCommandTest.Run run = run("help", "review");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: billing-guard review").contains("--secrets", "- reads standard input")
                .isEqualTo(run("review", "--help").out());
    }

    @Test
    void help_for_an_unknown_command_is_one_line_and_exit_2() {
        ReviewCommandTest.Run run = run("help", "nosuch");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines().filter(l -> l.startsWith("billing-guard:")))
                .containsExactly("billing-guard: Unknown subcommand 'nosuch'.");
        assertThat(run.err()).doesNotContain("Exception");
    }
}
