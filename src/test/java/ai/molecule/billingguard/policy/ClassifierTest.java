package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What counts as a platform item, one env or envFrom entry per row (docs/policy.md). */
class ClassifierTest {
    static final Map<String, Classifier.Role> ROLES = Map.of(
            "molecule-platform-llm", Classifier.Role.PLATFORM,
            "shared-global", Classifier.Role.PLATFORM,
            "ws-1-secrets", Classifier.Role.OWN_WORKSPACE,
            "ws-2-secrets", Classifier.Role.OTHER_WORKSPACE);
    final Classifier classifier = new Classifier(ConfigLoader.defaults().policy(),
            name -> ROLES.getOrDefault(name, Classifier.Role.OTHER));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // '-' = not platform (the user's own item, or nothing to do with LLM credentials)
            "{name: ANY_NAME, valueFrom: {secretKeyRef: {name: molecule-platform-llm, key: K}}}  | from platform credential Secret molecule-platform-llm",
            "{name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: shared-global, key: K}}}    | from platform credential Secret shared-global",
            "{name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-2-secrets, key: K}}}     | from another workspace's Secret ws-2-secrets",
            "{name: SETTINGS, valueFrom: {secretKeyRef: {name: ws-2-secrets, key: S}}}           | from another workspace's Secret ws-2-secrets",
            "{name: MOLECULE_LLM_BASE_URL, value: 'https://x'}                                  | platform proxy variable",
            "{name: MOLECULE_LLM_USAGE_TOKEN, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: T}}} | platform proxy variable",
            "{name: MOLECULE_LLM_ANTHROPIC_BASE_URL}                                            | platform proxy variable",
            "{name: MOLECULE_LLM_USAGE_URL, valueFrom: {fieldRef: {fieldPath: metadata.name}}}  | platform proxy variable",
            "{name: ANTHROPIC_API_KEY, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: MOLECULE_LLM_USAGE_TOKEN}}} | reads key MOLECULE_LLM_USAGE_TOKEN of the workspace secret, a platform proxy name",
            "{name: SOMETHING, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: MOLECULE_LLM_BASE_URL}}} | reads key MOLECULE_LLM_BASE_URL of the workspace secret, a platform proxy name",
            "{name: ANTHROPIC_API_KEY, value: sk-literal}                                       | LLM credential not from the workspace secret",
            "{name: CODEX_AUTH_JSON, valueFrom: {configMapKeyRef: {name: c, key: k}}}          | LLM credential not from the workspace secret",
            "{name: HF_TOKEN, valueFrom: {secretKeyRef: {name: other, key: k}}}                 | LLM credential not from the workspace secret",
            "{name: ZAI_API_KEY}                                                                | LLM credential not from the workspace secret",
            "{name: HERMES_CUSTOM_BASE_URL, value: 'https://x'}                                 | LLM credential not from the workspace secret",
            "{name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: OPENAI_API_KEY}}} | -",
            "{name: ANTHROPIC_API_KEY, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: LLM_PROVIDER}}} | -",
            "{name: HUGGINGFACE_API_KEY, value: not-in-the-credential-list}                     | -",
            "{name: LOG_LEVEL, value: debug}                                                    | -",
            "{name: SETTINGS, valueFrom: {secretKeyRef: {name: ws-1-secrets, key: S}}}           | -",
    })
    void env_items_are_classified(String env, String expected) {
        assertThat(classifier.env(Json.documents(env).get(0)).orElse("-")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{secretRef: {name: molecule-platform-llm}}              | platform credential Secret",
            "{prefix: X_, secretRef: {name: shared-global}}          | platform credential Secret",
            "{secretRef: {name: ws-2-secrets}}                       | another workspace's secret",
            "{secretRef: {name: ws-1-secrets}}                       | -",
            "{configMapRef: {name: molecule-platform-llm}}           | -",
    })
    void envFrom_entries_are_platform_when_their_secret_is(String envFrom, String expected) {
        assertThat(classifier.envFrom(Json.documents(envFrom).get(0)).orElse("-")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{name: v, secret: {secretName: s1}}                                   | s1",
            "{name: v, projected: {sources: [{secret: {name: s1}}, {configMap: {name: c}}, {secret: {name: s2}}]}} | s1 s2",
            "{name: v, csi: {driver: d, nodePublishSecretRef: {name: s1}}}         | s1",
            "{name: v, azureFile: {secretName: s1, shareName: x}}                  | s1",
            "{name: v, cephfs: {monitors: [m], secretRef: {name: s1}}}             | s1",
            "{name: v, rbd: {monitors: [m], image: i, secretRef: {name: s1}}}      | s1",
            "{name: v, iscsi: {targetPortal: t, iqn: q, lun: 0, secretRef: {name: s1}}} | s1",
            "{name: v, flexVolume: {driver: d, secretRef: {name: s1}}}             | s1",
            "{name: v, scaleIO: {gateway: g, system: s, secretRef: {name: s1}}}    | s1",
            "{name: v, storageos: {volumeName: x, secretRef: {name: s1}}}          | s1",
            "{name: v, configMap: {name: s1}}                                      | -",
            "{name: v, emptyDir: {}}                                               | -",
            "{name: v, secret: {secretName: 42}}                                   | -",
    })
    void every_volume_type_that_names_a_secret_is_read(String volume, String secrets) {
        assertThat(String.join(" ", PodScan.volumeSecrets(Json.documents(volume).get(0))))
                .isEqualTo(secrets.equals("-") ? "" : secrets);
    }
}
