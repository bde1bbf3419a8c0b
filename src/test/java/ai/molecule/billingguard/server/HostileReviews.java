package ai.molecule.billingguard.server;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Malformed and hostile AdmissionReviews, generated from a fixed seed, each with what billing-guard
 * must answer. Case {@code n} is the same on every run ({@link #generate(int)} seeds from {@code n}),
 * so a failing case is reproduced by its number alone.
 *
 * <p>What to expect is decided without billing-guard's code: a body a plain Jackson reader parses
 * into a tree is answerable when it is an object whose {@code kind} (if a string) is
 * AdmissionReview and whose {@code request} is an object with a non-blank string {@code uid};
 * otherwise it is a 400. A body that does not parse (or is beyond the reading limits) is denied by
 * its uid when the generator put the uid before the damage, else it is a 400.
 */
final class HostileReviews {
    static final long SEED = 20_261_130L;
    static final int MAX_BODY = 3_145_728;

    /** What the answer must be. */
    enum Expect { REVIEW, DENIAL, STATUS }

    /**
     * @param uid  the uid the answer must carry (REVIEW, DENIAL), or null
     * @param code the HTTP status of a Status answer
     */
    record Case(int id, String category, String contentType, byte[] body, Expect expect, String uid, int code) {
        String describe() {
            String text = new String(body, StandardCharsets.UTF_8);
            return "#" + id + " " + category + " (" + body.length + " bytes, " + contentType + "): "
                    + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    /** Category, share of the cases per 10,000. */
    static final Map<String, Integer> MIX = Map.ofEntries(
            Map.entry("truncated", 2400), Map.entry("wrong-types", 3420), Map.entry("numbers-for-strings", 900),
            Map.entry("unicode-and-pointer-names", 1500), Map.entry("duplicates", 900), Map.entry("garbage", 700),
            Map.entry("huge-strings", 30), Map.entry("deep-nesting", 40), Map.entry("10000-env-entries", 20),
            Map.entry("items-just-under-the-limit", 20), Map.entry("token-bomb", 10), Map.entry("wrong-content-type", 60));

    private static final ObjectMapper PLAIN = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> CATEGORIES = MIX.keySet().stream().sorted().toList();
    private static final List<String> CREDENTIAL_NAMES = List.of("CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_API_KEY",
            "OPENAI_API_KEY", "OPENAI_BASE_URL", "KIMI_API_KEY", "MOLECULE_LLM_USAGE_TOKEN", "MOLECULE_LLM_BASE_URL",
            "GEMINI_API_KEY", "HF_TOKEN", "WORKSPACE_ID", "PATH", "MODEL");
    private static final List<String> WORKSPACES = List.of("demo", "byok", "plat", "codex", "quiet", "reno", "ghost");
    private static final List<String> NASTY = List.of("a/b", "~", "~0", "~1", "/", "a~1b", "~01", "//", "/~/",
            "CLAUDE_CODE_OAUTH_TOKEN\u200b", "\u202eNEKOT_HTUAO_EDOC_EDUALC", "ÄÖÜß", "名前", "😀🔑", "e\u0301",
            "\u0000", "../../etc", "..", ".", " ", "", "\t\n", "MOLECULE_LLM_USAGE_TOKEN/", "%2F", "\\", "\"",
            "x".repeat(300), "CLAUDE_CODE_OAUTH_TOKEN ", " ANTHROPIC_API_KEY", "claude_code_oauth_token", "@@LONE@@");

    private final int id;
    private final Random random;
    private final String category;
    private final String uid;

    private HostileReviews(int id) {
        this.id = id;
        this.random = new Random(SEED * 31 + id);
        this.category = categoryOf(id);
        this.uid = "hostile-" + id + "-" + Long.toHexString(random.nextLong());
    }

    /** The category of case {@code id}: the mix repeats every 10,000 cases, the categories spread over them. */
    static String categoryOf(int id) {
        int slot = (int) Math.floorMod(id * 7919L, 10_000L);
        for (String category : CATEGORIES) {
            if (slot < MIX.get(category)) {
                return category;
            }
            slot -= MIX.get(category);
        }
        return "wrong-types";
    }

    static Case generate(int id) {
        return new HostileReviews(id).make();
    }

    private Case make() {
        return switch (category) {
            case "truncated" -> truncated();
            case "wrong-types" -> parseable(wrongTypes(base()));
            case "numbers-for-strings" -> parseable(numbersForStrings(base()));
            case "unicode-and-pointer-names" -> unicodeNames();
            case "duplicates" -> duplicates();
            case "garbage" -> garbage();
            case "huge-strings" -> parseable(hugeString(base()));
            case "deep-nesting" -> deepNesting();
            case "10000-env-entries" -> parseable(manyEnv(base(0), 10_000, false));
            case "items-just-under-the-limit" -> parseable(manyEnv(base(0), 1_990, true));
            case "token-bomb" -> tokenBomb();
            case "wrong-content-type" -> new Case(id, category,
                    pick(List.of("text/plain", "application/jsonfoo", "application/json-patch+json", "application/yaml")),
                    bytes(base().toString()), Expect.STATUS, null, 415);
            default -> throw new IllegalStateException(category);
        };
    }

    // --- the bases ----------------------------------------------------------------------------

    private ObjectNode base() {
        return base(random.nextInt(6));
    }

    /** An AdmissionReview of one of six shapes, every container list and secret-naming source in it. */
    private ObjectNode base(int shape) {
        ObjectNode review = NODES.objectNode();
        review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", uid);
        String workspace = pick(WORKSPACES);
        String namespace = random.nextInt(4) == 0 ? "team-byok" : "team-demo";
        ObjectNode pod = pod(workspace, namespace);
        switch (shape) {
            case 0, 1 -> request(request, "", "Pod", "CREATE", namespace).set("object", pod);
            case 2 -> {
                ObjectNode deployment = controller("apps", "Deployment", workspace);
                ((ObjectNode) deployment.get("spec")).set("template", pod);
                request(request, "apps", "Deployment", random.nextBoolean() ? "CREATE" : "UPDATE", namespace)
                        .set("object", deployment);
            }
            case 3 -> {
                ObjectNode cronJob = controller("batch", "CronJob", workspace);
                ((ObjectNode) cronJob.get("spec")).putObject("jobTemplate").putObject("spec").set("template", pod);
                request(request, "batch", "CronJob", "CREATE", namespace).set("object", cronJob);
            }
            case 4 -> {
                ObjectNode old = pod.deepCopy();
                ObjectNode debug = ((ObjectNode) pod.get("spec")).putArray("ephemeralContainers").addObject();
                debug.put("name", "debugger").put("image", "busybox");
                debug.putArray("env").add(env("ANTHROPIC_API_KEY", "molecule-platform-llm"));
                request(request, "", "Pod", "UPDATE", namespace).put("subResource", "ephemeralcontainers")
                        .set("object", pod);
                request.set("oldObject", old);
            }
            default -> request(request, "", "Pod", pick(List.of("DELETE", "UPDATE", "CONNECT")), namespace)
                    .set("object", pod);
        }
        request.put("dryRun", random.nextBoolean());
        return review;
    }

    private static ObjectNode request(ObjectNode request, String group, String kind, String operation, String namespace) {
        request.putObject("kind").put("group", group).put("version", "v1").put("kind", kind);
        request.putObject("resource").put("group", group).put("version", "v1").put("resource", kind.toLowerCase() + "s");
        request.put("operation", operation).put("namespace", namespace).put("name", "");
        request.putObject("userInfo").put("username", "system:serviceaccount:molecule-system:provisioner")
                .putArray("groups").add("system:authenticated");
        return request;
    }

    private ObjectNode controller(String group, String kind, String workspace) {
        ObjectNode object = NODES.objectNode();
        object.put("apiVersion", group + "/v1").put("kind", kind);
        object.putObject("metadata").put("name", "ws-" + workspace).putObject("labels")
                .put("molecule.ai/workspace-id", workspace);
        object.putObject("spec").put("replicas", 1);
        return object;
    }

    private ObjectNode pod(String workspace, String namespace) {
        ObjectNode pod = NODES.objectNode();
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode metadata = pod.putObject("metadata");
        metadata.put("generateName", "ws-" + workspace + "-").put("namespace", namespace);
        metadata.putObject("labels").put("molecule.ai/workspace-id", workspace).put("molecule.ai/runtime",
                pick(List.of("claude-code", "codex", "hermes", "bogus")));
        metadata.putObject("annotations").put("note", "hostile");
        ObjectNode spec = pod.putObject("spec");
        ObjectNode agent = spec.putArray("containers").addObject();
        agent.put("name", "agent").put("image", "ghcr.io/molecule-ai/workspace-runtime:1.4.2");
        ArrayNode env = agent.putArray("env");
        env.addObject().put("name", "WORKSPACE_ID").put("value", workspace);
        env.add(env("CLAUDE_CODE_OAUTH_TOKEN", "molecule-platform-llm"));
        env.add(env("OPENAI_API_KEY", "ws-" + workspace + "-secrets"));
        env.add(env("ANTHROPIC_API_KEY", "ws-" + workspace + "-secrets"));
        env.addObject().put("name", "MOLECULE_LLM_BASE_URL").put("value", "https://llm.molecule.ai");
        env.addObject().put("name", "KIMI_API_KEY").put("value", "sk-literal-NOT-REAL");
        ArrayNode envFrom = agent.putArray("envFrom");
        envFrom.addObject().putObject("secretRef").put("name", "molecule-platform-llm");
        envFrom.addObject().put("prefix", "USER_").putObject("secretRef").put("name", "ws-" + workspace + "-secrets");
        agent.putArray("volumeMounts").addObject().put("name", "platform").put("mountPath", "/platform");
        ObjectNode sidecar = spec.putArray("initContainers").addObject();
        sidecar.put("name", "proxy").put("image", "proxy:1").put("restartPolicy", "Always");
        sidecar.putArray("env").add(env("MOLECULE_LLM_USAGE_TOKEN", "molecule-platform-llm"));
        ArrayNode volumes = spec.putArray("volumes");
        volumes.addObject().put("name", "platform").putObject("secret").put("secretName", "molecule-platform-llm");
        ArrayNode sources = volumes.addObject().put("name", "mixed").putObject("projected").putArray("sources");
        sources.addObject().putObject("secret").put("name", "molecule-platform-llm");
        sources.addObject().putObject("configMap").put("name", "settings");
        volumes.addObject().put("name", "csi").putObject("csi").put("driver", "secrets-store")
                .putObject("nodePublishSecretRef").put("name", "molecule-platform-llm");
        return pod;
    }

    private static ObjectNode env(String name, String secret) {
        ObjectNode entry = NODES.objectNode().put("name", name);
        entry.putObject("valueFrom").putObject("secretKeyRef").put("name", secret).put("key", name);
        return entry;
    }

    // --- the categories -----------------------------------------------------------------------

    private Case truncated() {
        String text = random.nextBoolean() ? base().toString() : base().toPrettyString();
        int cut = random.nextInt(text.length());
        byte[] body = bytes(text.substring(0, cut));
        return parseableOr(body, cut >= uidEnd(text));
    }

    private JsonNode wrongTypes(ObjectNode review) {
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
            List<Slot> slots = new ArrayList<>();
            slots(review, slots);
            Slot slot = slots.get(random.nextInt(slots.size()));
            slot.set(otherType(slot.get()));
        }
        return review;
    }

    private JsonNode numbersForStrings(ObjectNode review) {
        List<String> pointers = List.of("/request/uid", "/request/kind/kind", "/request/kind/group", "/request/operation",
                "/request/namespace", "/request/subResource", "/kind", "/apiVersion",
                "/request/object/metadata/labels/molecule.ai~1workspace-id", "/request/object/metadata/labels/molecule.ai~1runtime",
                "/request/object/metadata/generateName", "/request/object/metadata/namespace",
                "/request/object/spec/containers/0/name", "/request/object/spec/containers/0/env/1/name",
                "/request/object/spec/containers/0/env/0/value", "/request/object/spec/containers/0/env/1/valueFrom/secretKeyRef/name",
                "/request/object/spec/containers/0/env/2/valueFrom/secretKeyRef/key",
                "/request/object/spec/containers/0/envFrom/0/secretRef/name", "/request/object/spec/containers/0/envFrom/1/prefix",
                "/request/object/spec/volumes/0/secret/secretName", "/request/object/spec/volumes/1/projected/sources/0/secret/name",
                "/request/object/spec/volumes/2/csi/nodePublishSecretRef/name", "/request/object/spec/initContainers/0/restartPolicy",
                "/request/object/spec/template/metadata/labels/molecule.ai~1workspace-id",
                "/request/object/spec/template/spec/containers/0/env/1/name");
        int changes = 1 + random.nextInt(4);
        for (int i = 0; i < changes; i++) {
            Slot slot = Slot.at(review, pick(pointers));
            if (slot != null) {
                slot.set(number());
            }
        }
        return review;
    }

    private Case unicodeNames() {
        ObjectNode review = base();
        List<String> pointers = List.of("/request/object/spec/containers/0/env/%d/name", "/request/object/spec/containers/0/name",
                "/request/object/metadata/labels/molecule.ai~1workspace-id", "/request/object/spec/containers/0/envFrom/1/prefix",
                "/request/object/spec/volumes/0/name", "/request/object/spec/containers/0/volumeMounts/0/name",
                "/request/object/spec/containers/0/env/%d/valueFrom/secretKeyRef/name",
                "/request/object/spec/containers/0/env/%d/valueFrom/secretKeyRef/key", "/request/namespace",
                "/request/object/spec/template/spec/containers/0/env/%d/name");
        int changes = 1 + random.nextInt(4);
        for (int i = 0; i < changes; i++) {
            Slot slot = Slot.at(review, pick(pointers).formatted(random.nextInt(6)));
            String nasty = pick(NASTY);
            String value = random.nextBoolean() ? nasty : pick(CREDENTIAL_NAMES) + nasty;
            if (slot != null) {
                slot.set(NODES.stringNode(value));
            }
        }
        if (random.nextInt(3) == 0) {
            // Annotation and label keys with JSON-pointer characters: the patch must escape them.
            ObjectNode metadata = (ObjectNode) review.at("/request/object/metadata");
            if (metadata.isObject() && metadata.get("annotations") instanceof ObjectNode annotations) {
                annotations.put(pick(NASTY) + "/~key~1", pick(NASTY));
                annotations.put("billing.molecule.ai/stripped", pick(NASTY));
            }
        }
        // A lone surrogate can only be written as an escape in the JSON text.
        String text = review.toString().replace("@@LONE@@", random.nextBoolean() ? "\\ud800" : "\\udfff\\ud800x");
        return parseableOr(bytes(text), true); // every name changed comes after the uid
    }

    private Case duplicates() {
        ObjectNode review = base(random.nextInt(2));
        JsonNode env = review.at("/request/object/spec/containers/0/env");
        switch (random.nextInt(5)) {
            case 0 -> {
                int copies = 2 + random.nextInt(40);
                for (int i = 0; i < copies; i++) {
                    ((ArrayNode) env).add(env.get(random.nextInt(env.size())).deepCopy());
                }
            }
            case 1 -> ((ArrayNode) review.at("/request/object/spec/containers")).add(
                    review.at("/request/object/spec/containers/0").deepCopy());
            case 2 -> {
                ((ArrayNode) review.at("/request/object/spec/volumes")).add(review.at("/request/object/spec/volumes/0").deepCopy());
                ((ArrayNode) review.at("/request/object/spec/containers/0/volumeMounts"))
                        .add(review.at("/request/object/spec/containers/0/volumeMounts/0").deepCopy());
            }
            default -> {
                // Keys repeated in the JSON text itself: a tree keeps the last.
                String text = review.toString();
                String dup = switch (random.nextInt(4)) {
                    case 0 -> text.replace("\"request\":{", "\"request\":{\"uid\":\"first-" + id + "\",");
                    case 1 -> text.replace("\"uid\":\"" + uid + "\"", "\"uid\":\"" + uid + "\",\"uid\":\"second-" + id + "\"");
                    case 2 -> text.replace("\"labels\":{", "\"labels\":{\"molecule.ai/workspace-id\":\"plat\",");
                    default -> text.replace("\"env\":[", "\"env\":[],\"env\":[");
                };
                return parseable(bytes(dup));
            }
        }
        return parseable(review);
    }

    private Case garbage() {
        int kind = random.nextInt(12);
        String valid = base().toString();
        return switch (kind) {
            case 0 -> {
                byte[] noise = new byte[1 + random.nextInt(2000)];
                random.nextBytes(noise);
                yield parseableOr(noise, false);
            }
            case 1 -> {
                StringBuilder soup = new StringBuilder();
                String alphabet = "{}[]\":,0123456789.-+eEtrufalsn \\/u";
                for (int i = 0, n = 1 + random.nextInt(500); i < n; i++) {
                    soup.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                yield parseableOr(bytes(soup.toString()), false);
            }
            case 2 -> parseable(bytes(pick(List.of("", " ", "null", "[]", "{}", "\"text\"", "123", "true", "[{}]",
                    "{\"request\":null}", "{\"request\":[]}", "{\"request\":{\"uid\":\"\"}}",
                    "{\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"   \"}}", "{\"kind\":7,\"request\":{\"uid\":\"u\"}}",
                    "{\"kind\":\"Pod\",\"request\":{\"uid\":\"u\"}}", "{\"request\":{\"uid\":\"only-a-uid\"}}"))));
            case 3 -> {
                byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
                byte[] text = bytes(valid);
                byte[] body = new byte[bom.length + text.length];
                System.arraycopy(bom, 0, body, 0, bom.length);
                System.arraycopy(text, 0, body, bom.length, text.length);
                yield parseableOr(body, true);
            }
            case 4 -> parseableOr(bytes(valid + pick(List.of(" trailing", "}", "]", ",", "{}", "\u0000"))), true);
            case 5 -> {
                // Invalid UTF-8 in a string value after the uid.
                byte[] text = bytes(valid.replace("\"hostile\"", "\"@@@@\""));
                int at = new String(text, StandardCharsets.ISO_8859_1).indexOf("@@@@");
                text[at] = (byte) 0xC3;
                text[at + 1] = (byte) 0x28;
                yield parseableOr(text, true);
            }
            case 6 -> parseableOr(bytes(valid.replace("\"hostile\"", "\"tab\tand\u0001control\"")), true);
            case 7 -> parseableOr(bytes(valid.replace(":", ": ").replace(",", " ,\n")), true);
            case 8 -> parseableOr(bytes("[" + valid + "]"), false);
            case 9 -> parseableOr(bytes(valid + valid), true);
            case 10 -> parseableOr(bytes(valid.replace("\"uid\":", "'uid':")), false);
            default -> parseableOr(bytes("/* comment */" + valid), false);
        };
    }

    private JsonNode hugeString(ObjectNode review) {
        int size = 100_000 + random.nextInt(1_400_000);
        String huge = random.nextBoolean() ? "A".repeat(size) : "é名".repeat(size / 5);
        List<String> pointers = List.of("/request/object/spec/containers/0/env/0/value", "/request/object/metadata/annotations/note",
                "/request/object/spec/containers/0/image", "/request/object/metadata/labels/molecule.ai~1workspace-id",
                "/request/uid", "/request/object/spec/containers/0/env/1/name", "/request/namespace",
                "/request/object/spec/containers/0/env/1/valueFrom/secretKeyRef/name");
        Slot slot = Slot.at(review, pick(pointers));
        if (slot != null) {
            slot.set(NODES.stringNode(huge));
        }
        return review;
    }

    private Case deepNesting() {
        String text = base(random.nextInt(2)).toString();
        int depth = 100_000;
        String deep = random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        boolean early = random.nextInt(4) == 0;
        String marker = early ? "\"apiVersion\":\"admission.k8s.io/v1\"" : "\"note\":\"hostile\"";
        String replacement = early ? "\"apiVersion\":" + deep : "\"note\":" + deep;
        return parseableOr(bytes(text.replace(marker, replacement)), !early);
    }

    private JsonNode manyEnv(ObjectNode review, int entries, boolean platformOnly) {
        ((ObjectNode) review.at("/request/object/metadata/labels")).put("molecule.ai/workspace-id", "byok");
        ArrayNode env = ((ObjectNode) review.at("/request/object/spec/containers/0")).putArray("env");
        env.add(env("ANTHROPIC_API_KEY", "ws-byok-secrets"));
        for (int i = 1; i < entries; i++) {
            String name = platformOnly ? "CLAUDE_CODE_OAUTH_TOKEN" : random.nextInt(3) == 0 ? "VAR_" + random.nextInt(500)
                    : pick(CREDENTIAL_NAMES);
            if (platformOnly || random.nextBoolean()) {
                env.addObject().put("name", name).put("value", "");
            } else {
                env.add(env(name, pick(List.of("molecule-platform-llm", "ws-byok-secrets", "ws-plat-secrets"))));
            }
        }
        return review;
    }

    private Case tokenBomb() {
        String text = base(0).toString();
        int count = (MAX_BODY - text.length() - 100) / 3;
        String bomb = "[" + "{},".repeat(count - 1) + "{}]";
        boolean early = random.nextInt(4) == 0;
        String marker = early ? "\"apiVersion\":\"admission.k8s.io/v1\"" : "\"note\":\"hostile\"";
        String replacement = early ? "\"apiVersion\":" + bomb : "\"note\":" + bomb;
        return beyondLimits(bytes(text.replace(marker, replacement)), !early);
    }

    // --- expectations -------------------------------------------------------------------------

    /** A tree written as JSON: it reads back as itself, so the tree decides. */
    private Case parseable(JsonNode review) {
        return decide(bytes(review.toString()), review);
    }

    /** A body the generator knows parses: the tree decides. */
    private Case parseable(byte[] body) {
        return parseableOr(body, false);
    }

    /** The tree decides if the body parses; otherwise it is denied by uid when {@code uidFirst}, else 400. */
    private Case parseableOr(byte[] body, boolean uidFirst) {
        JsonNode tree;
        try {
            tree = body.length == 0 ? null : PLAIN.readTree(body);
        } catch (RuntimeException e) {
            return unparseable(body, uidFirst);
        }
        return decide(body, tree);
    }

    private Case decide(byte[] body, JsonNode tree) {
        if (tree == null || tree.isMissingNode()) {
            return new Case(id, category, "application/json", body, Expect.STATUS, null, 400);
        }
        JsonNode kind = tree.get("kind");
        JsonNode request = tree.get("request");
        JsonNode uidNode = request == null ? null : request.get("uid");
        boolean answerable = tree.isObject() && (kind == null || !kind.isString() || kind.stringValue().equals("AdmissionReview"))
                && request != null && request.isObject() && uidNode != null && uidNode.isString()
                && !uidNode.stringValue().isBlank();
        return answerable ? new Case(id, category, "application/json", body, Expect.REVIEW, uidNode.stringValue(), 200)
                : new Case(id, category, "application/json", body, Expect.STATUS, null, 400);
    }

    private Case unparseable(byte[] body, boolean uidFirst) {
        return uidFirst ? new Case(id, category, "application/json", body, Expect.DENIAL, uid, 200)
                : new Case(id, category, "application/json", body, Expect.STATUS, null, 400);
    }

    /** Parses, but holds more tokens than billing-guard reads: denied by uid when it comes first. */
    private Case beyondLimits(byte[] body, boolean uidFirst) {
        return unparseable(body, uidFirst);
    }

    /** Where the uid's string ends in the text: a cut after it leaves the uid readable. */
    private int uidEnd(String text) {
        return text.indexOf("\"" + uid + "\"") + uid.length() + 2;
    }

    // --- helpers ------------------------------------------------------------------------------

    private JsonNode otherType(JsonNode current) {
        List<JsonNode> values = List.of(number(), NODES.booleanNode(random.nextBoolean()), NODES.nullNode(),
                NODES.stringNode(pick(NASTY)), NODES.arrayNode(), NODES.objectNode(),
                NODES.arrayNode().add(1).add("a").addNull(), NODES.objectNode().put("a", 1));
        JsonNode value;
        do {
            value = values.get(random.nextInt(values.size()));
        } while (current != null && value.getNodeType() == current.getNodeType());
        return value;
    }

    private JsonNode number() {
        return switch (random.nextInt(5)) {
            case 0 -> NODES.numberNode(random.nextInt());
            case 1 -> NODES.numberNode(-1);
            case 2 -> NODES.numberNode(random.nextDouble() * 1e308);
            case 3 -> NODES.numberNode(new BigInteger("123456789012345678901234567890123456789"));
            default -> NODES.numberNode(0);
        };
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Every value position in a tree: object properties and array elements. */
    private static void slots(JsonNode node, List<Slot> into) {
        if (node instanceof ObjectNode object) {
            for (String name : List.copyOf(object.propertyNames())) {
                into.add(new Slot(object, name, -1));
                slots(object.get(name), into);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                into.add(new Slot(array, null, i));
                slots(array.get(i), into);
            }
        }
    }

    /** A place in a tree that holds a value. */
    private record Slot(JsonNode parent, String name, int index) {
        static Slot at(JsonNode root, String pointer) {
            int last = pointer.lastIndexOf('/');
            JsonNode parent = root.at(pointer.substring(0, last));
            String key = pointer.substring(last + 1).replace("~1", "/").replace("~0", "~");
            if (parent instanceof ObjectNode) {
                return parent.has(key) ? new Slot(parent, key, -1) : null;
            }
            if (parent instanceof ArrayNode array && key.matches("\\d+") && Integer.parseInt(key) < array.size()) {
                return new Slot(parent, null, Integer.parseInt(key));
            }
            return null;
        }

        JsonNode get() {
            return name != null ? parent.get(name) : parent.get(index);
        }

        void set(JsonNode value) {
            if (parent instanceof ObjectNode object) {
                object.set(name, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }
    }
}
