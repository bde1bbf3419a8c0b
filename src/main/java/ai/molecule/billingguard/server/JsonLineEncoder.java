package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import org.slf4j.event.KeyValuePair;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.node.ArrayNode;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One compact JSON object per log event: time, level, logger, message and the event's key-value
 * pairs as top-level fields. A throwable becomes {@code error} (its class) and {@code stack} (its
 * frames and those of its causes, each cause named by class): enough to debug, and never an
 * exception message, since a message may quote the input it choked on, a credential included.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    /**
     * Frames kept per throwable: a StackOverflowError has a thousand, mostly alike. A longer stack
     * keeps its first and last halves of this: where it failed, and how the request got there.
     */
    static final int MAX_FRAMES = 40;
    /** Causes followed: a cycle or a long chain must not make the line unbounded. */
    private static final int MAX_CAUSES = 5;

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        // The fields in order, a key-value pair replacing an earlier field of its name in place (as an
        // ObjectNode would), then written straight to bytes: no tree, no String in between.
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString());
        line.put("logger", event.getLoggerName());
        line.put("message", event.getFormattedMessage());
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair kv : event.getKeyValuePairs()) {
                line.put(kv.key, kv.value);
            }
        }
        IThrowableProxy error = event.getThrowableProxy();
        if (error != null) {
            line.put("error", error.getClassName());
            line.put("stack", stack(error));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = Json.JSON.createGenerator(bytes)) {
            out.writeStartObject();
            for (Map.Entry<String, Object> field : line.entrySet()) {
                out.writeName(field.getKey());
                Object value = field.getValue();
                if (value == null) {
                    out.writeNull();
                } else if (value instanceof String text) {
                    out.writeString(text);
                } else if (value instanceof Boolean flag) {
                    out.writeBoolean(flag);
                } else {
                    out.writePOJO(value);
                }
            }
            out.writeEndObject();
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private static ArrayNode stack(IThrowableProxy error) {
        ArrayNode stack = Json.JSON.createArrayNode();
        IThrowableProxy current = error;
        for (int depth = 0; current != null && depth <= MAX_CAUSES; depth++, current = current.getCause()) {
            if (depth > 0) {
                stack.add("caused by " + current.getClassName());
            }
            StackTraceElementProxy[] frames = current.getStackTraceElementProxyArray();
            int half = frames.length > MAX_FRAMES ? MAX_FRAMES / 2 : frames.length;
            for (int i = 0; i < half; i++) {
                stack.add("at " + frames[i].getStackTraceElement());
            }
            if (frames.length > MAX_FRAMES) {
                stack.add("... " + (frames.length - MAX_FRAMES) + " frames left out");
                for (int i = frames.length - MAX_FRAMES / 2; i < frames.length; i++) {
                    stack.add("at " + frames[i].getStackTraceElement());
                }
            }
        }
        return stack;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
