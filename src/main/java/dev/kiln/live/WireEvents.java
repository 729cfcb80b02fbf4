package dev.kiln.live;

import dev.kiln.events.JobEvent;
import dev.kiln.support.Texts;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Live events in their wire form, encoded once however many clients follow them. The hub hands an
 * event to all of its subscribers in a row, on one thread, so the event asked for is nearly always
 * the one asked for just before: that one is remembered, and every subscriber gets the same
 * {@link WireEvent}, whose JSON is written the first time any of them sends it. A miss (two
 * publishers interleaving) only costs a second encoding.
 */
@Component
class WireEvents {

    private final JsonMapper json;
    private final LongAdder encodings = new LongAdder();
    private volatile WireEvent last;

    WireEvents(JsonMapper json) {
        this.json = json;
    }

    /** The wire form of {@code event}, shared with whoever asked for the same event just before. */
    WireEvent of(JobEvent event) {
        WireEvent wire = last;
        if (wire == null || wire.event != event) {
            wire = new WireEvent(event, this);
            last = wire;
        }
        return wire;
    }

    /** An event read from the log for one client only (a replay or a gap): not worth remembering. */
    WireEvent once(JobEvent event) {
        return new WireEvent(event, this);
    }

    /** How many events were encoded so far (each wire form counts once). */
    long encodings() {
        return encodings.sum();
    }

    private String encode(JobEvent event) {
        encodings.increment();
        return json.writeValueAsString(event);
    }

    /** One event and, once asked for, its JSON and its WebSocket message. */
    static final class WireEvent {
        private final JobEvent event;
        private final WireEvents owner;
        private volatile String json;
        private volatile String message;

        private WireEvent(JobEvent event, WireEvents owner) {
            this.event = event;
            this.owner = owner;
        }

        JobEvent event() {
            return event;
        }

        /** The event as JSON (the event log's fields), for SSE. */
        String json() {
            String text = json;
            if (text == null) {
                // Two first senders at once may both encode; both get equal text.
                text = owner.encode(event);
                json = text;
            }
            return text;
        }

        /**
         * The WebSocket message: the event's fields after {@code "type":"event"}. Event data comes
         * from processors and may hold half a character, which UTF-8 cannot carry.
         */
        String message() {
            String text = message;
            if (text == null) {
                text = Texts.wellFormed("{\"type\":\"event\"," + json().substring(1));
                message = text;
            }
            return text;
        }
    }
}
