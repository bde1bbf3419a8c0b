package ai.molecule.billingguard.json;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    private static final String YAML = """
            string: text
            quoted: "42"
            int: 42
            negative: -7
            long: 9000000000
            big: 123456789012345678901234567890
            float: 1.5
            exponent: 1e3
            infinity: .inf
            yes: true
            no: false
            nothing: null
            tilde: ~
            empty: {}
            list: [1, two, 3.0, null, [nested], {a: b}]
            anchored: &x {k: v}
            alias: *x
            binary: !!binary aGVsbG8=
            set: !!set {a, b}
            "1": numeric key
            """;

    @Test
    void a_yaml_document_becomes_the_tree_jackson_data_binding_would_build() {
        List<Object> loaded = new ArrayList<>();
        new Load(LoadSettings.builder().build()).loadAllFromString(YAML).forEach(loaded::add);
        assertThat(loaded).hasSize(1);
        assertThat(Json.tree(loaded.get(0))).isEqualTo(Json.JSON.valueToTree(loaded.get(0)));
        assertThat(Json.tree(loaded.get(0)).toString()).isEqualTo(Json.JSON.valueToTree(loaded.get(0)).toString());
    }

    @Test
    void documents_reads_every_yaml_document_as_that_tree() {
        assertThat(Json.documents(YAML + "---\n---\n[1, {b: c}]\n")).hasSize(2).first()
                .satisfies(doc -> {
                    assertThat(doc.get("big").bigIntegerValue().toString()).isEqualTo("123456789012345678901234567890");
                    assertThat(doc.get("alias")).isEqualTo(doc.get("anchored"));
                    assertThat(doc.get("binary").binaryValue()).isEqualTo("hello".getBytes());
                    assertThat(doc.get("quoted").isString()).isTrue();
                });
    }

    @Test
    void a_null_key_or_two_keys_that_read_as_the_same_text_are_refused() {
        assertThatThrownBy(() -> Json.documents("null: a\nk: b\n")).isInstanceOf(Json.SyntaxException.class)
                .hasMessage("a mapping key is null");
        assertThatThrownBy(() -> Json.documents("1: a\n\"1\": b\n")).isInstanceOf(Json.SyntaxException.class)
                .hasMessage("duplicate mapping key \"1\"");
        assertThatThrownBy(() -> Json.documents("true: a\n\"true\": b\n")).isInstanceOf(Json.SyntaxException.class)
                .hasMessage("duplicate mapping key \"true\"");
        assertThat(Json.documents("1: a\n2: b\n").get(0).toString()).isEqualTo("{\"1\":\"a\",\"2\":\"b\"}");
    }

    @Test
    void the_yaml_writer_is_one_and_the_same_mapper() {
        assertThat(Json.yaml()).isSameAs(Json.yaml());
        assertThat(Json.yaml().writeValueAsString(Json.documents("{a: b}").get(0))).isEqualTo("a: b\n");
    }
}
