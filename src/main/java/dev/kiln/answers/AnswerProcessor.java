package dev.kiln.answers;

import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import dev.kiln.processors.JsonSchemaParams;
import dev.kiln.processors.ParamsSchema;
import dev.kiln.processors.Processor;
import dev.kiln.processors.ProcessorLimits;
import dev.kiln.search.Passages;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code answer} processor: finds the owner's passages that best match a question, then has the
 * configured chat-completions server write an answer citing them, streamed piece by piece as partial
 * results ({@code {"delta": …}}, after one {@code {"citations": […]}}); without a server, the answer
 * is the passages themselves and says so. A reply that breaks off fails the job: the pieces that came
 * stay in the job's events, and its state says the answer is not complete.
 */
@Component
class AnswerProcessor implements Processor {

    static final String NAME = "answer";

    /** How many passages an answer is given to cite. */
    static final int PASSAGES = 6;

    /** minItems: an empty jobs or files list would narrow nothing, so it would answer from everything. */
    private static final String SCHEMA = """
            {"type": "object", "additionalProperties": false, "required": ["question"],
             "properties": {
               "question": {"type": "string", "minLength": 1, "maxLength": 2000, "description": "the question"},
               "jobs": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}, "description": "only these jobs' results"},
               "files": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}, "description": "only results made from these files"},
               "conversation": {"type": "string", "description": "the answer job this question follows"}}}""";

    private final Passages passages;
    private final ChatCompletions llm;
    private final Conversation conversation;
    private final Users users;
    private final ParamsSchema params;

    AnswerProcessor(Passages passages, ChatCompletions llm, Conversation conversation, Users users, JsonMapper json) {
        this.passages = passages;
        this.llm = llm;
        this.conversation = conversation;
        this.users = users;
        this.params = JsonSchemaParams.of(json.readTree(SCHEMA), json);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Answers a question from your transcripts and documents, citing the passages it used.";
    }

    @Override
    public List<String> acceptedMediaTypes() {
        return List.of();
    }

    @Override
    public boolean takesInput() {
        return false;
    }

    @Override
    public ParamsSchema params() {
        return params;
    }

    @Override
    public ProcessorLimits limits() {
        return new ProcessorLimits(3, Duration.ofMinutes(15), 4);
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", llm.configured() ? "llm" : "extractive");
        if (llm.configured() && llm.model() != null) {
            details.put("model", llm.model());
        }
        return details;
    }

    @Override
    public Object run(JobContext context) throws Exception {
        JsonNode p = context.params();
        String question = p.get("question").asString();
        User owner = users.findById(context.ownerId())
                .orElseThrow(() -> JobFailure.of(JobErrorCode.INVALID_INPUT, "The question's owner no longer exists."));
        context.progress(0.05, "finding passages");
        List<Citation> sources = Citation.of(passages.best(owner, question, ids(p, "jobs"), ids(p, "files"), PASSAGES));
        context.checkCancelled();
        String previous =
                p.path("conversation").isString() ? p.get("conversation").asString() : null;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("question", question);
        if (previous != null) {
            result.put("conversation", previous);
        }
        result.put("citations", sources);
        context.emit(Map.of("citations", sources));
        if (sources.isEmpty()) {
            return answered(context, result, "none", AnswerPrompt.NOTHING_FOUND);
        }
        if (!llm.configured()) {
            return answered(context, result, "extractive", AnswerPrompt.extractive(sources));
        }
        context.progress(0.1, "writing the answer");
        List<ChatCompletions.Message> messages =
                AnswerPrompt.messages(question, sources, conversation.before(owner.id(), previous));
        ChatCompletions.Reply reply;
        try {
            reply = llm.stream(messages, piece -> context.emit(Map.of("delta", piece)));
        } catch (InterruptedException e) {
            if (context.isCancelled()) {
                throw new JobCancelledException();
            }
            throw e;
        }
        result.put("mode", "llm");
        result.put("model", llm.model());
        result.put("answer", reply.text());
        result.put("finishReason", reply.finishReason());
        result.put("complete", true);
        context.progress(1, "answered");
        return result;
    }

    private static Map<String, Object> answered(
            JobContext context, Map<String, Object> result, String mode, String answer) {
        context.emit(Map.of("delta", answer));
        result.put("mode", mode);
        result.put("answer", answer);
        result.put("complete", true);
        context.progress(1, "answered");
        return result;
    }

    private static Set<String> ids(JsonNode params, String field) {
        Set<String> ids = new LinkedHashSet<>();
        params.path(field).forEach(id -> ids.add(id.asString()));
        return ids;
    }
}
