package dev.kiln.live;

import dev.kiln.api.ClientJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;

/**
 * A message from a WebSocket client, parsed and checked: what the client asked for, or what is
 * wrong with it. Problems are answered with an {@code error} message and leave the socket open.
 */
sealed interface ClientMessage {

    /** What an {@code error} message says. @param job the job it concerns, or null */
    record Problem(String code, String message, String job) {

        static Problem of(String code, String message) {
            return new Problem(code, message, null);
        }
    }

    /** Not a message at all: not JSON, or not an object with a string {@code type}. */
    record Invalid(Problem problem) implements ClientMessage {}

    /** @param token null when missing or not a string */
    record Auth(String token) implements ClientMessage {}

    /**
     * @param problems      to answer before anything is followed (a bad entry; or the whole message,
     *                      and then nothing else happens)
     * @param jobs          each job once, in order, with the seq to resume after (null: from a snapshot)
     * @param mine          whether to follow "my jobs"
     * @param mineProblem   to answer after the jobs are followed, when {@code mine} is no boolean; or null
     */
    record Subscribe(List<Problem> problems, Map<String, Long> jobs, boolean mine, Problem mineProblem)
            implements ClientMessage {}

    /** @param problem when {@code jobs} is no array (then nothing else happens); or null */
    record Unsubscribe(Problem problem, List<String> jobs, boolean mine) implements ClientMessage {}

    record Pong() implements ClientMessage {}

    record Unknown(String type) implements ClientMessage {}

    static ClientMessage parse(String text, ClientJson json) {
        JsonNode msg;
        try {
            msg = json.read(text);
        } catch (StreamConstraintsException e) {
            return new Invalid(Problem.of("malformed_json", json.describe(e)));
        } catch (JacksonException e) {
            return new Invalid(Problem.of("malformed_json", "The message is not valid JSON."));
        }
        if (msg == null || !msg.isObject() || !msg.path("type").isString()) {
            return new Invalid(Problem.of("bad_message", "A message is a JSON object with a string \"type\"."));
        }
        String type = msg.get("type").asString();
        return switch (type) {
            case "auth" ->
                new Auth(
                        msg.get("token") != null && msg.get("token").isString()
                                ? msg.get("token").asString()
                                : null);
            case "subscribe" -> subscribe(msg);
            case "unsubscribe" -> unsubscribe(msg);
            case "pong" -> new Pong();
            default -> new Unknown(type);
        };
    }

    private static Subscribe subscribe(JsonNode msg) {
        JsonNode jobs = msg.get("jobs");
        JsonNode mine = msg.get("mine");
        if (jobs == null && mine == null) {
            return refused("subscribe needs \"jobs\": [{\"id\": …, \"after\"?: seq}] or \"mine\": true.");
        }
        if (jobs != null && !jobs.isArray()) {
            return refused("\"jobs\" must be an array.");
        }
        List<Problem> problems = new ArrayList<>();
        // One follow per job however often a message names it: a repeated id must not repeat a replay.
        Map<String, Long> wanted = new LinkedHashMap<>();
        for (JsonNode item : jobs == null ? List.<JsonNode>of() : jobs) {
            JsonNode id = item.isString() ? item : item.get("id");
            JsonNode after = item.isObject() ? item.get("after") : null;
            if (id == null || !id.isString()) {
                problems.add(
                        Problem.of("bad_message", "Each job is \"job_…\" or {\"id\": \"job_…\", \"after\"?: seq}."));
            } else if (after != null && !after.isNull() && (!after.isIntegralNumber() || after.asLong() < 0)) {
                problems.add(
                        new Problem("bad_message", "\"after\" must be a seq (an integer, 0 or more).", id.asString()));
            } else {
                wanted.put(id.asString(), after == null || after.isNull() ? null : after.asLong());
            }
        }
        boolean mineIsBoolean = mine == null || mine.isBoolean();
        return new Subscribe(
                problems,
                wanted,
                mine != null && mine.isBoolean() && mine.asBoolean(),
                mineIsBoolean ? null : Problem.of("bad_message", "\"mine\" must be true or false."));
    }

    private static Subscribe refused(String message) {
        return new Subscribe(List.of(Problem.of("bad_message", message)), Map.of(), false, null);
    }

    private static Unsubscribe unsubscribe(JsonNode msg) {
        JsonNode jobs = msg.get("jobs");
        if (jobs != null && !jobs.isArray()) {
            return new Unsubscribe(
                    Problem.of("bad_message", "\"jobs\" must be an array of job ids."), List.of(), false);
        }
        List<String> ids = new ArrayList<>();
        if (jobs != null) {
            jobs.forEach(id -> {
                if (id.isString()) {
                    ids.add(id.asString());
                }
            });
        }
        return new Unsubscribe(
                null, Collections.unmodifiableList(ids), msg.path("mine").asBoolean(false));
    }
}
