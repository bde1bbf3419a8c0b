package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import org.slf4j.event.KeyValuePair;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One compact JSON object per log event: time, level, logger, message and the event's key-value
 * pairs as top-level fields. A throwable is reduced to its class and first message line, so no
 * stack trace (and nothing a stack trace might carry) reaches the log.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ObjectNode line = Json.JSON.createObjectNode();
        line.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString());
        line.put("logger", event.getLoggerName());
        line.put("message", event.getFormattedMessage());
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair kv : event.getKeyValuePairs()) {
                line.putPOJO(kv.key, kv.value);
            }
        }
        IThrowableProxy error = event.getThrowableProxy();
        if (error != null) {
            String message = error.getMessage() == null ? "" : error.getMessage().lines().findFirst().orElse("");
            line.put("error", error.getClassName() + (message.isEmpty() ? "" : ": " + message));
        }
        return (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
