package ai.molecule.billingguard.admission;

import tools.jackson.databind.JsonNode;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What a fixture's {@code expected.yaml} may say:
 * {@code allowed}, {@code code}, {@code message} (substrings), {@code warnings} (substrings, one
 * per expected warning, count exact), {@code patch} (the exact operations), {@code noPatch},
 * {@code audit} (exact), {@code patched} (a subset of the patched object: objects by key, arrays
 * element by element with the same length).
 */
final class Expectations {
    private Expectations() {
    }

    static void check(JsonNode expected, JsonNode response, JsonNode patch, JsonNode patched) {
        if (expected.has("allowed")) {
            assertThat(response.get("allowed").asBoolean()).as("allowed").isEqualTo(expected.get("allowed").asBoolean());
        }
        if (expected.has("code")) {
            assertThat(response.at("/status/code").asInt()).as("status.code").isEqualTo(expected.get("code").asInt());
        }
        for (JsonNode part : expected.path("message")) {
            assertThat(response.at("/status/message").asString("")).as("status.message").contains(part.asString());
        }
        if (expected.has("warnings")) {
            JsonNode warnings = response.path("warnings");
            assertThat(warnings.size()).as("number of warnings in " + warnings).isEqualTo(expected.get("warnings").size());
            for (int i = 0; i < warnings.size(); i++) {
                assertThat(warnings.get(i).asString()).contains(expected.get("warnings").get(i).asString());
            }
        }
        if (expected.has("patch")) {
            assertThat(patch).as("patch").isEqualTo(expected.get("patch"));
        }
        if (expected.path("noPatch").asBoolean(false)) {
            assertThat(patch).as("patch").isEmpty();
            assertThat(response.has("warnings")).as("warnings").isFalse();
        }
        if (expected.has("audit")) {
            assertThat(response.get("auditAnnotations")).as("auditAnnotations").isEqualTo(expected.get("audit"));
        }
        if (expected.has("patched")) {
            subset(expected.get("patched"), patched, "");
        }
    }

    private static void subset(JsonNode want, JsonNode have, String path) {
        if (want.isObject()) {
            assertThat(have != null && have.isObject()).as("object at " + path).isTrue();
            for (Map.Entry<String, JsonNode> e : want.properties()) {
                if (e.getValue().isNull()) {
                    assertThat(have.has(e.getKey())).as("absent: " + path + "/" + e.getKey()).isFalse();
                } else {
                    subset(e.getValue(), have.get(e.getKey()), path + "/" + e.getKey());
                }
            }
        } else if (want.isArray()) {
            if (have == null || !have.isArray() || have.size() != want.size()) {
                fail("array at " + path + ": expected " + want + " but was " + have);
            }
            for (int i = 0; i < want.size(); i++) {
                subset(want.get(i), have.get(i), path + "/" + i);
            }
        } else {
            assertThat(have).as("value at " + path).isEqualTo(want);
        }
    }
}
