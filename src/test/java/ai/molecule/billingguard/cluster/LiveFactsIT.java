package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecretListBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static ai.molecule.billingguard.cluster.SecretFactsTest.SEED;
import static ai.molecule.billingguard.cluster.SecretFactsTest.b64;
import static org.assertj.core.api.Assertions.assertThat;

/** LiveFacts against a scripted API server: each expectation is one answer the API server may give. */
@EnableKubernetesMockClient
class LiveFactsIT {
    static final Object QUIET = MockServerLogs.quiet();
    static final String SECRET = "/api/v1/namespaces/team-a/secrets/ws-1-secrets";
    static final String NAMESPACE = "/api/v1/namespaces/team-a";
    static final String PLATFORM_LIST = "/api/v1/namespaces/team-a/secrets?labelSelector=molecule.ai%2Fsecret-scope%3Dglobal";
    static final String WORKSPACE_LIST = "/api/v1/namespaces/team-a/secrets?labelSelector=molecule.ai%2Fworkspace-id";
    static final Set<String> REFS = Set.of("ws-1-secrets", "shared-llm", "other-global", "ws-2-secrets", "plain");

    KubernetesMockServer server;
    KubernetesClient client;

    LiveFacts live() {
        return new LiveFacts(client, CONFIG, Duration.ofSeconds(2)); // the default deadline: roomy enough for a cold JVM's first request
    }

    static Object status(int code, String reason) {
        // A message that quotes a value, as an API server error might: it must not be passed on.
        return new StatusBuilder().withCode(code).withReason(reason).withMessage("boom " + SEED).build();
    }

    @Test
    void found_secret_namespace_and_labelled_platform_secrets() {
        server.expect().get().withPath(SECRET).andReturn(200, new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets").endMetadata()
                .addToData("LLM_PROVIDER", b64("openai")).addToData("OPENAI_API_KEY", b64(SEED)).build()).once();
        server.expect().get().withPath(NAMESPACE).andReturn(200, new NamespaceBuilder()
                .withNewMetadata().withName("team-a").addToAnnotations("molecule.ai/llm-billing-mode", "byok")
                .endMetadata().build()).once();
        server.expect().get().withPath(PLATFORM_LIST).andReturn(200, new SecretListBuilder()
                .addNewItem().withNewMetadata().withNamespace("team-a").withName("shared-llm")
                .addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                .addToData("CLAUDE_CODE_OAUTH_TOKEN", b64(SEED)).endItem()
                .addNewItem().withNewMetadata().withNamespace("team-a").withName("other-global")
                .addToLabels("molecule.ai/secret-scope", "global").endMetadata().endItem()
                .addNewItem().withNewMetadata().withNamespace("team-a").withName("unreferenced").endMetadata().endItem()
                .build()).once();
        server.expect().get().withPath(WORKSPACE_LIST).andReturn(200, new SecretListBuilder()
                .addNewItem().withNewMetadata().withNamespace("team-a").withName("ws-2-secrets")
                .addToLabels("molecule.ai/workspace-id", "2").endMetadata()
                .addToData("MOLECULE_LLM_USAGE_TOKEN", b64(SEED)).endItem()
                .build()).once();

        Facts facts = live().facts("team-a", "ws-1-secrets", REFS);

        WorkspaceSecret secret = ((Lookup.Found<WorkspaceSecret>) facts.workspaceSecret()).value();
        assertThat(secret.provider()).isEqualTo("openai");
        assertThat(secret.nonEmptyKeys()).containsExactlyInAnyOrder("LLM_PROVIDER", "OPENAI_API_KEY");
        assertThat(((Lookup.Found<NamespaceInfo>) facts.namespace()).value().annotations())
                .containsEntry("molecule.ai/llm-billing-mode", "byok");
        assertThat(facts.referencedSecrets()).isEqualTo(Lookup.found(Map.of(
                "shared-llm", new SecretLabels(true, Optional.empty()),
                "other-global", new SecretLabels(true, Optional.empty()),
                "ws-2-secrets", new SecretLabels(false, Optional.of("2")))));
        assertThat(facts.toString()).doesNotContain(SEED);
    }

    @Test
    void not_found_is_absent() {
        // The scripted server answers 404 to anything not expected.
        Facts facts = live().facts("team-a", "ws-1-secrets", REFS);

        assertThat(facts.workspaceSecret()).isInstanceOf(Lookup.Absent.class);
        assertThat(facts.namespace()).isInstanceOf(Lookup.Absent.class);
        assertThat(facts.referencedSecrets()).isEqualTo(Lookup.found(Map.of()));
    }

    @Test
    void no_workspace_secret_name_means_no_secret_request() {
        Facts facts = live().facts("team-a", null, Set.of());

        assertThat(facts.workspaceSecret()).isInstanceOf(Lookup.Absent.class);
        assertThat(facts.referencedSecrets()).isEqualTo(Lookup.found(Map.of()));
        assertThat(paths(requests())).containsExactly(NAMESPACE); // no secret GET, no list without references
    }

    @Test
    void a_server_error_is_a_one_line_failure_after_exactly_one_request() {
        server.expect().get().withPath(SECRET).andReturn(500, status(500, "InternalError")).always();

        Lookup<WorkspaceSecret> lookup = live().workspaceSecret("team-a", "ws-1-secrets");

        assertThat(lookup).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "HTTP 500 Internal Server Error"));
        assertThat(paths(requests())).containsExactly(SECRET); // no retries
    }

    @Test
    void too_many_requests_is_a_failure_after_exactly_one_request_every_time() {
        server.expect().get().withPath(SECRET).andReturn(429, status(429, "TooManyRequests")).always();

        for (int i = 0; i < 3; i++) {
            Lookup<WorkspaceSecret> lookup = live().workspaceSecret("team-a", "ws-1-secrets");
            assertThat(lookup).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "HTTP 429 Too Many Requests"));
        }
        assertThat(paths(requests())).containsExactly(SECRET, SECRET, SECRET); // one GET per lookup: no retry past the deadline
    }

    @Test
    void a_forbidden_namespace_is_a_failure_naming_it() {
        server.expect().get().withPath(NAMESPACE).andReturn(403, status(403, "Forbidden")).once();

        assertThat(live().namespace("team-a")).isEqualTo(Lookup.failed("Namespace team-a", "HTTP 403 Forbidden"));
    }

    @Test
    void a_hanging_api_server_fails_within_the_bound() {
        server.expect().get().delay(30, TimeUnit.SECONDS).withPath(SECRET)
                .andReturn(200, new SecretBuilder().withNewMetadata().withName("ws-1-secrets").endMetadata().build()).once();

        long start = System.nanoTime();
        Lookup<WorkspaceSecret> lookup = new LiveFacts(client, CONFIG, Duration.ofMillis(500))
                .workspaceSecret("team-a", "ws-1-secrets");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(lookup).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "timed out after 500ms"));
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void all_lookups_of_a_request_run_side_by_side_within_one_deadline() {
        for (String path : List.of(SECRET, NAMESPACE, PLATFORM_LIST, WORKSPACE_LIST)) {
            server.expect().get().delay(10, TimeUnit.SECONDS).withPath(path).andReturn(404, status(404, "NotFound")).once();
        }

        long start = System.nanoTime();
        Facts facts = new LiveFacts(client, CONFIG, Duration.ofMillis(700)).facts("team-a", "ws-1-secrets", REFS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(facts.workspaceSecret()).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "timed out after 700ms"));
        assertThat(facts.namespace()).isEqualTo(Lookup.failed("Namespace team-a", "timed out after 700ms"));
        assertThat(facts.referencedSecrets()).isEqualTo(Lookup.failed(
                "Secrets labelled molecule.ai/secret-scope=global or molecule.ai/workspace-id in namespace team-a",
                "timed out after 700ms"));
        // Not the server's 10 s, nor four deadlines one after the other: the four requests were all
        // sent within the one deadline.
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(paths(requests())).containsExactlyInAnyOrder(SECRET, NAMESPACE, PLATFORM_LIST, WORKSPACE_LIST);
    }

    @Test
    void undecodable_data_is_a_failure_naming_the_key_only() {
        server.expect().get().withPath(SECRET).andReturn(200, new SecretBuilder()
                .withNewMetadata().withNamespace("team-a").withName("ws-1-secrets").endMetadata()
                .addToData("OPENAI_API_KEY", SEED + "*").build()).once();

        assertThat(live().workspaceSecret("team-a", "ws-1-secrets"))
                .isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "data.OPENAI_API_KEY is not valid base64"));
    }

    @Test
    void a_failed_platform_secret_list_is_a_failed_lookup() {
        server.expect().get().withPath(PLATFORM_LIST).andReturn(500, status(500, "InternalError")).once();

        Facts facts = live().facts("team-a", "ws-1-secrets", REFS);

        assertThat(facts.referencedSecrets()).isEqualTo(Lookup.failed(
                "Secrets labelled molecule.ai/secret-scope=global or molecule.ai/workspace-id in namespace team-a",
                "HTTP 500 Internal Server Error"));
    }

    @Test
    void failures_never_carry_the_server_message() {
        server.expect().get().withPath(SECRET).andReturn(500, status(500, "InternalError")).once();
        server.expect().get().withPath(NAMESPACE).andReturn(503, status(503, "ServiceUnavailable")).once();

        Facts facts = live().facts("team-a", "ws-1-secrets", Set.of());

        assertThat(((Lookup.Failed<?>) facts.workspaceSecret()).message()).doesNotContain(SEED).doesNotContain("\n");
        assertThat(((Lookup.Failed<?>) facts.namespace()).cause()).isEqualTo("HTTP 503 Service Unavailable");
    }

    List<RecordedRequest> requests() {
        List<RecordedRequest> all = new ArrayList<>();
        try {
            for (RecordedRequest r; (r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
                all.add(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return all;
    }

    static List<String> paths(List<RecordedRequest> requests) {
        return requests.stream().map(RecordedRequest::getPath).toList();
    }
}
