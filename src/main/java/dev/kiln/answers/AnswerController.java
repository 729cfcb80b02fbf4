package dev.kiln.answers;

import dev.kiln.api.ApiException;
import dev.kiln.auth.User;
import dev.kiln.jobs.JobRequests;
import dev.kiln.jobs.JobStore;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/v1/answers}: a question becomes an {@code answer} job, followed like any job
 * (its partial results are the answer as it is written). Sugar over {@code POST /jobs}: the same
 * limits, idempotency and audit.
 */
@RestController
class AnswerController {

    static final int MAX_QUESTION = 2_000;

    private final JobRequests requests;
    private final Conversation conversation;
    private final JsonMapper json;

    AnswerController(JobRequests requests, Conversation conversation, JsonMapper json) {
        this.requests = requests;
        this.conversation = conversation;
        this.json = json;
    }

    /** @param body {@code {question, scope?: {jobs?: [...], files?: [...]}, conversation?}} */
    @PostMapping(
            path = "/api/v1/answers",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> ask(
            @AuthenticationPrincipal User user,
            @RequestBody JsonNode body,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        if (!body.isObject()) {
            throw ApiException.invalidField("body", "The body must be a JSON object with a question.");
        }
        JsonNode question = body.path("question");
        if (!question.isString() || question.asString().isBlank()) {
            throw ApiException.invalidField("question", "question must be a non-empty string.");
        }
        if (question.asString().length() > MAX_QUESTION) {
            throw ApiException.invalidField("question", "question must be at most " + MAX_QUESTION + " characters.");
        }
        ObjectNode params = json.createObjectNode();
        params.set("question", question);
        scope(body.path("scope"), params);
        JsonNode follows = body.path("conversation");
        if (!follows.isMissingNode() && !follows.isNull()) {
            if (!follows.isString() || !conversation.canFollow(user.id(), follows.asString())) {
                throw ApiException.invalidField("conversation", "conversation must be the id of one of your answers.");
            }
            params.set("conversation", follows);
        }
        ObjectNode job = json.createObjectNode().put("type", AnswerProcessor.NAME);
        job.set("params", params);
        JobStore.Submission submission = requests.submit(user, job, idempotencyKey);
        return JobRequests.accepted(submission);
    }

    /** {@code scope.jobs} and {@code scope.files} into the job's params (their items are checked by its schema). */
    private static void scope(JsonNode scope, ObjectNode params) {
        if (scope.isMissingNode() || scope.isNull()) {
            return;
        }
        if (!scope.isObject()) {
            throw ApiException.invalidField("scope", "scope must be an object with jobs and/or files.");
        }
        scope.properties().forEach(field -> {
            String name = "scope." + field.getKey();
            if (!field.getKey().equals("jobs") && !field.getKey().equals("files")) {
                throw ApiException.invalidField(name, "scope takes jobs and files only.");
            }
            // An empty list would narrow nothing and so answer from all the caller's content.
            if (field.getValue().isArray() && field.getValue().isEmpty()) {
                throw ApiException.invalidField(
                        name, name + " must list at least one id; leave it out to ask about all your content.");
            }
            params.set(field.getKey(), field.getValue());
        });
    }
}
