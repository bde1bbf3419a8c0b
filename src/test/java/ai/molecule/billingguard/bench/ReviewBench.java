package ai.molecule.billingguard.bench;

import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.server.Answers;
import ai.molecule.billingguard.server.ReviewBody;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * JMH: what {@code /mutate} does with the bytes of one AdmissionReview, without TLS and HTTP:
 * parse (the endpoint's bounded reader), review (facts from {@code examples/cluster} in memory,
 * as {@code serve --dev}), encode the answer to bytes. For the workspace pods of {@link BenchPods}
 * (7.5 KB and 64 KB, workspace {@code demo}: byok, platform tokens stripped, a patch) and for the
 * same bytes as a ConfigMap (read, allowed untouched). Run from the repository root (it reads
 * {@code examples/}); the command is in docs/performance.md. Not a test: surefire runs only
 * {@code *Test} and {@code *IT}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
@State(Scope.Benchmark)
public class ReviewBench {
    @Param({"SMALL", "LARGE"})
    public String pod;

    private ReviewHandler handler;
    private byte[] podBytes;
    private byte[] configMapBytes;
    private JsonNode podTree;

    @Setup
    public void setUp() {
        Config config = ConfigLoader.defaults();
        handler = new ReviewHandler(new PodPolicy(config.policy()), LocalFacts.load(Path.of("examples"), config.policy()));
        BenchPods.Size size = pod.equals("SMALL") ? BenchPods.SMALL : BenchPods.LARGE;
        String uid = "3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10";
        podBytes = BenchPods.bytes(BenchPods.review(size, "demo", uid));
        configMapBytes = BenchPods.bytes(BenchPods.asConfigMap(BenchPods.review(size, "demo", uid)));
        podTree = ReviewBody.tree(podBytes);
        // What is measured answers as it should before it is timed.
        String problem = Answers.problem(uid, new String(mutate(), StandardCharsets.UTF_8), true, "byok");
        if (problem != null || !new String(mutate(), StandardCharsets.UTF_8).contains("\"patch\"")) {
            throw new IllegalStateException("the pod is not answered with a byok patch: " + problem);
        }
        if (!new String(configMap(), StandardCharsets.UTF_8).equals("{\"apiVersion\":\"admission.k8s.io/v1\","
                + "\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"" + uid + "\",\"allowed\":true}}")) {
            throw new IllegalStateException("the ConfigMap is not allowed untouched");
        }
    }

    /** Parse + review + encode: the pod. */
    @Benchmark
    public byte[] mutate() {
        return answer(podBytes);
    }

    /** Parse + review + encode: the same bytes as a ConfigMap (the cheapest answer). */
    @Benchmark
    public byte[] configMap() {
        return answer(configMapBytes);
    }

    /** The review alone, on the parsed pod (the review does not change its input). */
    @Benchmark
    public ReviewOutcome reviewOnly() {
        return handler.review(podTree, ReviewHandler.Endpoint.MUTATE);
    }

    /** Parsing alone. */
    @Benchmark
    public JsonNode parseOnly() {
        return ReviewBody.tree(podBytes);
    }

    private byte[] answer(byte[] body) {
        ReviewOutcome outcome = handler.review(ReviewBody.tree(body), ReviewHandler.Endpoint.MUTATE);
        return outcome.response().toBytes(); // as AdmissionEndpoint encodes it
    }
}
