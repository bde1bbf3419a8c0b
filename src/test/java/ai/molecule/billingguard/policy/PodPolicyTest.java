package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

class PodPolicyTest {
    final PodPolicy policy = new PodPolicy(ConfigLoader.defaults().policy());

    /** No API path is ever built from an id that is not a label value: such a workspace is unknown without a lookup. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "w1                | ws-w1-secrets",
            "3f9c-a.b          | ws-3f9c-a.b-secrets",
            "a_b               | -",
            "'../w1'           | -",
            "'w1/../../x'      | -",
            "'w1\u200b'        | -",
            "'W1'              | -",
            "'-w1'             | -",
            "'w1 '             | -",
            "'%2e%2e'          | -",
    })
    void only_a_workspace_id_that_names_a_secret_is_looked_up(String id, String secret) {
        ObjectNode pod = Json.JSON.createObjectNode();
        pod.putObject("metadata").putObject("labels").put("molecule.ai/workspace-id", id);
        assertThat(policy.workspaceSecretName(pod)).isEqualTo(secret);
    }
}
