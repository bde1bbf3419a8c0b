package ai.molecule.billingguard.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * A scripted Kubernetes API server for scale tests and benchmarks: it answers like kube-apiserver
 * for the few requests billing-guard makes (paginated LISTs with {@code limit}/{@code continue}
 * and label or name selectors, GETs, and HTTP streaming watches) over a population it generates on
 * the fly, so a hundred thousand Secrets cost it almost no memory: workspace secret {@code j} is
 * {@code ws-j-secrets} in namespace {@code team-(j mod namespaces)}, about 900 bytes of JSON with
 * five keys (three of them credentials: {@link #credential(int)}), two labels and an annotation;
 * each namespace also holds one platform secret, {@code molecule-platform-llm}.
 *
 * <p>Plain HTTP (the JDK's HttpServer), so clients must use HTTP watches ({@link #client}). A
 * {@link Script} decides per list page whether to answer, fail or stall; {@link #objectsPerSecond}
 * paces lists like a loaded API server; {@link #change} streams MODIFIED events to the watches.
 */
public final class ScriptedApiServer implements AutoCloseable {
    /** What to do with one list page. */
    public enum Reply { OK, FAIL_500, GONE_410 }

    /** Decides each list page: may block (to hold a list mid-way) or sleep (to be slow). */
    @FunctionalInterface
    public interface Script {
        Reply page(String kind, int offset, String continueToken) throws InterruptedException;
    }

    public static final String PREFIX = "sk-SCALE-";
    private static final String PLATFORM = "molecule-platform-llm";

    private final int secrets;
    private final int namespaces;
    private final HttpServer http;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-api-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong resourceVersion = new AtomicLong(1_000_000);
    /** Per workspace secret: its resourceVersion and the number of its last change (in MODEL). */
    private final long[] versions;
    private final int[] changes;
    private final Queue<String> requests = new ConcurrentLinkedQueue<>();
    private final AtomicInteger recorded = new AtomicInteger();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private volatile Script script = (kind, offset, token) -> Reply.OK;
    private volatile int objectsPerSecond;
    private volatile Duration getDelay = Duration.ZERO;
    private volatile boolean closed;

    public ScriptedApiServer(int secrets, int namespaces) throws IOException {
        this.secrets = secrets;
        this.namespaces = namespaces;
        this.versions = new long[secrets];
        this.changes = new int[secrets];
        java.util.Arrays.fill(versions, resourceVersion.get());
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        http.setExecutor(threads);
        http.createContext("/", this::handle);
        http.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** A client of this server: HTTP watches, the given request timeout. */
    public KubernetesClient client(Duration requestTimeout) {
        return Clusters.build(new ConfigBuilder().withMasterUrl(url().toString())
                .withOnlyHttpWatches(true).withRequestTimeout(Math.toIntExact(requestTimeout.toMillis()))
                .withNamespace("default").build());
    }

    public ScriptedApiServer script(Script script) {
        this.script = script;
        return this;
    }

    /** Paces list pages to about this many objects per second (0 = as fast as it can). */
    public ScriptedApiServer objectsPerSecond(int rate) {
        this.objectsPerSecond = rate;
        return this;
    }

    /** Delays every GET and every list in one namespace (the live lookups), not the informers' lists. */
    public ScriptedApiServer getDelay(Duration delay) {
        this.getDelay = delay;
        return this;
    }

    /** The value of one of workspace secret {@code j}'s credentials, never to be seen in a cache. */
    public static String credential(int j) {
        return PREFIX + j + "-0123456789abcdefghijklmnopqrstuvwxyz";
    }

    public static String namespace(int k) {
        return String.format("team-%04d", k);
    }

    public static String secretName(int j) {
        return "ws-" + j + "-secrets";
    }

    public String namespaceOf(int j) {
        return namespace(j % namespaces);
    }

    /** The MODEL of workspace secret {@code j}: {@code gpt-5.4}, or {@code gpt-change-N} after change N. */
    public String model(int j) {
        synchronized (changes) {
            return changes[j] == 0 ? "gpt-5.4" : "gpt-change-" + changes[j];
        }
    }

    /** Changes workspace secret {@code j}'s MODEL to {@code gpt-change-N} and streams it to the watches. */
    public void change(int j, int n) {
        String event;
        synchronized (changes) {
            changes[j] = n;
            versions[j] = resourceVersion.incrementAndGet();
            event = "{\"type\":\"MODIFIED\",\"object\":" + workspaceSecret(j) + "}\n";
        }
        for (Watch w : watches) {
            if (w.kind.equals("workspace-secrets") && (w.namespace == null || w.namespace.equals(namespaceOf(j)))) {
                w.events.add(event);
            }
        }
    }

    /** Requests received, {@code GET path?query}, oldest first (the first 100,000). */
    public List<String> requests() {
        return new ArrayList<>(requests);
    }

    @Override
    public void close() {
        closed = true;
        http.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            if (recorded.incrementAndGet() <= 100_000) {
                requests.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            }
            Map<String, String> params = params(query);
            String[] parts = path.split("/");
            // /api/v1/secrets, /api/v1/namespaces, /api/v1/namespaces/NS, /api/v1/namespaces/NS/secrets[/NAME]
            if (path.equals("/api/v1/secrets")) {
                collection(exchange, params, secretKind(params), null);
            } else if (path.equals("/api/v1/namespaces")) {
                collection(exchange, params, "namespaces", null);
            } else if (parts.length == 5 && parts[3].equals("namespaces")) {
                pause(getDelay);
                int k = namespaceIndex(parts[4]);
                send(exchange, k < 0 ? 404 : 200, k < 0 ? notFound() : namespaceJson(k));
            } else if (parts.length == 6 && parts[5].equals("secrets")) {
                if (!"true".equals(params.get("watch"))) {
                    pause(getDelay);
                }
                collection(exchange, params, secretKind(params), parts[4]);
            } else if (parts.length == 7 && parts[5].equals("secrets")) {
                pause(getDelay);
                String json = secretJson(parts[4], parts[6]);
                send(exchange, json == null ? 404 : 200, json == null ? notFound() : json);
            } else {
                send(exchange, 404, notFound());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String secretKind(Map<String, String> params) {
        String selector = params.getOrDefault("labelSelector", "");
        return selector.contains("=") ? "platform-secrets" : "workspace-secrets";
    }

    private void collection(HttpExchange exchange, Map<String, String> params, String kind, String namespace)
            throws IOException, InterruptedException {
        if ("true".equals(params.get("watch"))) {
            watch(exchange, kind, namespace);
            return;
        }
        Members members = members(kind, namespace, params.get("fieldSelector"));
        String token = params.get("continue");
        int offset = token == null ? 0 : Integer.parseInt(token.substring(token.indexOf('-') + 1));
        int limit = params.containsKey("limit") ? Integer.parseInt(params.get("limit")) : members.size();
        Reply reply = script.page(kind, offset, token);
        if (reply == Reply.FAIL_500) {
            send(exchange, 500, status(500, "InternalError", "etcdserver: request timed out"));
            return;
        }
        if (reply == Reply.GONE_410) {
            send(exchange, 410, status(410, "Expired", "The provided continue parameter is too old"));
            return;
        }
        int end = Math.min(members.size(), offset + Math.max(1, limit));
        if (objectsPerSecond > 0) {
            pause(Duration.ofNanos((end - offset) * 1_000_000_000L / objectsPerSecond));
        }
        StringBuilder out = new StringBuilder(1024 * (end - offset) + 256);
        String listKind = kind.equals("namespaces") ? "NamespaceList" : "SecretList";
        out.append("{\"apiVersion\":\"v1\",\"kind\":\"").append(listKind).append("\",\"metadata\":{\"resourceVersion\":\"")
                .append(resourceVersion.get()).append('"');
        if (end < members.size()) {
            out.append(",\"continue\":\"c-").append(end).append("\",\"remainingItemCount\":").append(members.size() - end);
        }
        out.append("},\"items\":[");
        for (int i = offset; i < end; i++) {
            if (i > offset) {
                out.append(',');
            }
            int m = members.at().applyAsInt(i);
            out.append(kind.equals("namespaces") ? namespaceJson(m)
                    : kind.equals("platform-secrets") ? platformJson(m) : lockedWorkspaceSecret(m));
        }
        out.append("]}");
        send(exchange, 200, out.toString());
    }

    /** The objects a list selects: indexes of secrets j, or of namespaces / platform secrets k. */
    private record Members(int size, IntUnaryOperator at) {
    }

    private Members members(String kind, String namespace, String fieldSelector) {
        int ns = namespace == null ? -1 : namespaceIndex(namespace);
        if (namespace != null && ns < 0) {
            return new Members(0, i -> i);
        }
        if (kind.equals("workspace-secrets")) {
            return ns < 0 ? new Members(secrets, i -> i)
                    : new Members((secrets - ns + namespaces - 1) / namespaces, i -> ns + i * namespaces);
        }
        if (fieldSelector != null && fieldSelector.startsWith("metadata.name=")) {
            int k = namespaceIndex(fieldSelector.substring("metadata.name=".length()));
            return k < 0 ? new Members(0, i -> i) : new Members(1, i -> k);
        }
        return ns < 0 ? new Members(namespaces, i -> i) : new Members(1, i -> ns);
    }

    private void watch(HttpExchange exchange, String kind, String namespace) throws IOException {
        Watch w = new Watch(kind, namespace);
        watches.add(w);
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            OutputStream body = exchange.getResponseBody();
            body.flush();
            while (!closed) {
                String event = w.events.poll(200, TimeUnit.MILLISECONDS);
                if (event == null) {
                    continue;
                }
                StringBuilder batch = new StringBuilder(event);
                for (String more; batch.length() < 64 * 1024 && (more = w.events.poll()) != null; ) {
                    batch.append(more);
                }
                body.write(batch.toString().getBytes(StandardCharsets.UTF_8));
                body.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watches.remove(w);
        }
    }

    private record Watch(String kind, String namespace, BlockingQueue<String> events) {
        Watch(String kind, String namespace) {
            this(kind, namespace, new LinkedBlockingQueue<>());
        }
    }

    private String secretJson(String namespace, String name) {
        int k = namespaceIndex(namespace);
        if (k < 0) {
            return null;
        }
        if (name.equals(PLATFORM)) {
            return platformJson(k);
        }
        if (name.startsWith("ws-") && name.endsWith("-secrets")) {
            try {
                int j = Integer.parseInt(name.substring(3, name.length() - "-secrets".length()));
                if (j >= 0 && j < secrets && j % namespaces == k) {
                    synchronized (changes) {
                        return workspaceSecret(j);
                    }
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private int namespaceIndex(String name) {
        if (!name.startsWith("team-")) {
            return -1;
        }
        try {
            int k = Integer.parseInt(name.substring(5));
            return k >= 0 && k < namespaces && namespace(k).equals(name) ? k : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String lockedWorkspaceSecret(int j) {
        synchronized (changes) {
            return workspaceSecret(j);
        }
    }

    /** Called with {@code changes} held. */
    private String workspaceSecret(int j) {
        return workspaceSecretJson(j, namespaces, versions[j], changes[j]);
    }

    /** Workspace secret {@code j} as the server sends it, at a resourceVersion and after change {@code change} (0: none). */
    public static String workspaceSecretJson(int j, int namespaces, long version, int change) {
        String model = change == 0 ? "gpt-5.4" : "gpt-change-" + change;
        return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + secretName(j)
                + "\",\"namespace\":\"" + namespace(j % namespaces) + "\",\"uid\":\"4f1c" + String.format("%08d", j)
                + "-9a3e-4d7b-8c21-5e6f7a8b9c0d\",\"resourceVersion\":\"" + version
                + "\",\"creationTimestamp\":\"2025-01-01T00:00:00Z\",\"labels\":{\"molecule.ai/workspace-id\":\"" + j
                + "\",\"app.kubernetes.io/managed-by\":\"molecule-platform\"},\"annotations\":{\"molecule.ai/llm-billing-mode\":\""
                + (j % 3 == 0 ? "byok" : "platform_managed") + "\"}},\"type\":\"Opaque\",\"data\":{"
                + "\"LLM_PROVIDER\":\"" + b64(j % 2 == 0 ? "openai" : "platform") + "\","
                + "\"MODEL\":\"" + b64(model) + "\","
                + "\"OPENAI_API_KEY\":\"" + b64(credential(j)) + "\","
                + "\"ANTHROPIC_API_KEY\":\"" + b64(credential(j) + "-anthropic") + "\","
                + "\"HF_TOKEN\":\"" + b64(credential(j) + "-hf-0123456789") + "\"}}";
    }

    private String platformJson(int k) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + PLATFORM + "\",\"namespace\":\""
                + namespace(k) + "\",\"resourceVersion\":\"" + (500 + k)
                + "\",\"labels\":{\"molecule.ai/secret-scope\":\"global\"}},\"type\":\"Opaque\",\"data\":{"
                + "\"CLAUDE_CODE_OAUTH_TOKEN\":\"" + b64(PREFIX.concat("platform-").concat(String.valueOf(k))) /* no constant "sk-SCALE-platform-" in a class */ + "\"}}";
    }

    private static String namespaceJson(int k) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + namespace(k)
                + "\",\"resourceVersion\":\"" + (100 + k) + "\",\"labels\":{\"molecule.ai/billing-guard\":\"enabled\"},"
                + "\"annotations\":{\"molecule.ai/llm-billing-mode\":\"" + (k % 2 == 0 ? "byok" : "platform_managed")
                + "\"}},\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}";
    }

    private static String notFound() {
        return status(404, "NotFound", "not found");
    }

    private static String status(int code, String reason, String message) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"code\":" + code + ",\"reason\":\""
                + reason + "\",\"message\":\"" + message + "\"}";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void pause(Duration d) throws InterruptedException {
        if (!d.isZero()) {
            Thread.sleep(d.toMillis(), (int) (d.toNanosPart() % 1_000_000));
        }
    }

    private static void send(HttpExchange exchange, int code, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
