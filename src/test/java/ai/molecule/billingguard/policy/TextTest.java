package ai.molecule.billingguard.policy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextTest {
    @Test
    void controls_and_invisible_characters_are_escaped_so_they_show() {
        assertThat(Text.name("w1\u200b")).isEqualTo("w1\\u200b");
        assertThat(Text.name("a\nb\tc")).isEqualTo("a\\u000ab\\u0009c");
        assertThat(Text.name("right\u202eleft")).isEqualTo("right\\u202eleft");
        assertThat(Text.quoted("say \"hi\"")).isEqualTo("\"say \\u0022hi\\u0022\"");
    }

    @Test
    void ordinary_names_pass_unchanged_including_non_latin_letters() {
        assertThat(Text.name("ws-w1_secrets.2")).isEqualTo("ws-w1_secrets.2");
        assertThat(Text.name("agent-ü-日本")).isEqualTo("agent-ü-日本");
        assertThat(Text.name(null)).isEqualTo("<none>");
    }

    @Test
    void long_names_are_cut_with_their_length_shown() {
        assertThat(Text.name("x".repeat(1_000_000))).isEqualTo("x".repeat(80) + "…(1000000 chars)");
        assertThat(Text.cut("abcdef", 4)).isEqualTo("abc…");
        assertThat(Text.cut("abc", 4)).isEqualTo("abc");
    }
}
