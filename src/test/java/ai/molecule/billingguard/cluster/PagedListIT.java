package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.metrics.Metrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the informers list, against a scripted API server: in pages of {@code facts.listPageSize},
 * each bounded by {@code facts.listTimeoutSeconds} rather than the client's request timeout, and a
 * failed page asked for again with its continue token.
 */
class PagedListIT {
    static final String WORKSPACE_SELECTOR = "labelSelector=molecule.ai%2Fworkspace-id";

    ScriptedApiServer server;
    KubernetesClient client;
    InformerFacts facts;
    final Metrics metrics = new Metrics();

    @AfterEach
    void close() {
        if (facts != null) {
            facts.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** 50 workspace secrets in 5 namespaces, listed 10 to a page. */
    InformerFacts started(Duration clientTimeout, Duration listTimeout) throws Exception {
        server = server == null ? new ScriptedApiServer(50, 5) : server;
        client = server.client(clientTimeout);
        facts = new InformerFacts(client, new Config.Cluster(Optional.empty(), Optional.empty(), Duration.ofSeconds(2),
                List.of(), 10, listTimeout), CONFIG, metrics, Duration.ofMillis(50));
        facts.start();
        await().atMost(Duration.ofSeconds(30)).until(facts::synced);
        return facts;
    }

    List<String> workspacePages() {
        return server.requests().stream().filter(r -> r.startsWith("GET /api/v1/secrets?")
                && r.contains(WORKSPACE_SELECTOR) && !r.contains("watch=true")).toList();
    }

    double counter(String name) {
        return metrics.registry().get(name).tag("object", "workspace-secrets").counter().count();
    }

    @Test
    void lists_come_in_pages_that_follow_the_continue_token() throws Exception {
        started(Duration.ofSeconds(5), Duration.ofSeconds(10));

        assertThat(workspacePages()).hasSize(5).allSatisfy(r -> assertThat(r).contains("limit=10"));
        assertThat(workspacePages().get(0)).doesNotContain("continue=");
        assertThat(workspacePages().subList(1, 5)).allSatisfy(r -> assertThat(r).contains("continue=c-"));
        assertThat(facts.progress()).isEqualTo("workspace-secrets 50 synced, platform-secrets 5 synced, namespaces 5 synced");
    }

    @Test
    void a_failed_page_is_asked_for_again_with_its_continue_token_instead_of_starting_over() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        server = new ScriptedApiServer(50, 5).script((kind, offset, token) ->
                kind.equals("workspace-secrets") && offset == 30 && failed.compareAndSet(false, true)
                        ? ScriptedApiServer.Reply.FAIL_500 : ScriptedApiServer.Reply.OK);

        started(Duration.ofSeconds(5), Duration.ofSeconds(10));

        List<String> pages = workspacePages();
        assertThat(pages).hasSize(6); // 5 pages and one retry
        assertThat(pages.get(3)).contains("continue=c-30");
        assertThat(pages.get(4)).isEqualTo(pages.get(3)); // the same page again, not the first one
        assertThat(counter("billing_guard_informer_page_retries")).isEqualTo(1);
        assertThat(counter("billing_guard_informer_list_restarts")).isZero();
        assertThat(facts.progress()).startsWith("workspace-secrets 50 synced");
    }

    @Test
    void an_expired_continue_token_starts_the_list_over() throws Exception {
        AtomicBoolean expired = new AtomicBoolean();
        server = new ScriptedApiServer(50, 5).script((kind, offset, token) ->
                kind.equals("workspace-secrets") && offset == 30 && expired.compareAndSet(false, true)
                        ? ScriptedApiServer.Reply.GONE_410 : ScriptedApiServer.Reply.OK);

        started(Duration.ofSeconds(5), Duration.ofSeconds(10));

        List<String> pages = workspacePages();
        assertThat(pages).hasSize(4 + 5); // three pages and the expired one, then the whole list again
        assertThat(pages.get(4)).doesNotContain("continue=");
        assertThat(counter("billing_guard_informer_list_restarts")).isEqualTo(1);
        assertThat(counter("billing_guard_informer_watch_restarts")).isZero(); // no watch had begun
        assertThat(metrics.scrape()).contains("billing_guard_informer_list_restarts_total{object=\"workspace-secrets\"} 1.0");
    }

    @Test
    void a_page_slower_than_the_list_timeout_is_asked_for_again() throws Exception {
        AtomicBoolean stalled = new AtomicBoolean();
        server = new ScriptedApiServer(50, 5).script((kind, offset, token) -> {
            if (kind.equals("workspace-secrets") && offset == 20 && stalled.compareAndSet(false, true)) {
                Thread.sleep(3_000);
            }
            return ScriptedApiServer.Reply.OK;
        });

        started(Duration.ofSeconds(5), Duration.ofSeconds(1));

        List<String> pages = workspacePages();
        assertThat(pages.get(3)).isEqualTo(pages.get(2)).contains("continue=c-20");
        assertThat(counter("billing_guard_informer_page_retries")).isEqualTo(1);
    }

    @Test
    void the_clients_request_timeout_does_not_bound_the_informers_lists() throws Exception {
        // Every page takes 1.5 s; the client's own requests may take 1 s; a list page 10 s.
        server = new ScriptedApiServer(50, 5).script((kind, offset, token) -> {
            if (kind.equals("workspace-secrets") && offset == 0) {
                Thread.sleep(1_500);
            }
            return ScriptedApiServer.Reply.OK;
        });

        started(Duration.ofSeconds(1), Duration.ofSeconds(10));

        assertThat(workspacePages()).hasSize(5);
        assertThat(counter("billing_guard_informer_page_retries")).isZero();
    }
}
