package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads an AdmissionReview body within bounds: the whole tree, or, when that is not possible, only
 * its {@code request.uid}, so that even an unreadable review can be denied by uid.
 *
 * <p>Why a token limit: a parsed tree costs up to 50 times its JSON text (one-element nested arrays,
 * measured: 3 MB of them became 149 MB of heap), so the body limit alone let one request exhaust a
 * 128 MiB heap. Kubernetes objects run at about one token per 7 bytes (a 3 MB pod of 55,000 env
 * entries has 330,000); {@link #MAX_TOKENS} leaves room for any real object of the body limit and
 * bounds a hostile tree at about {@link #MAX_TOKENS} &times; {@link #WORST_BYTES_PER_TOKEN}.
 */
public final class ReviewBody {
    /** Most JSON tokens read from one body; past it the body is refused unread. */
    static final long MAX_TOKENS = 500_000;
    /** Deepest nesting read (Jackson's default); no Kubernetes object comes near it. */
    static final int MAX_DEPTH = 500;
    /** Heap per token of the costliest shape measured (nested one-element arrays), for {@link BodyBudget}. */
    static final int WORST_BYTES_PER_TOKEN = 100;
    /** A uid longer than this is none Kubernetes made (its uids are 36 characters) and is not echoed. */
    static final int MAX_UID_CHARS = 256;

    private static final ObjectMapper BOUNDED = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxTokenCount(MAX_TOKENS).maxNestingDepth(MAX_DEPTH).build())
            .build()).build();

    private ReviewBody() {
    }

    /** The tree of {@code body}; throws {@link JacksonException} when it is malformed or beyond the limits. */
    public static JsonNode tree(byte[] body) {
        return BOUNDED.readTree(body);
    }

    /** What to tell the sender when {@link #tree} failed, without quoting any of its input. */
    static String problem(JacksonException e) {
        if (e instanceof StreamConstraintsException) {
            return "beyond billing-guard's reading limits: at most " + MAX_TOKENS + " JSON tokens, nesting depth "
                    + MAX_DEPTH;
        }
        return Json.jsonProblem(e);
    }

    /** {@code request.uid} of a body that may be malformed, truncated or too large for a tree. */
    static Optional<String> uid(byte[] body) {
        return uid(BOUNDED.createParser(body));
    }

    /** The same from a stream, reading little further than the uid; the stream is left open. */
    static Optional<String> uid(InputStream body) {
        return uid(BOUNDED.createParser(new FilterInputStream(body) {
            @Override
            public void close() {
                // the caller still reads the rest of the body
            }
        }));
    }

    /**
     * Scans tokens without building a tree: the top-level {@code request} object's {@code uid}, if it
     * is a non-blank string of at most {@link #MAX_UID_CHARS} characters and comes before anything
     * the parser cannot read. Other values are skipped, within the same token and depth limits.
     */
    private static Optional<String> uid(JsonParser parser) {
        try (parser) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("request") && value == JsonToken.START_OBJECT) {
                    return requestUid(parser);
                }
                parser.skipChildren();
            }
            return Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> requestUid(JsonParser parser) {
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (name.equals("uid")) {
                if (value != JsonToken.VALUE_STRING) {
                    return Optional.empty();
                }
                String uid = parser.getString();
                return uid.isBlank() || uid.length() > MAX_UID_CHARS ? Optional.empty() : Optional.of(uid);
            }
            parser.skipChildren();
        }
        return Optional.empty();
    }
}
